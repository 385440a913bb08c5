// Provider sync for real: the dev server, a worker with the real provider activities, and the
// provider simulators over HTTP. An outage ends with every command delivered once, in order; a
// refusal waits for staff (standing retry-sync); reconciliation repairs drift planted in a provider.
// Each test has members of its own, so any test runs alone or in any order.
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerSettingsSchema } from '../../activities/providers.js';
import { MembershipClient } from '../../client/membership-client.js';
import { addDays } from '../../machines/calendar.js';
import type { ProviderName } from '../../machines/types.js';
import { buildSimulator } from '../../provider-simulators/server.js';
import type { LoggedRequest } from '../../provider-simulators/state.js';
import { serving } from '../../activities/served-associations.js';
import { createStandingActivities } from '../../worker/activities.js';
import { ensureReconciliationSchedule } from '../../worker/reconciliation-schedule.js';
import type { MemberStanding } from '../../workflows/messages.js';
import type { ReconciliationReport } from '../../workflows/reconciliation.js';
import { association, paidMemberEvents } from '../helpers.js';
import { untilStanding } from '../workflow/until.js';
import { standingCli } from './standing-cli.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

const config = association();
/** How the simulators name the providers of this association (its lockbox is SentriLock). */
const simulated: Record<ProviderName, string> = { m1: 'm1', mls: 'mls', lockbox: 'sentrilock' };

