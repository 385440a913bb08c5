// The provider adapters against the provider simulators, over real HTTP on loopback.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createProviderActivities, providerSettingsSchema } from '../../activities/providers.js';
import type { ProviderStatusRequest } from '../../activities/providers.js';
import { seedRecordsFor } from '../../provider-simulators/seed.js';
import { buildSimulator } from '../../provider-simulators/server.js';
import type { SimulatorOptions } from '../../provider-simulators/server.js';
import { lifecycleEventSchema } from '../../schemas/events.js';
import { association } from '../helpers.js';

const running: FastifyInstance[] = [];

/** GET /admin/records: provider → member → record. */
type Records = Record<string, Record<string, { status: string }>>;

afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

/** A simulator on a free port, and adapters pointed at it (lockbox: `vendor`). */
async function setup(options: SimulatorOptions = {}, vendor: 'sentrilock' | 'supra' = 'sentrilock', timeoutMs = 2_000) {
  const app = await buildSimulator({ now: () => new Date('2026-07-21T15:00:00Z'), ...options });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  running.push(app);
  const endpoint = { baseUrl, timeoutMs };
  const settings = providerSettingsSchema.parse({
    associationId: 'MRAR',
    m1: endpoint,
    mls: endpoint,
    lockbox: { ...endpoint, vendor },
  });
  const activities = createProviderActivities({ http: fetch, settings });
  const admin = async <T = Records>(path: string, init?: RequestInit): Promise<T> =>
    (await fetch(`${baseUrl}${path}`, init)).json() as Promise<T>;
  return { app, baseUrl, activities, admin };
}

