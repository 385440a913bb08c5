// Provider sync on the time-skipping server, with typed fake providers: refusals are recorded and
// not retried until staff ask; a deferred M1 suspension goes out when the window opens, unless the
// member is no longer suspended by then. (The outage test runs on the dev server against the
// simulators, test/integration/provider-sync.test.ts: this server holds its clock while an
// activity is being retried, so an outage would freeze time.)
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import { membershipSearchAttributes as keys } from '../../workflows/search-attributes.js';
import { EventLog, association } from '../helpers.js';
import { deliverInTime, shiftInstant, shiftYears, yearsIntoFuture } from './deliver.js';
import { providersSettled, timeSkippingWorker } from './environment.js';
import type { RunningWorker } from './environment.js';
import { fakeProviders } from './fake-providers.js';

const taskQueue = 'provider-sync';
const config = association();
const deferring = association(
  {},
  { providers: { m1: { deferSuspensionUntilWindow: true }, mls: {}, lockbox: { vendor: 'sentrilock' } } },
);

/** Joined June 1 and paid: activated, so every provider is told Active. */
const paidMember = (memberId: string) =>
  new EventLog(memberId).join('2026-06-01').dues('2026-06').pay('2026-06-01T13:00:00Z', 'INV-2026-06');

/** Joined June 1 and paid through 2029, so no expiry intervenes before the 2028 M1 window. */
const paidForYears = (memberId: string) =>
  new EventLog(memberId)
    .join('2026-06-01')
    .invoice('2026-06-01T12:00:00Z', 'INV-LONG', 150, { from: '2026-06-01', through: '2029-12-31' })
    .pay('2026-06-01T13:00:00Z', 'INV-LONG', 150);