describe('provider sync against the simulators', () => {
  let server: DevServer;
  let simulator: FastifyInstance;
  let simulatorUrl: string;
  let client: MembershipClient;
  let configFile: string;

  beforeAll(async () => {
    simulator = await buildSimulator();
    await simulator.listen({ host: '127.0.0.1', port: 0 });
    simulatorUrl = `http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}`;
    const settings = providerSettingsSchema.parse({
      associationId: 'TEST',
      m1: { baseUrl: simulatorUrl },
      mls: { baseUrl: simulatorUrl },
      lockbox: { baseUrl: simulatorUrl, vendor: 'sentrilock' },
    });
    server = await startDevServer({
      activities: (env) => createStandingActivities({ served: serving({ id: 'TEST', settings, client: env.client }) }),
    });
    client = new MembershipClient(server.env.client, config);
    configFile = join(await mkdtemp(join(tmpdir(), 'standing-')), 'association.yaml');
    await writeFile(
      configFile,
      JSON.stringify({
        association: config.association,
        providers: { m1: {}, mls: {}, lockbox: { vendor: 'sentrilock' } },
        membershipTypes: config.membershipTypes,
      }),
    );
  });

  afterAll(async () => {
    await server?.stop();
    await simulator?.close();
  });

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${simulatorUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return response.json() as Promise<unknown>;
  };
  const outage = async (on: boolean) => {
    for (const provider of Object.values(simulated)) await admin('PUT', `/admin/faults/${provider}`, { outage: on });
  };

  /** The member's standing once `done` holds, read again each time its workflow's history grows. */
  async function until(
    memberId: string,
    done: (standing: MemberStanding) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<MemberStanding> {
    return (await untilStanding(client, memberId, (s) => s !== null && done(s), what, timeoutMs))!;
  }

  const standing = (...args: string[]) => standingCli(server.address, configFile, args);

  /** A member who joins and pays for a year now: activated, so every provider is told Active. */
  async function joinAndPay(memberId: string): Promise<void> {
    for (const event of paidMemberEvents(memberId)) await client.send(event);
  }

  it('keeps the membership moving through a provider outage, then delivers every command once, in order', async () => {
    await outage(true);
    try {
      await joinAndPay('P1');
      await until('P1', (s) => s.member?.state === 'active', 'activation');
      expect((await client.suspend('P1', { reason: 'conduct', id: 'P1-suspend' })).state).toBe('suspended');
      expect((await client.reactivate('P1', { id: 'P1-reactivate' })).state).toBe('active');
      const during = await until('P1', (s) => (s.providerSync?.deliveries.length ?? 0) >= 6, 'every delivery queued');
      expect(during.providerSync?.status).toBe('pending');
      expect(during.providerSync?.deliveries.every((d) => d.outcome === 'pending')).toBe(true);
      const refusedDuringOutage = ((await admin('GET', '/admin/requests')) as LoggedRequest[]).filter(
        (r) => r.url.includes('/P1') && r.statusCode === 503,
      );
      expect(refusedDuringOutage.length).toBeGreaterThan(0);
    } finally {
      await outage(false);
    }

    const after = await until('P1', (s) => s.providerSync?.status === 'ok', 'delivery after the outage', 60_000);
    const requests = (await admin('GET', '/admin/requests')) as LoggedRequest[];
    for (const provider of ['m1', 'mls', 'lockbox'] as const) {
      // What the rules said to send, in timeline order, against what the provider applied.
      const expected = after.member!.timeline.flatMap((entry) =>
        entry.commands.filter((c) => c.provider === provider && c.outcome === 'sent').map((c) => c.status),
      );
      const applied = requests.filter(
        (r) =>
          r.provider === simulated[provider] &&
          r.method !== 'GET' &&
          r.url.includes('/P1') &&
          r.statusCode === 200 &&
          !r.replayed,
      );
      expect(
        applied.map((r) => r.requested),
        provider,
      ).toEqual(expected);
      expect(new Set(applied.map((r) => r.idempotencyKey)).size, provider).toBe(applied.length);
    }
    expect(after.providerSync?.deliveries.every((d) => d.outcome === 'acknowledged')).toBe(true);
  });

  it('records a refusal without retrying it, lists the member as failed, and sends it again on standing retry-sync', async () => {
    // Imported: the providers have never heard of this member, so they refuse to suspend it.
    await client.importMember({
      id: 'Q1-imp',
      type: 'imported',
      memberId: 'Q1',
      at: new Date().toISOString(),
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: addDays(new Date().toISOString().slice(0, 10), 300),
    });
    await client.suspend('Q1', { reason: 'conduct', id: 'Q1-suspend' });
    const refused = await until(
      'Q1',
      (s) => s.providerSync?.status === 'failed' && !s.providerSync.deliveries.some((d) => d.outcome === 'pending'),
      'refusal',
    );
    const failed = refused.providerSync!.deliveries.filter((d) => d.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.find((d) => d.provider === 'mls')?.reason).toMatch(
      /^UnknownMember: mls refused \(404 unknown-member\)/,
    );
    const writes = ((await admin('GET', '/admin/requests')) as LoggedRequest[]).filter(
      (r) => r.url.includes('/Q1') && r.method !== 'GET',
    );
    expect(writes.filter((r) => r.provider === 'mls')).toHaveLength(1);

    // Visibility finds the member; staff fix the records at the providers and retry.
    await expect.poll(() => client.membersWithFailedSync(), { timeout: 20_000, interval: 100 }).toEqual(['Q1']);
    for (const d of failed) await admin('PUT', `/admin/records/${simulated[d.provider]}/Q1`, { status: 'Active' });
    const retried = await standing('retry-sync', '--all');
    expect(retried).toMatchObject({
      code: 0,
      stdout: `re-sent ${failed.length} refused provider command(s) of 1 member(s)\n`,
    });
    const fixed = await until('Q1', (s) => s.providerSync?.status === 'ok', 'the retry');
    expect(fixed.providerSync?.deliveries.filter((d) => d.retries === 1).map((d) => d.outcome)).toEqual(
      failed.map(() => 'acknowledged'),
    );
    const records = (await admin('GET', '/admin/records')) as Record<string, Record<string, { status: string }>>;
    expect(records.mls?.Q1?.status).toBe('Inactive');
  });

  it('repairs a drift planted in a provider when the reconciliation schedule runs', async () => {
    await joinAndPay('RC1');
    await until('RC1', (s) => s.providerSync?.status === 'ok', 'RC1 in sync');
    await admin('PUT', '/admin/records/mls/RC1', { status: 'Inactive' });

    const scheduleId = await ensureReconciliationSchedule(server.env.client, config, '0 3 * * *');
    const schedule = server.env.client.schedule.getHandle(scheduleId);
    await schedule.trigger();
    const startedRun = async () => (await schedule.describe()).info.recentActions.at(-1)?.action.workflow;
    await expect.poll(startedRun, { timeout: 20_000, interval: 100 }).toBeDefined();
    const started = await startedRun();
    const report: ReconciliationReport = await server.env.client.workflow
      .getHandle(started!.workflowId, started!.firstExecutionRunId)
      .result();
    expect(report.drift).toContainEqual({
      memberId: 'RC1',
      workflowId: client.workflowId('RC1'),
      provider: 'mls',
      expected: 'Active',
      found: 'Inactive',
    });
    expect(report.drift.filter((d) => d.memberId === 'RC1')).toHaveLength(1);
    expect(report.repairsRequested).toBe(report.drift.length);

    const repaired = await until(
      'RC1',
      (s) => s.providerSync?.deliveries.some((d) => d.change === 'repair' && d.outcome === 'acknowledged') ?? false,
      'the repair',
    );
    expect(repaired.providerSync?.deliveries.find((d) => d.change === 'repair')).toMatchObject({
      provider: 'mls',
      status: 'Active',
    });
    const records = (await admin('GET', '/admin/records')) as Record<string, Record<string, { status: string }>>;
    expect(records.mls?.RC1?.status).toBe('Active');

    // Run again from the CLI: nothing left to repair for RC1.
    const again = await standing('reconcile', '--json');
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as ReconciliationReport).drift.filter((d) => d.memberId === 'RC1')).toEqual([]);
  });
});
