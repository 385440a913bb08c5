// Provider deliveries, the bookkeeping behind the workflow's senders: what is sent, in what order,
// under which key; what a refusal, a retry, a deferral and a repair do; and the ProviderSync status.
import { describe, expect, it } from 'vitest';
import { ProviderDeliveries, addressAt } from '../machines/deliveries.js';
import type { Delivery } from '../machines/deliveries.js';
import { nextM1SuspendWindowOpening } from '../machines/providers.js';
import { standingInWords } from '../machines/standing-in-words.js';
import type { TimelineEntry } from '../machines/types.js';
import { providerSettingsOf } from '../worker/provider-settings.js';
import { association } from './helpers.js';

const config = association();
const deferring = association(
  {},
  { providers: { m1: { deferSuspensionUntilWindow: true }, mls: {}, lockbox: { vendor: 'sentrilock' } } },
);
const context = {
  keyBase: 'membership/TEST/A1/run-1',
  association: config,
  role: 'primary' as const,
  memberId: 'A1',
  at: '2026-06-01T12:00:00.000Z',
};

function entry(change: TimelineEntry['change'], at: string, commands: TimelineEntry['commands']): TimelineEntry {
  return { at, cause: change, change, from: 'active', to: 'active', memberStatus: null, commands };
}
const sent = (provider: 'm1' | 'mls' | 'lockbox', status: string) => ({ provider, status, outcome: 'sent' as const });
const activated = entry('activated', '2026-06-01T12:00:00.000Z', [
  sent('m1', 'Active'),
  sent('mls', 'Active'),
  sent('lockbox', 'Active'),
]);
const suspended = entry('suspended', '2026-06-10T12:00:00.000Z', [
  { provider: 'm1', status: 'Suspended', outcome: 'skipped', reason: 'm1-suspend-window-closed' },
  sent('mls', 'Inactive'),
  sent('lockbox', 'Inactive'),
]);

