// The Membership API a runtime drives: dry-run checks, deadlines, snapshots and new configurations.
import { describe, expect, it } from 'vitest';
import { Membership } from '../machines/membership.js';
import { lifecycleEventSchema } from '../schemas/events.js';
import { activeInJune, association, membershipOf } from './helpers.js';

const config = association();
const event = (body: Record<string, unknown>) =>
  lifecycleEventSchema.parse({ memberId: 'A1', at: '2026-06-10T12:00:00Z', ...body });

describe('check', () => {
  it('answers what apply would, and changes nothing', () => {
    const member = membershipOf(config, activeInJune());
    const before = member.snapshot();
    expect(member.check(event({ id: 'x1', type: 'reactivated' }))).toEqual({
      outcome: 'rejected',
      reason: 'reactivated does not fit a member who is active: only a suspended member can be reactivated',
    });
    expect(member.check(event({ id: 'x2', type: 'suspended' }))).toEqual({ outcome: 'applied' });
    expect(
      member.check(
        event({ id: 'x3', type: 'paymentPosted', paymentId: 'PAY-INV-2026-06-3', invoiceId: 'INV-2026-06', amount: 5 }),
      ),
    ).toMatchObject({ outcome: 'rejected' });
    expect(member.check(event({ id: 'e1', type: 'suspended' }))).toEqual({ outcome: 'duplicate' });
    expect(member.snapshot()).toEqual(before);
  });
});

describe('check after deadlines', () => {
  // Suspended June 10 with dropAfterSuspendedDays 30: dropped at the start of July 10.
  const dropping = association({ dropAfterSuspendedDays: 30 });
  const suspended = () => activeInJune().add('suspended', '2026-06-10', {});
  const reactivated = event({ id: 'r1', type: 'reactivated', at: '2026-07-15T12:00:00Z' });
  const now = Date.parse('2026-07-15T12:00:00Z');

  it('refuses a reactivation that apply would refuse: the drop deadline fires before it', () => {
    const member = membershipOf(dropping, suspended());
    const before = member.snapshot();
    const refusal = {
      outcome: 'rejected',
      reason: 'reactivated does not fit a member who is terminated: only a suspended member can be reactivated',
    };
    expect(member.check(reactivated, now)).toEqual(refusal);
    expect(member.snapshot()).toEqual(before);
    expect(member.apply(reactivated, now)).toEqual(refusal);
    expect(member.state).toBe('terminated');
  });

  it('accepts the same reactivation before the drop deadline', () => {
    const member = membershipOf(dropping, suspended());
    const early = Date.parse('2026-07-09T23:59:59Z');
    expect(member.check(reactivated, early)).toEqual({ outcome: 'applied' });
    expect(member.apply(reactivated, early)).toEqual({ outcome: 'applied' });
  });
});

describe('preview', () => {
  const dropping = association({ dropAfterSuspendedDays: 30 });

  it('gives the state the event meets and the state it leaves, and changes nothing', () => {
    const member = membershipOf(dropping, activeInJune().add('suspended', '2026-06-10', {}));
    const before = member.snapshot();
    const now = Date.parse('2026-06-12T09:00:00Z');
    expect(member.preview(event({ id: 'p1', type: 'reactivated', at: '2026-06-12T09:00:00Z' }), now)).toEqual({
      outcome: 'applied',
      from: 'suspended',
      to: 'active',
    });
    expect(member.snapshot()).toEqual(before);
  });

  it('meets the member as the deadlines due by the event leave it', () => {
    // Paid through June 30: past due from the start of July 1, so a suspension on July 5 comes from pastDue.
    const member = membershipOf(dropping, activeInJune());
    const now = Date.parse('2026-07-05T00:00:00Z');
    expect(member.preview(event({ id: 'p2', type: 'suspended', at: '2026-07-05T00:00:00Z' }), now)).toEqual({
      outcome: 'applied',
      from: 'pastDue',
      to: 'suspended',
    });
    expect(member.state).toBe('active');
  });

  it('fires the deadlines due after the event up to now', () => {
    // Suspended at June 10 (stamped then, previewed July 20): the drop deadline of July 10 follows.
    const member = membershipOf(dropping, activeInJune());
    const now = Date.parse('2026-07-20T00:00:00Z');
    expect(member.preview(event({ id: 'p3', type: 'suspended' }), now)).toEqual({
      outcome: 'applied',
      from: 'active',
      to: 'terminated',
    });
  });

  it('leaves the state where a refused command meets it, with the reason', () => {
    const member = membershipOf(dropping, activeInJune().add('suspended', '2026-06-10', {}));
    const now = Date.parse('2026-07-15T12:00:00Z');
    expect(member.preview(event({ id: 'p4', type: 'reactivated', at: '2026-07-15T12:00:00Z' }), now)).toEqual({
      outcome: 'rejected',
      reason: 'reactivated does not fit a member who is terminated: only a suspended member can be reactivated',
      from: 'terminated',
      to: 'terminated',
    });
  });

  it('answers duplicate for an id the member has seen', () => {
    const member = membershipOf(dropping, activeInJune());
    expect(member.preview(event({ id: 'e1', type: 'dropped' }), Date.parse('2026-06-10T12:00:00Z'))).toEqual({
      outcome: 'duplicate',
      from: 'active',
      to: 'active',
    });
  });

  it('answers for a member with no membership yet', () => {
    const member = Membership.create(dropping, 'A1');
    expect(member.preview(event({ id: 'p5', type: 'dropped' }), Date.parse('2026-06-10T12:00:00Z'))).toMatchObject({
      outcome: 'rejected',
      from: null,
      to: null,
    });
  });
});

