// The workflow and `standing simulate` run the same core: fed the same events at their `at`
// times, a workflow's view equals simulate's output. Five logs, the spec's worked example first.
// And what the providers end up holding is what the spec's `providers` record says was last sent.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import type { MemberView } from '../../machines/view.js';
import type { AssociationConfig } from '../../schemas/association.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import { association } from '../helpers.js';
import { deliverInTime, shiftInstant, shiftYears, simulated, yearsIntoFuture } from './deliver.js';
import { providersSettled, timeSkippingWorker } from './environment.js';
import type { RunningWorker } from './environment.js';
import { fakeProviders } from './fake-providers.js';
import { importedLapsed, lapsesAndRejoins, messyBilling, reversals, staffActions, workedExample } from './scenarios.js';

describe('the workflow and simulate agree', () => {
  let env: TestWorkflowEnvironment;
  let running: RunningWorker;
  const providers = fakeProviders();

  beforeAll(async () => {
    running = await timeSkippingWorker('parity', { activities: providers.activities });
    env = running.env;
  });

  afterAll(async () => {
    await running?.stop();
  });

  async function compare(config: AssociationConfig, original: LifecycleEvent[], originalUntil: string): Promise<void> {
    const years = yearsIntoFuture(original, await env.currentTimeMs());
    const events = shiftYears(original, years);
    const until = shiftInstant(originalUntil, years);
    const client = new MembershipClient(env.client, config, 'parity');
    await deliverInTime(env, client, events, until);
    const expected = simulated(config, events, until);
    expect(expected.length).toBeGreaterThan(0);
    for (const member of expected) {
      const standing = await client.view(member.memberId);
      expect(standing?.member).toEqual(member);
    }
    await providersAgree(client, expected);
  }

  async function providersAgree(client: MembershipClient, members: readonly MemberView[]): Promise<void> {
    await providersSettled(
      client,
      members.map((m) => m.memberId),
    );
    for (const member of members) {
      // Each provider holds the member under its id there (memberId where it has none).
      const ids: Partial<Record<string, string>> = (await client.view(member.memberId))?.providerIds ?? {};
      for (const [provider, status] of Object.entries(member.providers)) {
        const id = ids[provider] ?? member.memberId;
        if (status !== null)
          expect(providers.records.get(`${provider}/${id}`), `${member.memberId} ${provider} at ${id}`).toBe(status);
      }
    }
  }

  it('on the spec worked example, through August 31', async () => {
    const { config, events } = await workedExample();
    await compare(config, events, '2026-08-31T00:00:00Z');
  });

  it('on a member who lapses, is dropped after suspension and rejoins', async () => {
    await compare(association({ dropAfterSuspendedDays: 30 }), lapsesAndRejoins(), '2026-10-15T00:00:00Z');
  });

  it('on staff suspensions, reactivations, type and role changes and a drop', async () => {
    await compare(association(), staffActions(), '2026-06-01T00:00:00Z');
  });

  it('on an imported member whose deadlines have all passed', async () => {
    await compare(
      association({ dropAfterSuspendedDays: 40 }, { association: { id: 'TEST', timezone: 'America/Chicago' } }),
      importedLapsed(),
      '2026-06-30T00:00:00Z',
    );
  });

  it('on messy billing: early payments, re-sent ids and payments, voids and a refused command', async () => {
    await compare(association(), messyBilling(), '2026-05-31T00:00:00Z');
  });

  it('on reversals: a chargeback back to past due, a refused reversal, a re-payment, a partial refund sent twice', async () => {
    const config = association();
    const [member] = simulated(config, reversals(), '2026-07-31T00:00:00Z');
    // The scenario does what it says: twice back in past due by a reversal, then grace ends in a suspension.
    expect(member!.timeline.map((entry) => `${entry.cause} ${entry.change} ${entry.reversal?.eventId ?? ''}`)).toEqual([
      'paymentPosted activated ',
      'timer:expired pastDue ',
      'paymentPosted renewed ',
      'paymentReversed pastDue R-JUN',
      'paymentPosted renewed ',
      'paymentReversed pastDue R-PART',
      'timer:graceEnded suspended ',
    ]);
    expect(member!.rejected).toEqual([{ id: 'R-NONE', reason: 'payment P-NONE has not been posted to this member' }]);
    await compare(config, reversals(), '2026-07-31T00:00:00Z');
  });

  it('on a whole history backfilled at once (standing send), up to the present', async () => {
    // The log lies in the server's past: sent in one batch per member, its timers fire between
    // its events as simulate fires them, and then up to now.
    const config = association({ dropAfterSuspendedDays: 30 });
    const events = lapsesAndRejoins().map((event) => ({ ...event, memberId: 'BF1' }));
    const client = new MembershipClient(env.client, config, 'parity');
    await client.sendHistory(events);
    const now = new Date(await env.currentTimeMs()).toISOString();
    const [expected] = simulated(config, events, now);
    expect(expected?.timeline.length).toBeGreaterThan(6);
    expect((await client.view('BF1'))?.member).toEqual(expected);
    // A backfill tells each provider where the member ends, not every step of the way there.
    await providersAgree(client, [expected!]);
    expect(providers.calls.filter((call) => call.memberId === 'BF1').length).toBeLessThanOrEqual(3);
  });
});