describe('provider deliveries', () => {
  it('turn each sent command into a pending delivery keyed by run, timeline index and provider, and leave skipped ones out', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], context);
    deliveries.addStep([activated, suspended], context);
    expect(deliveries.view().deliveries.map((d) => [d.key, d.status, d.outcome])).toEqual([
      ['membership/TEST/A1/run-1/0/m1', 'Active', 'pending'],
      ['membership/TEST/A1/run-1/0/mls', 'Active', 'pending'],
      ['membership/TEST/A1/run-1/0/lockbox', 'Active', 'pending'],
      ['membership/TEST/A1/run-1/1/mls', 'Inactive', 'pending'],
      ['membership/TEST/A1/run-1/1/lockbox', 'Inactive', 'pending'],
    ]);
    expect(deliveries.status()).toBe('pending');
  });

  it('give each provider its deliveries oldest first, one at a time', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], context);
    deliveries.addStep([activated, suspended], context);
    expect(deliveries.next('mls')?.status).toBe('Active');
    deliveries.finish(deliveries.next('mls')!.key, 'acknowledged', { acknowledgedAt: 'x' });
    expect(deliveries.next('mls')?.status).toBe('Inactive');
    expect(deliveries.next('lockbox')?.status).toBe('Active');
  });

  it('send only the last command per provider of one step (a backfill), superseding the rest', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated, suspended], context);
    expect(
      deliveries
        .view()
        .deliveries.filter((d) => d.provider === 'mls')
        .map((d) => [d.status, d.outcome]),
    ).toEqual([
      ['Active', 'superseded'],
      ['Inactive', 'pending'],
    ]);
    expect(
      deliveries
        .view()
        .deliveries.filter((d) => d.provider === 'm1')
        .map((d) => [d.status, d.outcome]),
    ).toEqual([['Active', 'pending']]);
  });

  it('start after the timeline a run without provider sync left behind', () => {
    const deliveries = ProviderDeliveries.startingAt(1);
    deliveries.addStep([activated, suspended], context);
    expect(deliveries.view().deliveries.map((d) => d.status)).toEqual(['Inactive', 'Inactive']);
  });

  it('count a refusal as failed until the provider acknowledges a later command, and retry it under a new key', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], context);
    for (const provider of ['m1', 'lockbox'] as const)
      deliveries.finish(deliveries.next(provider)!.key, 'acknowledged');
    deliveries.finish(deliveries.next('mls')!.key, 'failed', { reason: 'UnknownMember: no record' });
    expect(deliveries.status()).toBe('failed');
    expect(deliveries.settled('mls')).toBe(false);
    expect(deliveries.settled('m1')).toBe(true);

    expect(deliveries.retryFailed()).toBe(1);
    const retried = deliveries.next('mls')!;
    expect(retried).toMatchObject({ outcome: 'pending', retries: 1 });
    expect(retried.reason).toBeUndefined();
    expect(ProviderDeliveries.attemptKey(retried)).toBe('membership/TEST/A1/run-1/0/mls/retry-1');
    deliveries.finish(retried.key, 'failed', { reason: 'again' });
    // A later acknowledged command to the same provider settles the refusal: the provider now holds the newer word.
    deliveries.addStep([activated, suspended], context);
    deliveries.finish(deliveries.next('mls')!.key, 'acknowledged');
    expect(deliveries.settled('mls')).toBe(true);
    expect(deliveries.retryFailed()).toBe(0);
  });

  it('defer an out-of-window M1 suspension to 00:00 of the day the window opens, in the association zone', () => {
    const chicago = association(
      {},
      {
        association: { id: 'TEST', timezone: 'America/Chicago' },
        providers: { m1: { deferSuspensionUntilWindow: true } },
      },
    );
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([suspended], { ...context, association: chicago });
    expect(deliveries.next('m1')).toMatchObject({
      status: 'Suspended',
      outcome: 'deferred',
      notBefore: '2028-01-01T06:00:00.000Z',
    });
    expect(deliveries.status()).toBe('pending');
    // Without the option, the spec's skip stands: nothing to deliver.
    const plain = ProviderDeliveries.startingAt(0);
    plain.addStep([suspended], context);
    expect(plain.next('m1')).toBeNull();
  });

  it('release a deferred delivery as pending, or note it moot once a later M1 command exists', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([suspended], { ...context, association: deferring });
    const deferred = deliveries.next('m1')!;
    expect(deliveries.hasLater(deferred)).toBe(false);
    deliveries.addStep([suspended, entry('reactivated', '2026-07-01T00:00:00.000Z', [sent('m1', 'Active')])], {
      ...context,
      association: deferring,
    });
    expect(deliveries.hasLater(deferred)).toBe(true);
    deliveries.release(deferred.key);
    expect(deliveries.next('m1')).toMatchObject({ status: 'Suspended', outcome: 'pending' });
    expect(deliveries.next('m1')?.notBefore).toBeUndefined();
  });

  it('acknowledgements: per provider the last acknowledged status, where it went, and whether the provider is settled', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    expect(deliveries.acknowledgements('A1')).toEqual({});
    deliveries.addStep([activated], { ...context, providerIds: { m1: '123456789' } });
    for (const provider of ['m1', 'mls', 'lockbox'] as const)
      deliveries.finish(deliveries.next(provider)!.key, 'acknowledged');
    deliveries.addStep([activated, suspended], { ...context, providerIds: { m1: '123456789' } });
    deliveries.finish(deliveries.next('lockbox')!.key, 'failed', { reason: 'refused' });
    // The MLS's Inactive is on its way: Active is still its last acknowledged word, unsettled.
    expect(deliveries.acknowledgements('A1')).toEqual({
      m1: { status: 'Active', address: '123456789', settled: true },
      mls: { status: 'Active', address: 'A1', settled: false },
      lockbox: { status: 'Active', address: 'A1', settled: false },
    });
  });

  it('take a repair only while the provider is settled on that status, once per id', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], context);
    const repair = {
      id: 'run-9/mls',
      provider: 'mls' as const,
      status: 'Active',
      at: '2026-07-01T03:00:00.000Z',
      keyBase: context.keyBase,
      role: 'primary' as const,
      address: { to: 'A1' },
    };
    expect(deliveries.repair(repair)).toBe('a delivery to mls is on its way');
    deliveries.finish(deliveries.next('mls')!.key, 'acknowledged');
    expect(deliveries.repair({ ...repair, status: 'Inactive' })).toBe('mls should now be Active, not Inactive');
    expect(deliveries.repair(repair)).toBeNull();
    expect(deliveries.next('mls')).toMatchObject({
      key: 'membership/TEST/A1/run-1/repair/run-9/mls/mls',
      change: 'repair',
      status: 'Active',
    });
    deliveries.finish(deliveries.next('mls')!.key, 'acknowledged');
    expect(deliveries.repair(repair)).toBe('already repaired');
  });

  it('keep every unfinished delivery and each provider’s latest decided one when trimming, and survive a save and restore', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    const timeline: TimelineEntry[] = [];
    for (let i = 0; i < 40; i += 1) {
      timeline.push(
        entry('renewed', `2026-06-01T12:00:${String(i).padStart(2, '0')}.000Z`, [
          sent('mls', i % 2 ? 'Active' : 'Inactive'),
          sent('lockbox', 'Active'),
        ]),
      );
      deliveries.addStep(timeline, context);
      deliveries.finish(deliveries.next('mls')!.key, 'acknowledged');
    }
    deliveries.finish(deliveries.next('lockbox')!.key, 'failed', { reason: 'refused' });
    const saved = deliveries.save();
    expect(saved.deliveries.length).toBeLessThan(80);
    expect(saved.deliveries.filter((d) => d.outcome === 'pending')).toHaveLength(39);
    const restored = new ProviderDeliveries(JSON.parse(JSON.stringify(saved)));
    expect(restored.view()).toEqual(deliveries.view());
    expect(restored.expected('mls')).toBe('Active');
    expect(restored.status()).toBe('failed');
    restored.addStep(timeline, context);
    expect(restored.view().deliveries).toHaveLength(saved.deliveries.length);
  });
});