describe('deadlines', () => {
  it('name the next timer and its absolute moment', () => {
    expect(membershipOf(config, activeInJune()).deadlines()).toEqual([
      { name: 'expired', at: Date.parse('2026-07-01T00:00:00Z') },
    ]);
  });
});

describe('reconfigure', () => {
  it('applies a lengthened grace period to a member already past due, recomputing the deadline', () => {
    const member = membershipOf(config, activeInJune().dues('2026-07'));
    member.advanceTo(Date.parse('2026-07-05T00:00:00Z'));
    expect(member.nextDeadline()).toEqual({ name: 'graceEnded', at: Date.parse('2026-07-21T00:00:00Z') });
    member.reconfigure(association({ gracePeriod: 'P45D' }));
    expect(member.nextDeadline()).toEqual({ name: 'graceEnded', at: Date.parse('2026-08-15T00:00:00Z') });
    member.advanceTo(Date.parse('2026-08-01T00:00:00Z'));
    expect(member.state).toBe('pastDue');
  });

  it('refuses a configuration that no longer defines the member type', () => {
    const member = membershipOf(config, activeInJune());
    const without = association({}, { membershipTypes: [{ code: 'OTHER' }] });
    expect(() => member.reconfigure(without)).toThrow(/membership type REALTOR is not defined/);
    expect(member.view()?.state).toBe('active');
  });
});

describe('snapshot', () => {
  it('restores one saved with the context field lastChange (before recordChange emitted directly), dropping it', () => {
    const log = activeInJune().add('suspended', '2026-06-10', {});
    const saved = membershipOf(config, log).snapshot();
    const older = { ...saved, context: { ...saved.context, lastChange: saved.timeline.at(-1) } };
    const restored = Membership.restore(config, JSON.parse(JSON.stringify(older)));
    const fresh = Membership.restore(config, saved);
    expect(restored.snapshot().context).not.toHaveProperty('lastChange');
    const reactivated = event({ id: 'r', type: 'reactivated', at: '2026-06-12T00:00:00Z' });
    expect(restored.apply(reactivated)).toEqual(fresh.apply(reactivated));
    expect(restored.snapshot()).toEqual(fresh.snapshot());
  });

  it('carries what a reversal reads across JSON (continue-as-new): a payment posted before it can be reversed after', () => {
    const log = activeInJune()
      .invoice('2026-06-03', 'INV-07', 50, { from: '2026-07-01', through: '2026-07-31' })
      .pay('2026-06-04', 'INV-07', 50, 'P7');
    const restored = Membership.restore(config, JSON.parse(JSON.stringify(membershipOf(config, log).snapshot())));
    expect(restored.apply(event({ id: 'r7', type: 'paymentReversed', paymentId: 'P7' }))).toEqual({
      outcome: 'applied',
    });
    expect(restored.view()).toMatchObject({ state: 'active', paidThrough: '2026-06-30' });
    const june = event({
      id: 'r6',
      type: 'paymentReversed',
      paymentId: 'PAY-INV-2026-06-3',
      at: '2026-06-11T12:00:00Z',
    });
    expect(restored.apply(june)).toEqual({ outcome: 'applied' });
    expect(restored.view()).toMatchObject({ state: 'pastDue', paidThrough: null });
  });

  it('restores one saved before reversals: paid-through as saved is the start, and its payments cannot be reversed', () => {
    const log = activeInJune()
      .invoice('2026-06-03', 'INV-07', 50, { from: '2026-07-01', through: '2026-07-31' })
      .pay('2026-06-04', 'INV-07', 50, 'P7');
    const saved = membershipOf(config, log).snapshot();
    const { startingPaidThrough: _start, ...ledger } = saved.ledger;
    const older = {
      ...saved,
      ledger,
      archive: { closedInvoices: saved.archive.closedInvoices, paymentIds: saved.archive.paymentIds },
    };
    const restored = Membership.restore(config, JSON.parse(JSON.stringify(older)));
    expect(restored.apply(event({ id: 'r', type: 'paymentReversed', paymentId: 'P7' }))).toEqual({
      outcome: 'rejected',
      reason: 'payment P7 was posted before standing kept what each payment paid, so it cannot be reversed here',
    });
    // A payment posted after the restore can be; paid-through falls back to the saved one, not earlier.
    restored.apply(
      event({
        id: 'i8',
        type: 'invoiceIssued',
        invoiceId: 'INV-08',
        amount: 50,
        coversFrom: '2026-08-01',
        coversThrough: '2026-08-31',
      }),
    );
    restored.apply(event({ id: 'p8', type: 'paymentPosted', paymentId: 'P8', invoiceId: 'INV-08', amount: 50 }));
    expect(restored.view()!.paidThrough).toBe('2026-08-31');
    expect(restored.apply(event({ id: 'r8', type: 'paymentReversed', paymentId: 'P8' }))).toEqual({
      outcome: 'applied',
    });
    expect(restored.view()).toMatchObject({ state: 'active', paidThrough: '2026-07-31' });
  });

  it('survives JSON before the first event', () => {
    const fresh = Membership.restore(config, JSON.parse(JSON.stringify(Membership.create(config, 'Z').snapshot())));
    expect(fresh.state).toBe('none');
    expect(fresh.apply(event({ id: 'j', type: 'joined', membershipType: 'REALTOR' }))).toEqual({ outcome: 'applied' });
  });
});

