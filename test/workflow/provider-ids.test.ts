// Members addressed by their provider ids (spec v1.1), on the time-skipping server with typed fake
// providers: a command goes to the member's id at the provider (memberId without one); a new id
// gets the member's current status, the old id nothing; and where the association requires an id
// the member lacks, the delivery is undeliverable and staff see it in view, ProviderSync and the UI.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { updateRefusal } from '../../client/update-refusal.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import { changeProviderIdsUpdate } from '../../workflows/messages.js';
import { membershipSearchAttributes as keys } from '../../workflows/search-attributes.js';
import { EventLog, association } from '../helpers.js';
import { deliverInTime, shiftInstant, shiftYears, yearsIntoFuture } from './deliver.js';
import { providersSettled, timeSkippingWorker } from './environment.js';
import type { RunningWorker } from './environment.js';
import { fakeProviders } from './fake-providers.js';

const taskQueue = 'provider-ids';
const config = association();
const requiring = association(
  {},
  { providers: { m1: { requireId: true }, mls: {}, lockbox: { vendor: 'sentrilock', requireId: true } } },
);

/** Joined June 1 with these provider ids, and paid: activated, so every provider is told Active. */
const paidMember = (memberId: string, providerIds?: Record<string, string>) =>
  new EventLog(memberId)
    .add('joined', '2026-06-01', { membershipType: 'REALTOR', ...(providerIds ? { providerIds } : {}) })
    .dues('2026-06')
    .pay('2026-06-01T13:00:00Z', 'INV-2026-06');

describe('provider ids', () => {
  let env: TestWorkflowEnvironment;
  let running: RunningWorker;
  let years: number;
  const providers = fakeProviders();
  const callsOf = (memberId: string, provider: string) =>
    providers.calls.filter((c) => c.memberId === memberId && c.provider === provider);

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

  it('sends a member with an NRDS ID its M1 command at that id, and the others at memberId', async () => {
    const client = new MembershipClient(env.client, config, taskQueue);
    await deliverInTime(env, client, shift(paidMember('N1', { m1: '123456789' }).events), at('2026-06-02T00:00:00Z'));
    await providersSettled(client, ['N1']);

    expect(callsOf('N1', 'm1').map((c) => [c.status, c.providerId])).toEqual([['Active', '123456789']]);
    expect(callsOf('N1', 'mls').map((c) => [c.status, c.providerId])).toEqual([['Active', 'N1']]);
    expect(providers.records.get('m1/123456789')).toBe('Active');
    expect(providers.records.has('m1/N1')).toBe(false);
    const standing = await client.view('N1');
    expect(standing?.providerIds).toEqual({ m1: '123456789' });
    expect(standing?.member).not.toHaveProperty('providerIds');
    expect(standing?.providerSync?.deliveries.map((d) => [d.provider, d.address, d.outcome])).toEqual([
      ['m1', '123456789', 'acknowledged'],
      ['mls', 'N1', 'acknowledged'],
      ['lockbox', 'N1', 'acknowledged'],
    ]);
  });

  it('sends the current status to a new id when staff change it, and nothing to the old id', async () => {
    const client = new MembershipClient(env.client, config, taskQueue);
    const events = shift(
      paidMember('N2', { lockbox: 'CARD-1' }).add('suspended', '2026-06-10', { reason: 'conduct' }).events,
    );
    await deliverInTime(env, client, events, at('2026-06-11T00:00:00Z'));
    await providersSettled(client, ['N2']);
    const before = await client.view('N2');

    // A new lockbox card while the member is suspended.
    const view = await client.changeProviderIds('N2', { lockbox: 'CARD-2' }, { by: 'desk', reason: 'card replaced' });
    expect(view.state).toBe('suspended');
    expect(view.timeline).toEqual(before?.member?.timeline);
    await providersSettled(client, ['N2']);

    expect(callsOf('N2', 'lockbox').map((c) => [c.status, c.providerId])).toEqual([
      ['Active', 'CARD-1'],
      ['Inactive', 'CARD-1'],
      ['Inactive', 'CARD-2'],
    ]);
    expect(providers.records.get('lockbox/CARD-2')).toBe('Inactive');
    // M1 and the MLS keep their address (memberId): nothing is sent to them.
    expect(callsOf('N2', 'm1')).toHaveLength(1);
    expect(callsOf('N2', 'mls').map((c) => c.status)).toEqual(['Active', 'Inactive']);
    const after = await client.view('N2');
    expect(after?.providerIds).toEqual({ lockbox: 'CARD-2' });
    expect(after?.providerSync?.deliveries.at(-1)).toMatchObject({
      provider: 'lockbox',
      status: 'Inactive',
      change: 'idChanged',
      address: 'CARD-2',
      outcome: 'acknowledged',
    });
    expect(after?.providerSync?.status).toBe('ok');

    // The workflow checks the Update itself: an empty change is refused, naming the field.
    const refused = await client
      .handle('N2')
      .executeUpdate(changeProviderIdsUpdate, { args: [{ id: 'empty', providerIds: {} }] })
      .catch((error: unknown) => error);
    expect(updateRefusal(refused)).toBe('providerIds: must name at least one provider id (m1, mls or lockbox)');
  });

  it('records a delivery undeliverable where a required id is missing, shows it to staff, and sends it once the id arrives', async () => {
    const client = new MembershipClient(env.client, requiring, taskQueue);
    await deliverInTime(env, client, shift(paidMember('U1', { m1: '12ab' }).events), at('2026-06-02T00:00:00Z'));
    await providersSettled(client, ['U1']);

    const standing = await client.view('U1');
    expect(standing?.member?.state).toBe('active');
    expect(standing?.providerSync?.status).toBe('undeliverable');
    expect(standing?.providerSync?.deliveries.map((d) => [d.provider, d.outcome, d.reason])).toEqual([
      ['m1', 'undeliverable', 'M1 id 12ab is not an NRDS ID (9 digits)'],
      ['mls', 'acknowledged', undefined],
      ['lockbox', 'undeliverable', 'no lockbox id on record; providers.lockbox.requireId is set'],
    ]);
    expect(callsOf('U1', 'm1')).toEqual([]);
    expect(callsOf('U1', 'lockbox')).toEqual([]);
    const handle = client.handle('U1');
    expect((await handle.describe()).typedSearchAttributes.get(keys.ProviderSync)).toBe('undeliverable');
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain(
      '**provider update undeliverable**: m1: M1 id 12ab is not an NRDS ID (9 digits); lockbox: no lockbox id on record',
    );

    await client.changeProviderIds('U1', { m1: '123456789', lockbox: 'CARD-9' }, { by: 'desk' });
    await providersSettled(client, ['U1']);
    expect(callsOf('U1', 'm1').map((c) => [c.status, c.providerId])).toEqual([['Active', '123456789']]);
    expect(callsOf('U1', 'lockbox').map((c) => [c.status, c.providerId])).toEqual([['Active', 'CARD-9']]);
    expect((await client.view('U1'))?.providerSync?.status).toBe('ok');
    expect((await handle.describe()).typedSearchAttributes.get(keys.ProviderSync)).toBe('ok');
  });
});