describe('delivery addresses', () => {
  const requiring = association(
    {},
    {
      providers: {
        m1: { requireId: true, deferSuspensionUntilWindow: true },
        mls: {},
        lockbox: { vendor: 'sentrilock', requireId: true },
      },
    },
  );
  const ids = { m1: '123456789', mls: 'M123456', lockbox: 'CARD-1' };
  const sends = (deliveries: ProviderDeliveries) =>
    deliveries.view().deliveries.map((d) => [d.provider, d.status, d.address, d.outcome]);

  it('go to the member’s id at each provider, and to memberId where it has none', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], { ...context, providerIds: { m1: ids.m1, lockbox: ids.lockbox } });
    expect(sends(deliveries)).toEqual([
      ['m1', 'Active', '123456789', 'pending'],
      ['mls', 'Active', 'A1', 'pending'],
      ['lockbox', 'Active', 'CARD-1', 'pending'],
    ]);
  });

  it('are undeliverable, with a reason staff can act on, where the association requires an id the member lacks or M1’s is no NRDS ID', () => {
    expect(addressAt('m1', { memberId: 'A1', association: requiring })).toEqual({
      to: null,
      reason: 'no M1 id (NRDS ID) on record; providers.m1.requireId is set',
    });
    expect(addressAt('m1', { memberId: 'A1', providerIds: { m1: '12ab' }, association: requiring })).toEqual({
      to: null,
      reason: 'M1 id 12ab is not an NRDS ID (9 digits)',
    });
    // Not required: any id goes, and memberId stands in for a missing one.
    expect(addressAt('m1', { memberId: 'A1', providerIds: { m1: '12ab' }, association: config })).toEqual({
      to: '12ab',
    });
    expect(addressAt('mls', { memberId: 'A1', association: requiring })).toEqual({ to: 'A1' });

    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], { ...context, association: requiring, providerIds: { lockbox: 'CARD-1' } });
    expect(sends(deliveries)).toEqual([
      ['m1', 'Active', null, 'undeliverable'],
      ['mls', 'Active', 'A1', 'pending'],
      ['lockbox', 'Active', 'CARD-1', 'pending'],
    ]);
    // Never handed to a sender; a problem in the sync status, ahead of deliveries on their way.
    expect(deliveries.next('m1')).toBeNull();
    expect(deliveries.status()).toBe('undeliverable');
    deliveries.finish(deliveries.next('mls')!.key, 'acknowledged');
    deliveries.finish(deliveries.next('lockbox')!.key, 'acknowledged');
    expect(deliveries.status()).toBe('undeliverable');
    expect(deliveries.settled('m1')).toBe(false);
    expect(deliveries.retryFailed()).toBe(0);
    const words = standingInWords(null, null, 'UTC', deliveries.view());
    expect(words).toBe('Waiting for the first event (joined or imported).');
    const view = {
      memberId: 'A1',
      membershipType: 'REALTOR',
      role: 'primary' as const,
      state: 'active' as const,
      memberFlag: true,
      contactStatus: 'A' as const,
      memberStatus: 'New' as const,
      memberStatusDate: '2026-06-01',
      joinDate: '2026-06-01',
      paidThrough: '2026-06-30',
      terminateDate: null,
      providers: { m1: 'Active', mls: 'Active', lockbox: 'Active' },
      rejected: [],
      timeline: [],
    };
    expect(standingInWords(view, null, 'UTC', deliveries.view())).toContain(
      '**provider update undeliverable**: m1: no M1 id (NRDS ID) on record; providers.m1.requireId is set',
    );
    // The next deadline in the association's zone, named.
    expect(
      standingInWords(view, { name: 'expired', at: Date.parse('2026-07-01T05:00:00Z') }, 'America/Chicago'),
    ).toContain('past due 2026-07-01 00:00 America/Chicago');
  });

  it('send the member’s current status to a new id, and tell the old id nothing', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], { ...context, providerIds: ids });
    for (const provider of ['m1', 'mls', 'lockbox'] as const)
      deliveries.finish(deliveries.next(provider)!.key, 'acknowledged');
    deliveries.addStep([activated, suspended], { ...context, providerIds: ids });
    deliveries.finish(deliveries.next('mls')!.key, 'acknowledged');
    // A new lockbox card while the member is suspended: it is told Inactive, the status decided last.
    const step = { ...context, providerIds: { ...ids, lockbox: 'CARD-2' }, at: '2026-06-12T09:00:00.000Z' };
    expect(deliveries.addStep([activated, suspended], step)).toBe(true);
    const lockbox = deliveries.view().deliveries.filter((d) => d.provider === 'lockbox');
    expect(lockbox.map((d) => [d.status, d.address, d.outcome])).toEqual([
      ['Active', 'CARD-1', 'acknowledged'],
      // Already decided for the old card (it may be on its way): it goes on.
      ['Inactive', 'CARD-1', 'pending'],
      ['Inactive', 'CARD-2', 'pending'],
    ]);
    expect(lockbox.at(-1)).toMatchObject({
      key: 'membership/TEST/A1/run-1/id/0/lockbox',
      change: 'idChanged',
      at: '2026-06-12T09:00:00.000Z',
    });
    // Nothing for M1 or the MLS, whose ids did not change; nothing more on the next step.
    expect(deliveries.view().deliveries.filter((d) => d.change === 'idChanged')).toHaveLength(1);
    expect(deliveries.addStep([activated, suspended], step)).toBe(false);
    // Each id change gets a key of its own, even back to an earlier id.
    deliveries.addStep([activated, suspended], { ...step, providerIds: ids });
    expect(deliveries.view().deliveries.at(-1)).toMatchObject({
      key: 'membership/TEST/A1/run-1/id/1/lockbox',
      address: 'CARD-1',
    });
  });

  it('leave a refusal at the old id moot: a staff retry does not send it there again', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], { ...context, providerIds: { mls: 'M-TYPO' } });
    deliveries.finish(deliveries.next('mls')!.key, 'failed', { reason: 'UnknownMember: no record' });
    deliveries.addStep([activated], { ...context, providerIds: { mls: 'M123456' } });
    expect(deliveries.retryFailed()).toBe(0);
    const mls = deliveries.view().deliveries.filter((d) => d.provider === 'mls');
    expect(mls.map((d) => [d.address, d.outcome])).toEqual([
      ['M-TYPO', 'superseded'],
      ['M123456', 'pending'],
    ]);
    expect(mls[0]?.reason).toBe('the mls id changed; was failed: UnknownMember: no record');
  });

  it('send nothing on a new id before the provider was ever told anything', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    expect(deliveries.addStep([], { ...context, providerIds: ids })).toBe(false);
    expect(deliveries.view().deliveries).toEqual([]);
  });

  it('send a status that was undeliverable once the required id arrives, resolving the problem when acknowledged', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    const step = { ...context, association: requiring, providerIds: { lockbox: 'CARD-1' } };
    deliveries.addStep([activated], step);
    deliveries.addStep([activated], { ...step, providerIds: { m1: '12ab', lockbox: 'CARD-1' } });
    // A malformed id is a new reason, recorded so staff see it; the old one is moot.
    const m1 = deliveries.view().deliveries.filter((d) => d.provider === 'm1');
    expect(m1.map((d) => [d.outcome, d.reason])).toEqual([
      [
        'superseded',
        'the m1 id changed; was undeliverable: no M1 id (NRDS ID) on record; providers.m1.requireId is set',
      ],
      ['undeliverable', 'M1 id 12ab is not an NRDS ID (9 digits)'],
    ]);
    expect(deliveries.status()).toBe('undeliverable');
    deliveries.addStep([activated], { ...step, providerIds: { m1: '123456789', lockbox: 'CARD-1' } });
    const sent = deliveries.next('m1')!;
    expect(sent).toMatchObject({ status: 'Active', address: '123456789', change: 'idChanged', outcome: 'pending' });
    deliveries.finish(sent.key, 'acknowledged');
    for (const provider of ['mls', 'lockbox'] as const)
      deliveries.finish(deliveries.next(provider)!.key, 'acknowledged');
    expect(deliveries.status()).toBe('ok');
  });

  it('hold a deferred M1 suspension for the new id instead of the old one', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    const step = { ...context, association: deferring, providerIds: { m1: '123456789' } };
    deliveries.addStep([activated], step);
    deliveries.finish(deliveries.next('m1')!.key, 'acknowledged');
    deliveries.addStep([activated, suspended], step);
    deliveries.addStep([activated, suspended], { ...step, providerIds: { m1: '987654321' } });
    const m1 = deliveries.view().deliveries.filter((d) => d.provider === 'm1');
    expect(m1.map((d) => [d.status, d.address, d.outcome])).toEqual([
      ['Active', '123456789', 'acknowledged'],
      ['Suspended', '123456789', 'superseded'],
      // M1 holds Active until the window: the new id is told so now, and suspended when it opens.
      ['Active', '987654321', 'pending'],
      ['Suspended', '987654321', 'deferred'],
    ]);
    expect(m1.at(-1)?.notBefore).toBe('2028-01-01T00:00:00.000Z');
    expect(deliveries.hasLater(m1.at(-1) as Delivery)).toBe(false);
  });

  it('go to memberId when saved before provider ids, so a running membership delivers where it did', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], context);
    const saved = deliveries.save();
    const older = saved.deliveries.map(({ address: _address, ...d }) => d);
    const restored = new ProviderDeliveries({ ...saved, deliveries: older });
    // The member has no ids: memberId is where it always was, so nothing is re-sent.
    expect(restored.addStep([activated], context)).toBe(false);
    expect(restored.next('m1')?.address).toBeUndefined();
    // An id given later re-addresses from memberId.
    for (const provider of ['m1', 'mls', 'lockbox'] as const)
      restored.finish(restored.next(provider)!.key, 'acknowledged');
    restored.addStep([activated], { ...context, providerIds: { mls: 'M123456' } });
    expect(restored.next('mls')).toMatchObject({ status: 'Active', address: 'M123456', change: 'idChanged' });
  });

  it('repair at the member’s current id, and not at all without one the association requires', () => {
    const deliveries = ProviderDeliveries.startingAt(0);
    deliveries.addStep([activated], context);
    deliveries.finish(deliveries.next('lockbox')!.key, 'acknowledged');
    const repair = {
      id: 'run-3/lockbox',
      provider: 'lockbox' as const,
      status: 'Active',
      at: '2026-07-01T03:00:00.000Z',
      keyBase: context.keyBase,
      role: 'primary' as const,
    };
    expect(deliveries.repair({ ...repair, address: { to: null, reason: 'no lockbox id on record' } })).toBe(
      'no lockbox id on record',
    );
    expect(deliveries.repair({ ...repair, address: { to: 'CARD-9' } })).toBeNull();
    expect(deliveries.next('lockbox')).toMatchObject({ change: 'repair', address: 'CARD-9' });
  });
});