describe('provider sync', () => {
  let env: TestWorkflowEnvironment;
  let running: RunningWorker;
  let years: number;
  /** What the fake providers refuse, switched by the tests. */
  const refusing = { mlsFor: new Set<string>() };
  const providers = fakeProviders((request) => {
    if (request.provider === 'mls' && refusing.mlsFor.has(request.memberId))
      return ApplicationFailure.nonRetryable(
        'mls refused (404 unknown-member): no record of this member',
        'UnknownMember',
      );
    return null;
  });
  const callsOf = (memberId: string, provider: string) =>
    providers.calls.filter((c) => c.memberId === memberId && c.provider === provider);
  const appliedOf = (memberId: string, provider: string) =>
    providers.applied.filter((c) => c.memberId === memberId && c.provider === provider);

  beforeAll(async () => {
    running = await timeSkippingWorker(taskQueue, { activities: providers.activities });
    env = running.env;
  });

  beforeEach(async () => {
    years = yearsIntoFuture(paidMember('X').events, await env.currentTimeMs());
  });

  afterAll(async () => {
    await running?.stop();
  });

  const shift = (events: readonly LifecycleEvent[]) => shiftYears(events, years);
  const at = (iso: string) => shiftInstant(iso, years);
  const providerSyncAttribute = async (client: MembershipClient, memberId: string) =>
    (await client.handle(memberId).describe()).typedSearchAttributes.get(keys.ProviderSync);

  it('records a business refusal without retrying it, and sends it again under a new key when staff ask', async () => {
    const client = new MembershipClient(env.client, config, taskQueue);
    refusing.mlsFor.add('F1');
    const events = shift(paidMember('F1').events);
    await deliverInTime(env, client, events, at('2026-06-02T00:00:00Z'));
    await providersSettled(client, ['F1']);

    const standing = await client.view('F1');
    expect(standing?.member?.state).toBe('active');
    expect(standing?.providerSync?.status).toBe('failed');
    const mls = standing?.providerSync?.deliveries.find((d) => d.provider === 'mls');
    expect(mls).toMatchObject({
      status: 'Active',
      change: 'activated',
      outcome: 'failed',
      reason: 'UnknownMember: mls refused (404 unknown-member): no record of this member',
    });
    expect(callsOf('F1', 'mls')).toHaveLength(1);
    expect(
      standing?.providerSync?.deliveries.filter((d) => d.provider !== 'mls').map((d) => [d.provider, d.outcome]),
    ).toEqual([
      ['m1', 'acknowledged'],
      ['lockbox', 'acknowledged'],
    ]);
    expect(await providerSyncAttribute(client, 'F1')).toBe('failed');

    // The MLS record is fixed at the provider; staff retry.
    refusing.mlsFor.delete('F1');
    expect(await client.retryProviderSync('F1')).toEqual({ retried: 1 });
    await providersSettled(client, ['F1']);
    const after = await client.view('F1');
    expect(after?.providerSync?.status).toBe('ok');
    expect(after?.providerSync?.deliveries.find((d) => d.provider === 'mls')).toMatchObject({
      outcome: 'acknowledged',
      retries: 1,
    });
    expect(callsOf('F1', 'mls').map((c) => c.idempotencyKey)).toEqual([
      expect.stringMatching(/\/\d+\/mls$/),
      expect.stringMatching(/\/\d+\/mls\/retry-1$/),
    ]);
    expect(await providerSyncAttribute(client, 'F1')).toBe('ok');
    // Nothing left to retry.
    expect(await client.retryProviderSync('F1')).toEqual({ retried: 0 });
  });

  it('holds an out-of-window M1 suspension until the window opens, and sends it if the member is still suspended', async () => {
    const client = new MembershipClient(env.client, deferring, taskQueue);
    // Suspended June 10 (2026 and its shift are not window years); the next window opens January 1, two years on.
    const stays = shift(paidForYears('D1').add('suspended', '2026-06-10', { reason: 'conduct' }).events);
    const comesBack = shift(
      paidForYears('D2').add('suspended', '2026-06-10', { reason: 'conduct' }).add('reactivated', '2026-07-01', {})
        .events,
    );
    await deliverInTime(env, client, [...stays, ...comesBack], at('2026-07-02T00:00:00Z'));
    await providersSettled(client, ['D1', 'D2']);

    const waiting = await client.view('D1');
    expect(waiting?.member?.timeline.at(-1)?.commands.find((c) => c.provider === 'm1')).toEqual({
      provider: 'm1',
      status: 'Suspended',
      outcome: 'skipped',
      reason: 'm1-suspend-window-closed',
    });
    expect(
      waiting?.providerSync?.deliveries.find((d) => d.provider === 'm1' && d.status === 'Suspended'),
    ).toMatchObject({ outcome: 'deferred', notBefore: at('2028-01-01T00:00:00.000Z') });
    expect(waiting?.providerSync?.status).toBe('pending');
    expect(
      (await client.view('D2'))?.providerSync?.deliveries.find((d) => d.provider === 'm1' && d.status === 'Suspended'),
    ).toMatchObject({ outcome: 'superseded' });

    await env.sleep(Date.parse(at('2028-01-01T06:00:00Z')) - (await env.currentTimeMs()));
    await providersSettled(client, ['D1', 'D2']);
    expect(appliedOf('D1', 'm1').map((c) => c.status)).toEqual(['Active', 'Suspended']);
    expect((await client.view('D1'))?.providerSync).toMatchObject({ status: 'ok' });
    expect(appliedOf('D2', 'm1').map((c) => c.status)).toEqual(['Active', 'Active']);
  });

  it('skips a deferred suspension when the member is no longer suspended as the window opens', async () => {
    // This type's reactivation tells the MLS and the lockbox but not M1: no later M1 command makes
    // the deferred one moot, so the member's state at the window decides.
    const quietM1 = association(
      {
        rules: {
          activated: { m1: 'Active', mls: 'Active' },
          suspended: { m1: 'Suspended', mls: 'Inactive' },
          reactivated: { mls: 'Active' },
        },
      },
      { providers: { m1: { deferSuspensionUntilWindow: true }, mls: {} } },
    );
    const client = new MembershipClient(env.client, quietM1, taskQueue);
    const events = shift(
      paidForYears('D3').add('suspended', '2026-06-10', { reason: 'conduct' }).add('reactivated', '2026-06-20', {})
        .events,
    );
    await deliverInTime(env, client, events, at('2026-06-21T00:00:00Z'));
    await providersSettled(client, ['D3']);
    expect(
      (await client.view('D3'))?.providerSync?.deliveries.find((d) => d.provider === 'm1' && d.status === 'Suspended'),
    ).toMatchObject({ outcome: 'deferred' });

    await env.sleep(Date.parse(at('2028-01-01T06:00:00Z')) - (await env.currentTimeMs()));
    await providersSettled(client, ['D3']);
    expect(appliedOf('D3', 'm1').map((c) => c.status)).toEqual(['Active']);
    const standing = await client.view('D3');
    expect(standing?.member?.state).toBe('active');
    expect(
      standing?.providerSync?.deliveries.find((d) => d.provider === 'm1' && d.status === 'Suspended'),
    ).toMatchObject({ outcome: 'skipped', reason: 'no-longer-suspended' });
    expect(standing?.providerSync?.status).toBe('ok');
  });
  it('upserts only the search attributes that changed, and visibility still has them all', async () => {
    const client = new MembershipClient(env.client, config, taskQueue);
    await deliverInTime(env, client, shift(paidMember('U1').events), at('2026-06-02T00:00:00Z'));
    await providersSettled(client, ['U1']);
    const history = await client.handle('U1').fetchHistory();
    const upserted = (history.events ?? []).flatMap((event) => {
      const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      // Patch markers upsert TemporalChangeVersion on their own: those are Temporal's, not ours.
      const ours = Object.keys(fields ?? {}).filter((name) => name !== 'TemporalChangeVersion');
      return ours.length > 0 ? [ours.sort()] : [];
    });
    // Started with its association and member id: the first upsert adds what the join says, and
    // each later one only what moved (the state, paid-through, provider sync…).
    expect(upserted[0]).toEqual(expect.arrayContaining(['MembershipState', 'MembershipType', 'ProviderSync']));
    expect(upserted.length).toBeGreaterThan(1);
    for (const upsert of upserted) {
      expect(upsert).not.toContain('AssociationId');
      expect(upsert).not.toContain('MemberId');
    }
    expect(upserted.slice(1)).toContainEqual(['ProviderSync']);
    const attributes = (await client.handle('U1').describe()).typedSearchAttributes;
    expect(attributes.get(keys.MembershipState)).toBe('active');
    expect(attributes.get(keys.ProviderSync)).toBe('ok');
    expect(attributes.get(keys.AssociationId)).toBe(config.association.id);
  });
  it('marks a new run once, and starts an imported member with all it shows: nothing to upsert', async () => {
    const client = new MembershipClient(env.client, config, taskQueue);
    const now = new Date(await env.currentTimeMs());
    const paidThrough = `${now.getUTCFullYear() + 1}-03-31`;
    await client.importMember({
      id: 'imp-I1',
      type: 'imported',
      memberId: 'I1',
      at: now.toISOString(),
      membershipType: 'REALTOR',
      role: 'primary',
      state: 'active',
      paidThrough,
      joinDate: '2010-05-14',
      memberStatus: 'Renewed',
    });
    expect((await client.view('I1'))?.member?.state).toBe('active');
    const events = (await client.handle('I1').fetchHistory()).events ?? [];
    // One marker (the baseline of every patch so far), with Temporal's own TemporalChangeVersion upsert.
    expect(events.filter((event) => event.markerRecordedEventAttributes)).toHaveLength(1);
    const ours = events.flatMap((event) =>
      Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).filter(
        (name) => name !== 'TemporalChangeVersion',
      ),
    );
    expect(ours).toEqual([]);
    expect(events.filter((event) => event.workflowPropertiesModifiedEventAttributes)).toHaveLength(0);
    const description = await client.handle('I1').describe();
    expect(description.typedSearchAttributes.get(keys.MembershipState)).toBe('active');
    expect(description.typedSearchAttributes.get(keys.ProviderSync)).toBe('ok');
    expect(description.typedSearchAttributes.get(keys.PaidThrough)).toEqual(new Date(`${paidThrough}T00:00:00Z`));
    expect(description.memo?.providerAcks).toEqual({});
  });
});