const command = (overrides: Partial<ProviderStatusRequest> = {}): ProviderStatusRequest => ({
  provider: 'm1',
  memberId: 'A1',
  status: 'Active',
  role: 'primary',
  idempotencyKey: `membership/MRAR/A1:${Math.random()}`,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('provider adapters against the simulators', () => {
  it('sets a status at M1, the MLS and the lockbox, each in its own dialect', async () => {
    const { activities, admin } = await setup();
    for (const provider of ['m1', 'mls', 'lockbox'] as const) {
      expect(await activities.applyProviderStatus(command({ provider }))).toEqual({
        provider,
        status: 'Active',
        recordedAt: '2026-07-21T15:00:00.000Z',
      });
    }
    const records = await admin('/admin/records');
    expect([records.m1?.A1?.status, records.mls?.A1?.status, records.sentrilock?.A1?.status]).toEqual([
      'Active',
      'Active',
      'Active',
    ]);
  });

  it('applies a retried call once: the same idempotency key gets the first answer', async () => {
    const { activities, admin } = await setup();
    const first = command({ idempotencyKey: 'membership/MRAR/A1:activated:1' });
    await activities.applyProviderStatus(first);
    await admin('/admin/records/m1/A1', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'Inactive' }),
    });
    expect(await activities.applyProviderStatus(first)).toMatchObject({ status: 'Active' });
    expect((await admin('/admin/records')).m1?.A1?.status).toBe('Inactive');
    const requests = await admin<{ idempotencyKey: string }[]>('/admin/requests');
    expect(requests.filter((r) => r.idempotencyKey === first.idempotencyKey)).toHaveLength(2);
  });

  it('fails without retry when M1 refuses a secondary association', async () => {
    const { activities } = await setup();
    const refused = await failure(activities.applyProviderStatus(command({ role: 'secondary' })));
    expect(refused).toMatchObject({ type: 'SecondaryAssociation', nonRetryable: true });
  });

  it('fails without retry when M1 refuses Suspended outside its window', async () => {
    const { activities } = await setup();
    await activities.applyProviderStatus(command());
    const refused = await failure(activities.applyProviderStatus(command({ status: 'Suspended' })));
    expect(refused).toMatchObject({ type: 'M1SuspendWindowClosed', nonRetryable: true });
  });

  it('sends Suspended to M1 inside the window', async () => {
    const { activities } = await setup({ now: () => new Date('2028-02-10T15:00:00Z') });
    await activities.applyProviderStatus(command());
    expect(await activities.applyProviderStatus(command({ status: 'Suspended' }))).toMatchObject({
      status: 'Suspended',
    });
  });

  it('fails without retry for a member the provider does not know', async () => {
    const { activities } = await setup();
    expect(
      await failure(activities.applyProviderStatus(command({ provider: 'mls', status: 'Inactive' }))),
    ).toMatchObject({ type: 'UnknownMember', nonRetryable: true });
  });

  it('fails without retry when SentriLock is asked for Null', async () => {
    const { activities } = await setup();
    expect(
      await failure(activities.applyProviderStatus(command({ provider: 'lockbox', status: 'Null' }))),
    ).toMatchObject({ type: 'NullNotSelectable', nonRetryable: true });
  });

  it('speaks Supra when the lockbox vendor is Supra', async () => {
    const { activities, admin } = await setup({}, 'supra');
    await activities.applyProviderStatus(command({ provider: 'lockbox' }));
    expect((await admin('/admin/records')).supra?.A1?.status).toBe('Active');
  });

  it('retries an outage (503) and a timeout, and waits out a 429 for its Retry-After', async () => {
    const outage = await setup({ faults: { m1: { outage: true } } });
    expect(await failure(outage.activities.applyProviderStatus(command()))).toMatchObject({
      type: 'ProviderUnavailable',
      nonRetryable: false,
    });
    const slow = await setup({ faults: { mls: { latencyMs: 300 } } }, 'sentrilock', 100);
    expect(await failure(slow.activities.applyProviderStatus(command({ provider: 'mls' })))).toMatchObject({
      type: 'ProviderUnreachable',
      nonRetryable: false,
    });
    const limited = await setup({ faults: { m1: { rateLimited: 1, retryAfterSeconds: 7 } } });
    const rateLimited = await failure(limited.activities.applyProviderStatus(command()));
    expect(rateLimited).toMatchObject({ type: 'ProviderRateLimited', nonRetryable: false, nextRetryDelay: '7s' });
    expect(await limited.activities.applyProviderStatus(command())).toMatchObject({ status: 'Active' });
  });

  it('takes faults from the admin endpoint, per provider', async () => {
    const { activities, admin } = await setup();
    await admin('/admin/faults/m1', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outage: true }),
    });
    expect(await failure(activities.applyProviderStatus(command()))).toMatchObject({ type: 'ProviderUnavailable' });
    expect(await activities.applyProviderStatus(command({ provider: 'mls' }))).toMatchObject({ status: 'Active' });
  });

  it('fails without retry when the credentials are refused', async () => {
    const { activities } = await setup({ apiKeys: { m1: 'secret' } });
    expect(await failure(activities.applyProviderStatus(command()))).toMatchObject({
      type: 'ProviderUnauthorized',
      nonRetryable: true,
    });
  });

  it('reads what a provider holds, or null when it has no record', async () => {
    const { activities } = await setup();
    expect(await activities.readProviderStatus({ provider: 'mls', memberId: 'A1' })).toBeNull();
    await activities.applyProviderStatus(command({ provider: 'mls' }));
    expect(await activities.readProviderStatus({ provider: 'mls', memberId: 'A1' })).toBe('Active');
  });

  it('writes and reads at the member’s id at the provider, in each dialect’s path; without one, at memberId', async () => {
    const { activities, admin, baseUrl } = await setup({}, 'supra');
    const ids = { m1: '123456789', mls: 'M123456', lockbox: '2041234' } as const;
    for (const provider of ['m1', 'mls', 'lockbox'] as const)
      await activities.applyProviderStatus(command({ provider, memberId: 'P1', providerId: ids[provider] }));
    const requests = await admin<{ url: string; method: string }[]>('/admin/requests');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'PUT /m1/v1/members/123456789/status',
      'PATCH /mls/odata/Member/M123456',
      'PUT /supra/v1/agents/2041234/status',
    ]);
    const records = await admin('/admin/records');
    expect([records.m1?.['123456789'], records.mls?.M123456, records.supra?.['2041234']]).toEqual([
      expect.objectContaining({ status: 'Active' }),
      expect.objectContaining({ status: 'Active' }),
      expect.objectContaining({ status: 'Active' }),
    ]);
    expect(records.m1?.P1).toBeUndefined();
    expect(await activities.readProviderStatus({ provider: 'mls', memberId: 'P1', providerId: 'M123456' })).toBe(
      'Active',
    );
    // The member is known by its id there only: memberId is another, unknown record.
    expect(await activities.readProviderStatus({ provider: 'mls', memberId: 'P1' })).toBeNull();
    // An id with a slash stays one path segment.
    await activities.applyProviderStatus(command({ provider: 'mls', memberId: 'P1', providerId: 'M/1' }));
    expect(
      (await fetch(`${baseUrl}/admin/requests`).then((r) => r.json() as Promise<{ url: string }[]>)).at(-1)?.url,
    ).toBe('/mls/odata/Member/M%2F1');
  });

  it('seeds a roster’s records under each member’s id at the provider, memberId without one, none where a required id is missing', () => {
    const config = association({}, { providers: { m1: {}, mls: { requireId: true }, lockbox: { vendor: 'supra' } } });
    const roster = [
      { memberId: 'S1', providerIds: { m1: '123456789', mls: 'M1', lockbox: 'L1' } },
      { memberId: 'S2' },
    ].map(({ memberId, ...rest }) =>
      lifecycleEventSchema.parse({
        id: `import-${memberId}`,
        type: 'imported',
        memberId,
        at: '2026-07-01T12:00:00Z',
        membershipType: 'REALTOR',
        state: 'active',
        ...rest,
      }),
    );
    expect(seedRecordsFor(roster, config).map((r) => `${r.provider}/${r.id}`)).toEqual([
      'm1/123456789',
      'mls/M1',
      'supra/L1',
      'm1/S2',
      'supra/S2',
    ]);
  });

  it('refuses an answer in an unexpected shape without retrying', async () => {
    const settings = providerSettingsSchema.parse({ associationId: 'MRAR', m1: { baseUrl: 'http://127.0.0.1:1' } });
    const http = async () =>
      new Response(JSON.stringify({ state: 'Active' }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    const activities = createProviderActivities({ http, settings });
    expect(await failure(activities.applyProviderStatus(command()))).toMatchObject({
      type: 'ProviderResponseInvalid',
      nonRetryable: true,
    });
  });

  it('keeps its state on disk across a restart', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'standing-sim-')), 'state.json');
    const first = await setup({ stateFile });
    await first.activities.applyProviderStatus(command());
    await first.app.close();
    const second = await setup({ stateFile });
    expect(await second.activities.readProviderStatus({ provider: 'm1', memberId: 'A1' })).toBe('Active');
  });

  it('answers many writes at once while keeping its state on disk (no write races another)', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'standing-sim-')), 'state.json');
    const { activities, app } = await setup({ stateFile });
    const members = Array.from({ length: 20 }, (_, i) => `C${i}`);
    const answers = await Promise.allSettled(
      members.flatMap((memberId) =>
        (['m1', 'mls', 'lockbox'] as const).map((provider) =>
          activities.applyProviderStatus(command({ provider, memberId })),
        ),
      ),
    );
    expect(answers.filter((a) => a.status === 'rejected')).toEqual([]);
    await app.close();
    const again = await setup({ stateFile });
    expect(await again.activities.readProviderStatus({ provider: 'lockbox', memberId: 'C19' })).toBe('Active');
  });

  it('seeds records a roster brings, keeping the ones it has', async () => {
    const { admin } = await setup();
    await admin('/admin/records/mls/S1', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'Inactive' }),
    });
    const seed = (records: unknown) =>
      admin<{ added: number; kept: number }>('/admin/records', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records }),
      });
    expect(
      await seed([
        { provider: 'mls', id: 'S1', status: 'Active' },
        { provider: 'supra', id: 'S1', status: 'Active' },
      ]),
    ).toEqual({ added: 1, kept: 1 });
    const records = await admin('/admin/records');
    expect([records.mls?.S1?.status, records.supra?.S1?.status]).toEqual(['Inactive', 'Active']);
    expect(await seed([{ provider: 'lockbox', id: 'S1', status: 'Active' }])).toMatchObject({
      error: 'invalid-records',
    });
  });
});