describe('the next M1 suspend window', () => {
  const window = config.providers.m1!.suspendWindow;
  it('opens on January 1 of the next cycle year', () => {
    expect(nextM1SuspendWindowOpening(window, '2026-06-10')).toBe('2028-01-01');
    expect(nextM1SuspendWindowOpening(window, '2027-12-31')).toBe('2028-01-01');
    expect(nextM1SuspendWindowOpening(window, '2025-03-02')).toBe('2028-01-01');
    expect(nextM1SuspendWindowOpening(window, '2028-01-01')).toBe('2031-01-01');
    expect(nextM1SuspendWindowOpening(window, '2019-05-01')).toBe('2022-01-01');
  });
  it('follows a configured anchor, cycle and opening day', () => {
    expect(
      nextM1SuspendWindowOpening({ anchorYear: 2024, everyYears: 2, from: '02-15', through: '03-15' }, '2026-02-16'),
    ).toBe('2028-02-15');
    expect(
      nextM1SuspendWindowOpening({ anchorYear: 2024, everyYears: 2, from: '02-15', through: '03-15' }, '2026-02-14'),
    ).toBe('2026-02-15');
  });
});

describe('provider settings from the environment', () => {
  it('take one base URL for every provider, per-provider overrides and keys, and the lockbox vendor from the association', () => {
    const settings = providerSettingsOf(config, {
      env: {
        STANDING_PROVIDERS_URL: 'http://127.0.0.1:8790',
        STANDING_MLS_URL: 'https://mls.example.org',
        STANDING_MLS_API_KEY: 'k',
        STANDING_PROVIDER_TIMEOUT_MS: '5000',
      },
    }).settings;
    expect(settings).toEqual({
      associationId: 'TEST',
      m1: { baseUrl: 'http://127.0.0.1:8790', timeoutMs: 5000, bulkReadsPerSecond: 10 },
      mls: { baseUrl: 'https://mls.example.org', apiKey: 'k', timeoutMs: 5000, bulkReadsPerSecond: 10 },
      lockbox: { baseUrl: 'http://127.0.0.1:8790', timeoutMs: 5000, bulkReadsPerSecond: 10, vendor: 'sentrilock' },
    });
  });
  it('name the variable that is missing or wrong', () => {
    expect(() => providerSettingsOf(config, { env: { STANDING_M1_URL: 'http://x' } })).toThrow(
      'association TEST: provider settings: STANDING_MLS_URL (or STANDING_PROVIDERS_URL): required, because the association configures mls; STANDING_LOCKBOX_URL (or STANDING_PROVIDERS_URL): required, because the association configures lockbox',
    );
    expect(() => providerSettingsOf(config, { env: { STANDING_PROVIDERS_URL: 'not a url' } })).toThrow(
      'association TEST: provider settings: STANDING_PROVIDERS_URL: must be a URL, like http://127.0.0.1:8790',
    );
    expect(() =>
      providerSettingsOf(config, { env: { STANDING_PROVIDERS_URL: 'http://x', STANDING_PROVIDER_TIMEOUT_MS: 'soon' } }),
    ).toThrow(/STANDING_PROVIDER_TIMEOUT_MS/);
  });
});