describe('apply with a runtime clock', () => {
  it('applies an event stamped in the future at now, so it cannot fire later timers early', () => {
    const member = membershipOf(config, activeInJune());
    const now = Date.parse('2026-06-20T00:00:00Z');
    member.apply(event({ id: 'f1', type: 'suspended', at: '2026-09-01T00:00:00Z' }), now);
    const view = member.view()!;
    expect(view.timeline.at(-1)).toMatchObject({ at: '2026-06-20T00:00:00.000Z', change: 'suspended', from: 'active' });
  });

  it('applies an event stamped before the last step at the last step', () => {
    const member = membershipOf(config, activeInJune().add('suspended', '2026-06-10', {}));
    member.apply(
      event({ id: 'l1', type: 'reactivated', at: '2026-06-05T00:00:00Z' }),
      Date.parse('2026-06-11T00:00:00Z'),
    );
    expect(member.view()!.timeline.at(-1)).toMatchObject({ at: '2026-06-10T12:00:00.000Z', change: 'reactivated' });
  });
});

describe('provider ids', () => {
  const ids = (body: Record<string, unknown>, id: string, at = '2026-06-10T12:00:00Z') =>
    event({ id, type: 'providerIdsChanged', at, ...body });

  it('are kept from joined, set by providerIdsChanged for the ids it names, the others left as they were', () => {
    const member = Membership.create(config, 'P1');
    member.apply(
      lifecycleEventSchema.parse({
        id: 'j',
        type: 'joined',
        memberId: 'P1',
        at: '2026-06-01T12:00:00Z',
        membershipType: 'REALTOR',
        providerIds: { m1: '123456789', mls: 'M100001' },
      }),
    );
    expect(member.providerIds).toEqual({ m1: '123456789', mls: 'M100001' });
    expect(
      member.apply({ ...ids({ providerIds: { mls: 'M200002', lockbox: 'CARD-1' } }, 'c1'), memberId: 'P1' }),
    ).toEqual({ outcome: 'applied' });
    expect(member.providerIds).toEqual({ m1: '123456789', mls: 'M200002', lockbox: 'CARD-1' });
    // Not in the spec's member: simulate prints no ids.
    expect(member.view()).not.toHaveProperty('providerIds');
    expect(JSON.stringify(member.view())).not.toContain('M200002');
  });

  it('cross a snapshot as JSON (continue-as-new), and a snapshot saved before them restores with none', () => {
    const member = membershipOf(config, activeInJune());
    member.apply(ids({ providerIds: { lockbox: 'CARD-7' } }, 'c2'));
    const restored = Membership.restore(config, JSON.parse(JSON.stringify(member.snapshot())));
    expect(restored.providerIds).toEqual({ lockbox: 'CARD-7' });

    const saved = membershipOf(config, activeInJune()).snapshot();
    const { providerIds: _none, ...olderContext } = saved.context;
    const older = Membership.restore(config, JSON.parse(JSON.stringify({ ...saved, context: olderContext })));
    expect(older.providerIds).toEqual({});
    older.apply(ids({ providerIds: { m1: '987654321' } }, 'c3'));
    expect(older.providerIds).toEqual({ m1: '987654321' });
  });

  it('on a rejoin, set the ids the joined event names and keep the others', () => {
    const member = membershipOf(config, activeInJune().add('dropped', '2026-06-05', {}));
    member.apply(ids({ providerIds: { m1: '111111111', lockbox: 'OLD' } }, 'c4', '2026-06-06T12:00:00Z'));
    member.apply(event({ id: 'rj', type: 'joined', membershipType: 'REALTOR', providerIds: { lockbox: 'NEW' } }));
    expect(member.state).toBe('pending');
    expect(member.providerIds).toEqual({ m1: '111111111', lockbox: 'NEW' });
  });
});
