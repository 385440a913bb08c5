// One test per row of the transition table (spec section 5), plus its rules on time and rejection.
import { describe, expect, it } from 'vitest';
import { Membership } from '../machines/membership.js';
import { lifecycleEventSchema } from '../schemas/events.js';
import { activeInJune, association, changes, EventLog, membershipOf, run } from './helpers.js';

const config = association();

describe('pending', () => {
  it('becomes active with `activated` when a dues invoice becomes settled, and joinDate is that day', () => {
    const view = run(config, activeInJune());
    expect(view.state).toBe('active');
    expect(changes(view)).toEqual(['2026-06-02 activated pending->active']);
    expect(view.joinDate).toBe('2026-06-02');
    expect(view.paidThrough).toBe('2026-06-30');
  });

  it('stays pending when only a non-dues invoice is settled', () => {
    const log = new EventLog()
      .join('2026-06-01')
      .add('invoiceIssued', '2026-06-01', { invoiceId: 'APP-FEE', amount: 25 })
      .pay('2026-06-02', 'APP-FEE', 25);
    const view = run(config, log);
    expect(view.state).toBe('pending');
    expect(view.timeline).toEqual([]);
  });

  it('keeps the first joinDate on a later activation', () => {
    const log = activeInJune()
      .add('dropped', '2026-06-10', {})
      .join('2026-09-01')
      .dues('2026-09')
      .pay('2026-09-03', 'INV-2026-09');
    const view = run(config, log);
    expect(view.state).toBe('active');
    expect(view.joinDate).toBe('2026-06-02');
  });
});

describe('active', () => {
  it('becomes pastDue with `pastDue` at the start of the day after paidThrough', () => {
    const view = run(config, activeInJune(), '2026-07-01T00:00:00Z');
    expect(view.state).toBe('pastDue');
    expect(view.timeline.at(-1)).toMatchObject({
      at: '2026-07-01T00:00:00.000Z',
      cause: 'timer:expired',
      change: 'pastDue',
      from: 'active',
      to: 'pastDue',
    });
  });

  it('is still active at the last moment of the paid-through day', () => {
    const view = run(config, activeInJune(), '2026-06-30T23:59:59.999Z');
    expect(view.state).toBe('active');
  });

  it('records `renewed` and stays active when a payment moves paidThrough later', () => {
    const log = activeInJune()
      .invoice('2026-06-20', 'INV-07', 50, { from: '2026-07-01', through: '2026-07-31' })
      .pay('2026-06-25', 'INV-07');
    const view = run(config, log);
    expect(changes(view)).toEqual(['2026-06-02 activated pending->active', '2026-06-25 renewed active->active']);
    expect(view.paidThrough).toBe('2026-07-31');
  });

  it('can be suspended by staff', () => {
    const view = run(config, activeInJune().add('suspended', '2026-06-10', { reason: 'conduct', by: 'staff' }));
    expect(view.state).toBe('suspended');
    expect(view.timeline.at(-1)).toMatchObject({
      cause: 'suspended',
      change: 'suspended',
      from: 'active',
      to: 'suspended',
    });
  });
});

describe('pastDue', () => {
  it('returns to active with `renewed` when a payment moves paidThrough to today or later', () => {
    const view = run(config, activeInJune().dues('2026-07').pay('2026-07-05', 'INV-2026-07'));
    expect(changes(view).slice(1)).toEqual([
      '2026-07-01 pastDue active->pastDue',
      '2026-07-05 renewed pastDue->active',
    ]);
  });

  it('stays pastDue, with no change, when a payment moves paidThrough later but not to today', () => {
    const log = activeInJune().dues('2026-07').dues('2026-08').pay('2026-08-10', 'INV-2026-07');
    const view = run(association({ gracePeriod: 'P60D' }), log);
    expect(view.state).toBe('pastDue');
    expect(view.paidThrough).toBe('2026-07-31');
    expect(changes(view).at(-1)).toBe('2026-07-01 pastDue active->pastDue');
  });

  it('is suspended with `suspended` at the start of the day after paidThrough + gracePeriod when afterGrace is suspended', () => {
    const view = run(config, activeInJune().dues('2026-07'), '2026-07-21T00:00:00Z');
    expect(view.state).toBe('suspended');
    expect(view.timeline.at(-1)).toMatchObject({
      at: '2026-07-21T00:00:00.000Z',
      cause: 'timer:graceEnded',
      change: 'suspended',
      from: 'pastDue',
      to: 'suspended',
    });
  });

  it('is still pastDue on the last day of grace', () => {
    const view = run(config, activeInJune().dues('2026-07'), '2026-07-20T23:59:59Z');
    expect(view.state).toBe('pastDue');
  });

  it('is terminated with `dropped` when the grace period ends and afterGrace is terminated', () => {
    const view = run(association({ afterGrace: 'terminated' }), activeInJune().dues('2026-07'), '2026-08-01');
    expect(view.state).toBe('terminated');
    expect(view.terminateDate).toBe('2026-07-21');
    expect(view.timeline.at(-1)).toMatchObject({
      cause: 'timer:graceEnded',
      change: 'dropped',
      from: 'pastDue',
      to: 'terminated',
    });
  });

  it('can be suspended by staff', () => {
    const view = run(config, activeInJune().add('suspended', '2026-07-03', {}));
    expect(view.timeline.at(-1)).toMatchObject({ change: 'suspended', from: 'pastDue', to: 'suspended' });
  });
});

describe('suspended', () => {
  /** Suspended for nonpayment at the start of July 21, July unpaid. */
  const suspendedMember = () => activeInJune().dues('2026-07');

  it('is reactivated into active by a payment that brings paidThrough to today, when eligible', () => {
    const view = run(config, suspendedMember().pay('2026-07-25', 'INV-2026-07'));
    expect(view.timeline.at(-1)).toMatchObject({
      cause: 'paymentPosted',
      change: 'reactivated',
      from: 'suspended',
      to: 'active',
    });
  });

  it('is reactivated into pastDue by a payment when paidThrough stays before today (the worked example)', () => {
    const log = suspendedMember().dues('2026-08').pay('2026-08-07', 'INV-2026-07');
    const view = run(association({ daysOverdueToAllowReactivation: 20 }), log);
    expect(view.timeline.at(-1)).toMatchObject({ change: 'reactivated', from: 'suspended', to: 'pastDue' });
  });

  it('is not reactivated by a payment when staff suspended it for another reason than nonpayment', () => {
    const log = activeInJune()
      .add('suspended', '2026-06-10', { reason: 'conduct' })
      .add('invoiceIssued', '2026-06-12', { invoiceId: 'X', amount: 5 })
      .pay('2026-06-15', 'X', 5);
    const view = run(config, log);
    expect(view.state).toBe('suspended');
  });

  it('is reactivated by a payment after a staff suspension whose reason is left at its default, nonpayment', () => {
    const log = activeInJune()
      .add('suspended', '2026-06-10', {})
      .add('invoiceIssued', '2026-06-12', { invoiceId: 'X', amount: 5 })
      .pay('2026-06-15', 'X', 5);
    expect(run(config, log).state).toBe('active');
  });

  it('is not reactivated while another open invoice is overdue daysOverdueToAllowReactivation days or more', () => {
    const log = activeInJune().dues('2026-07').dues('2026-08').dues('2026-09').pay('2026-09-25', 'INV-2026-07');
    const strict = run(association({ gracePeriod: 'P60D', daysOverdueToAllowReactivation: 20 }), log);
    expect(strict.state).toBe('suspended');
    const lenient = run(association({ gracePeriod: 'P60D', daysOverdueToAllowReactivation: 60 }), log);
    expect(lenient.timeline.at(-1)).toMatchObject({ change: 'reactivated', to: 'pastDue' });
  });

  it('is not reactivated when paidThrough + gracePeriod is before the payment date', () => {
    const view = run(config, suspendedMember().pay('2026-08-25', 'INV-2026-07'));
    expect(view.state).toBe('suspended');
    expect(view.paidThrough).toBe('2026-07-31');
  });

  it('is reactivated by staff into active when paidThrough is today or later', () => {
    const view = run(
      config,
      activeInJune()
        .add('suspended', '2026-06-10', { reason: 'conduct' })
        .add('reactivated', '2026-06-20', { by: 'staff' }),
    );
    expect(view.timeline.at(-1)).toMatchObject({
      cause: 'reactivated',
      change: 'reactivated',
      from: 'suspended',
      to: 'active',
    });
  });

  it('is reactivated by staff into pastDue with the grace period counted afresh from today', () => {
    const log = suspendedMember().add('reactivated', '2026-07-25', {});
    expect(run(config, log, '2026-08-14T23:59:59Z').state).toBe('pastDue');
    const view = run(config, log, '2026-08-15T00:00:00Z');
    expect(view.timeline.at(-1)).toMatchObject({
      at: '2026-08-15T00:00:00.000Z',
      cause: 'timer:graceEnded',
      change: 'suspended',
    });
  });

  it('is terminated with `dropped` at the start of the day suspendedOn + dropAfterSuspendedDays', () => {
    const withDrop = association({ dropAfterSuspendedDays: 60 });
    expect(run(withDrop, suspendedMember(), '2026-09-18T23:59:59Z').state).toBe('suspended');
    const view = run(withDrop, suspendedMember(), '2026-09-19T00:00:00Z');
    expect(view.timeline.at(-1)).toMatchObject({
      at: '2026-09-19T00:00:00.000Z',
      cause: 'timer:dropAfterSuspension',
      change: 'dropped',
      from: 'suspended',
      to: 'terminated',
    });
    expect(view.terminateDate).toBe('2026-09-19');
  });

  it('is never dropped automatically when dropAfterSuspendedDays is absent', () => {
    expect(run(config, suspendedMember(), '2030-01-01').state).toBe('suspended');
  });
});

describe('staff drop', () => {
  // Each member is in the named state on the drop date.
  const cases = {
    pending: [() => new EventLog().join('2026-06-01'), '2026-06-20'],
    active: [activeInJune, '2026-06-20'],
    pastDue: [() => activeInJune().dues('2026-07'), '2026-07-10'],
    suspended: [() => activeInJune().add('suspended', '2026-06-10', {}), '2026-06-20'],
  } as const;

  for (const [from, [build, on]] of Object.entries(cases)) {
    it(`terminates a ${from} member with \`dropped\``, () => {
      const view = run(config, build().add('dropped', on, { reason: 'resigned' }));
      expect(view.state).toBe('terminated');
      expect(view.terminateDate).toBe(on);
      expect(view.timeline.at(-1)).toMatchObject({ cause: 'dropped', change: 'dropped', from, to: 'terminated' });
    });
  }
});

describe('terminated', () => {
  it('returns to pending on `joined`, paidThrough cleared, joinDate and memberStatus kept, no change recorded', () => {
    const dropped = activeInJune().add('dropped', '2026-06-10', {});
    const before = run(config, dropped);
    const view = run(config, dropped.join('2026-09-01', 'AFFILIATE', 'secondary'));
    expect(view).toMatchObject({
      state: 'pending',
      paidThrough: null,
      joinDate: '2026-06-02',
      memberStatus: 'Dropped',
      membershipType: 'AFFILIATE',
      role: 'secondary',
    });
    expect(view.timeline).toEqual(before.timeline);
  });

  it('does not count dues paid before the rejoin toward the new paidThrough', () => {
    const log = activeInJune().add('dropped', '2026-06-10', {}).join('2026-06-15');
    expect(run(config, log, '2026-06-20').paidThrough).toBeNull();
  });
});

describe('order in time', () => {
  it('fires a timer due at the very moment of an event before the event', () => {
    // Expiry at 2026-07-01T00:00Z, payment at that same instant: pastDue first, then renewed.
    const view = run(config, activeInJune().dues('2026-07').pay('2026-07-01T00:00:00Z', 'INV-2026-07'));
    expect(changes(view).slice(1)).toEqual([
      '2026-07-01 pastDue active->pastDue',
      '2026-07-01 renewed pastDue->active',
    ]);
  });

  it('fires a timer that is already past when an event creates it at once, at that event, through every state in turn', () => {
    const log = new EventLog().add('imported', '2026-09-10', {
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: '2026-06-30',
      memberStatus: 'Renewed',
    });
    const view = run(association({ dropAfterSuspendedDays: 0 }), log);
    expect(view.timeline.map((entry) => [entry.at, entry.cause, entry.from, entry.to])).toEqual([
      ['2026-09-10T12:00:00.000Z', 'timer:expired', 'active', 'pastDue'],
      ['2026-09-10T12:00:00.000Z', 'timer:graceEnded', 'pastDue', 'suspended'],
      ['2026-09-10T12:00:00.000Z', 'timer:dropAfterSuspension', 'suspended', 'terminated'],
    ]);
  });

  it('computes timers from the current ledger: a payment in pastDue moves the grace deadline', () => {
    // paidThrough 07-31 + P60D = 09-29: suspension at the start of 09-30.
    const member = membershipOf(
      association({ gracePeriod: 'P60D' }),
      activeInJune().dues('2026-07').dues('2026-08').pay('2026-08-10', 'INV-2026-07'),
    );
    expect(member.nextDeadline()).toEqual({ name: 'graceEnded', at: Date.parse('2026-09-30T00:00:00Z') });
  });

  it('has no expiry or grace timer while paidThrough is null', () => {
    const member = membershipOf(
      config,
      new EventLog().add('imported', '2026-06-01', { membershipType: 'REALTOR', state: 'active' }),
    );
    expect(member.nextDeadline()).toBeNull();
  });

  it('places deadlines at the start of the local day in the association time zone', () => {
    const chicago = association({}, { association: { id: 'TEST', timezone: 'America/Chicago' } });
    const view = run(chicago, activeInJune(), '2026-07-02');
    expect(view.timeline.at(-1)).toMatchObject({ at: '2026-07-01T05:00:00.000Z', change: 'pastDue' });
  });
});

describe('commands that do not fit the state', () => {
  const cases: [string, (log: EventLog) => EventLog, RegExp][] = [
    [
      'suspending a terminated member',
      (log) => log.add('dropped', '2026-06-10', {}).add('suspended', '2026-06-11', {}),
      /suspended does not fit a member who is terminated/,
    ],
    [
      'joined for a member who is not terminated',
      (log) => log.join('2026-06-11'),
      /joined does not fit a member who is active/,
    ],
    [
      'reactivating an active member',
      (log) => log.add('reactivated', '2026-06-11', {}),
      /only a suspended member can be reactivated/,
    ],
    [
      'suspending a pending member',
      () => new EventLog().join('2026-06-01').add('suspended', '2026-06-11', {}),
      /does not fit a member who is pending/,
    ],
    [
      'changing the type of a terminated member',
      (log) =>
        log
          .add('dropped', '2026-06-10', {})
          .add('membershipTypeChanged', '2026-06-11', { membershipType: 'AFFILIATE' }),
      /send joined/,
    ],
  ];

  for (const [name, build, reason] of cases) {
    it(`rejects ${name} with a reason and changes nothing`, () => {
      const log = build(activeInJune());
      const rejectedEvent = log.events.at(-1)!;
      const view = run(config, log);
      const without = run(config, log.events.slice(0, -1), rejectedEvent.at);
      expect(view.rejected).toEqual([{ id: rejectedEvent.id, reason: expect.stringMatching(reason) }]);
      expect({ ...view, rejected: [] }).toEqual({ ...without, rejected: [] });
    });
  }
});

describe('provider ids changed', () => {
  // Each member is in the named state on the day its ids change.
  const cases = {
    pending: [() => new EventLog().join('2026-06-01'), '2026-06-20'],
    active: [activeInJune, '2026-06-20'],
    pastDue: [() => activeInJune().dues('2026-07'), '2026-07-10'],
    suspended: [() => activeInJune().add('suspended', '2026-06-10', {}), '2026-06-20'],
    terminated: [() => activeInJune().add('dropped', '2026-06-10', {}), '2026-06-20'],
  } as const;

  for (const [state, [build, on]] of Object.entries(cases)) {
    it(`is taken from a ${state} member, and records no change: the member is as it was`, () => {
      const log = build();
      const before = run(config, log.events, `${on}T23:00:00Z`);
      const after = run(
        config,
        log.add('providerIdsChanged', on, { providerIds: { lockbox: 'CARD-2' } }),
        `${on}T23:00:00Z`,
      );
      expect(after.state).toBe(state);
      expect(after).toEqual(before);
    });
  }

  it('is refused before the first joined or imported, like any other event', () => {
    const member = Membership.create(config, 'A1');
    const event = lifecycleEventSchema.parse({
      id: 'ids',
      type: 'providerIdsChanged',
      memberId: 'A1',
      at: '2026-06-01T12:00:00Z',
      providerIds: { m1: '123456789' },
    });
    expect(member.apply(event)).toEqual({
      outcome: 'rejected',
      reason: 'member has no membership yet: the first event must be joined or imported, not providerIdsChanged',
    });
    expect(member.providerIds).toEqual({});
  });
});

describe('paymentReversed (spec v1.1: section 4a and its row of section 5)', () => {
  /** Joined June 1, June dues paid June 2 by payment P1: active, paid through June 30. */
  const paidJune = () => new EventLog().join('2026-06-01').dues('2026-06').pay('2026-06-02', 'INV-2026-06', 50, 'P1');

  it('puts an active member whose paidThrough moves back to null in pastDue, cause paymentReversed, naming the reversal', () => {
    const view = run(config, paidJune().reverse('2026-06-10', 'P1', { reason: 'chargeback' }, 'R1'));
    expect(view).toMatchObject({ state: 'pastDue', paidThrough: null, joinDate: '2026-06-02' });
    expect(view.timeline.at(-1)).toEqual({
      at: '2026-06-10T12:00:00.000Z',
      cause: 'paymentReversed',
      change: 'pastDue',
      from: 'active',
      to: 'pastDue',
      memberStatus: 'New',
      commands: [],
      reversal: { eventId: 'R1', paymentId: 'P1', amount: 50, reason: 'chargeback' },
    });
  });

  it('never reverses the change the money made: activated stays on the timeline and memberStatus stays New', () => {
    const view = run(config, paidJune().reverse('2026-06-10', 'P1', {}, 'R1'));
    expect(changes(view)).toEqual(['2026-06-02 activated pending->active', '2026-06-10 pastDue active->pastDue']);
    expect(view.memberStatus).toBe('New');
    expect(view.memberStatusDate).toBe('2026-06-02');
    expect(view.timeline.at(-1)!.reversal).toEqual({ eventId: 'R1', paymentId: 'P1', amount: 50 });
  });

  it('counts the grace period afresh from the day of the reversal: the grace timer falls at the start of the day after today + gracePeriod', () => {
    const log = paidJune().reverse('2026-06-10', 'P1');
    // 06-10 + P20D = 06-30: suspended at the start of 07-01.
    expect(membershipOf(config, log).nextDeadline()).toEqual({
      name: 'graceEnded',
      at: Date.parse('2026-07-01T00:00:00Z'),
    });
    expect(run(config, log, '2026-06-30T23:59:59Z').state).toBe('pastDue');
    expect(run(config, log, '2026-07-01T00:00:00Z').timeline.at(-1)).toMatchObject({
      at: '2026-07-01T00:00:00.000Z',
      cause: 'timer:graceEnded',
      change: 'suspended',
      from: 'pastDue',
    });
  });

  it('moves an active member to pastDue when paidThrough moves back to a day before today', () => {
    const log = paidJune()
      .dues('2026-07')
      .pay('2026-07-01T06:00:00Z', 'INV-2026-07', 50, 'P2')
      .reverse('2026-07-05', 'P2', {}, 'R2');
    const view = run(config, log);
    expect(view.paidThrough).toBe('2026-06-30');
    expect(view.timeline.at(-1)).toMatchObject({ cause: 'paymentReversed', from: 'active', to: 'pastDue' });
    // Grace counts from the reversal day (07-05 + 20 = 07-25), not from paidThrough (06-30 + 20).
    expect(run(config, log, '2026-07-25T23:59:59Z').state).toBe('pastDue');
    expect(run(config, log, '2026-07-26T00:00:00Z').state).toBe('suspended');
  });

  it('leaves an active member active, with no change, when paidThrough stays today or later: only the expiry timer moves', () => {
    const log = paidJune()
      .invoice('2026-06-05', 'INV-07', 50, { from: '2026-07-01', through: '2026-07-31' })
      .pay('2026-06-06', 'INV-07', 50, 'P2')
      .reverse('2026-06-10', 'P2');
    const view = run(config, log);
    expect(view).toMatchObject({ state: 'active', paidThrough: '2026-06-30' });
    expect(changes(view)).toEqual(['2026-06-02 activated pending->active', '2026-06-06 renewed active->active']);
    expect(membershipOf(config, log).nextDeadline()).toEqual({
      name: 'expired',
      at: Date.parse('2026-07-01T00:00:00Z'),
    });
  });

  it('takes part of a payment: the invoice is settled again only if what remains reaches its share', () => {
    const half = association({ activationPercent: 50 });
    const first = paidJune().reverse('2026-06-10', 'P1', { amount: 20 }, 'R1');
    const stillSettled = run(half, first);
    expect(stillSettled).toMatchObject({ state: 'active', paidThrough: '2026-06-30' });
    expect(stillSettled.timeline).toHaveLength(1);
    // 30 left, then 10 more taken: 20 is under half of 50.
    const view = run(half, first.reverse('2026-06-11', 'P1', { amount: 10 }, 'R2'));
    expect(view).toMatchObject({ state: 'pastDue', paidThrough: null });
    expect(view.timeline.at(-1)!.reversal).toEqual({ eventId: 'R2', paymentId: 'P1', amount: 10 });
    // With the full share required, any part taken back unsettles it.
    expect(run(config, paidJune().reverse('2026-06-10', 'P1', { amount: 0.01 }))).toMatchObject({
      state: 'pastDue',
      paidThrough: null,
    });
  });

  it('in pastDue never brings the grace timer earlier than it stood before the reversal, and records no change', () => {
    // Past due from 07-01 (paid through 06-30): grace ends at the start of 07-21.
    const log = paidJune().dues('2026-07').reverse('2026-07-10', 'P1', {}, 'R1');
    const view = run(config, log);
    expect(view).toMatchObject({ state: 'pastDue', paidThrough: null });
    expect(changes(view).at(-1)).toBe('2026-07-01 pastDue active->pastDue');
    expect(membershipOf(config, log).nextDeadline()).toEqual({
      name: 'graceEnded',
      at: Date.parse('2026-07-21T00:00:00Z'),
    });
  });

  it('in pastDue, a later payment that brings paidThrough to today renews the member as usual', () => {
    const log = paidJune()
      .dues('2026-07')
      .reverse('2026-07-10', 'P1')
      .pay('2026-07-12', 'INV-2026-06', 50, 'P2')
      .pay('2026-07-12T13:00:00Z', 'INV-2026-07', 50, 'P3');
    const view = run(config, log);
    expect(view).toMatchObject({ state: 'active', paidThrough: '2026-07-31' });
    expect(view.timeline.at(-1)).toMatchObject({ cause: 'paymentPosted', change: 'renewed', to: 'active' });
  });

  const otherStates = {
    pending: () => new EventLog().join('2026-06-01').dues('2026-06').pay('2026-06-02', 'INV-2026-06', 20, 'P1'),
    suspended: () => paidJune().add('suspended', '2026-06-05', { reason: 'conduct' }),
    terminated: () => paidJune().add('dropped', '2026-06-05', {}),
  } as const;
  for (const [state, build] of Object.entries(otherStates)) {
    it(`moves no state of a ${state} member, and records no change`, () => {
      const before = run(config, build().events, '2026-06-10T23:00:00Z');
      const view = run(config, build().reverse('2026-06-10', 'P1'), '2026-06-10T23:00:00Z');
      expect(view.state).toBe(state);
      expect(view.timeline).toEqual(before.timeline);
      expect(view.rejected).toEqual([]);
    });
  }

  const refused: [string, (log: EventLog) => EventLog, string][] = [
    [
      'a payment never posted',
      (log) => log.reverse('2026-06-10', 'P9'),
      'payment P9 has not been posted to this member',
    ],
    [
      'an amount larger than the payment',
      (log) => log.reverse('2026-06-10', 'P1', { amount: 60 }),
      'amount 60 is more than the 50 that remains of payment P1 after earlier reversals',
    ],
    [
      'an amount larger than what earlier reversals left',
      (log) => log.reverse('2026-06-09', 'P1', { amount: 30 }).reverse('2026-06-10', 'P1', { amount: 25 }),
      'amount 25 is more than the 20 that remains of payment P1 after earlier reversals',
    ],
    [
      'a payment already reversed in full',
      (log) => log.reverse('2026-06-09', 'P1').reverse('2026-06-10', 'P1'),
      'payment P1 has already been reversed in full',
    ],
  ];
  for (const [name, build, reason] of refused) {
    it(`rejects the reversal of ${name}, with a clear reason, and changes nothing`, () => {
      const log = build(paidJune());
      const rejectedEvent = log.events.at(-1)!;
      const view = run(config, log);
      const without = run(config, log.events.slice(0, -1), rejectedEvent.at);
      expect(view.rejected).toEqual([{ id: rejectedEvent.id, reason }]);
      expect({ ...view, rejected: [] }).toEqual({ ...without, rejected: [] });
    });
  }

  it('is refused before the first joined or imported, like any other event', () => {
    const member = Membership.create(config, 'A1');
    const event = new EventLog().reverse('2026-06-01', 'P1').events[0]!;
    expect(member.apply(event)).toEqual({
      outcome: 'rejected',
      reason: 'member has no membership yet: the first event must be joined or imported, not paymentReversed',
    });
  });

  it('applies a repeated reversal id once: the retry is ignored, not rejected', () => {
    const log = paidJune()
      .reverse('2026-06-10', 'P1', { amount: 10 }, 'R1')
      .reverse('2026-06-10T13:00:00Z', 'P1', { amount: 10 }, 'R1')
      .reverse('2026-06-11', 'P1', { amount: 40 }, 'R2');
    const view = run(config, log);
    // R1 took 10 once, so R2's 40 is exactly what remained.
    expect(view.rejected).toEqual([]);
    expect(view.timeline.filter((entry) => entry.cause === 'paymentReversed')).toHaveLength(1);
    const after = run(config, log.reverse('2026-06-12', 'P1', { amount: 1 }, 'R3'));
    expect(after.rejected).toEqual([{ id: 'R3', reason: 'payment P1 has already been reversed in full' }]);
  });

  it('is followed by a re-payment under a new paymentId: renewed back to active; the reversed paymentId stays used', () => {
    const log = paidJune()
      .reverse('2026-06-10', 'P1', { reason: 'returned' }, 'R1')
      .pay('2026-06-12', 'INV-2026-06', 50, 'P1')
      .pay('2026-06-13', 'INV-2026-06', 50, 'P2');
    const view = run(config, log);
    expect(view).toMatchObject({ state: 'active', paidThrough: '2026-06-30', memberStatus: 'Renewed' });
    expect(view.rejected).toEqual([{ id: log.events[4]!.id, reason: 'payment P1 was already posted' }]);
    expect(changes(view)).toEqual([
      '2026-06-02 activated pending->active',
      '2026-06-10 pastDue active->pastDue',
      '2026-06-13 renewed pastDue->active',
    ]);
  });

  it('recounts paidThrough without the reversed money: dues that counted only through the reopened gap wait again', () => {
    const log = paidJune()
      .invoice('2026-06-03', 'INV-07', 50, { from: '2026-07-01', through: '2026-07-31' })
      .invoice('2026-06-03', 'INV-08', 50, { from: '2026-08-01', through: '2026-08-31' })
      .pay('2026-06-04', 'INV-08', 50, 'P8')
      .pay('2026-06-05', 'INV-07', 50, 'P7');
    expect(run(config, log).paidThrough).toBe('2026-08-31');
    const reversed = log.reverse('2026-06-06', 'P7');
    const view = run(config, reversed);
    expect(view).toMatchObject({ state: 'active', paidThrough: '2026-06-30' });
    // Closing the gap again counts August too.
    expect(run(config, reversed.pay('2026-06-07', 'INV-07', 50, 'P7b')).paidThrough).toBe('2026-08-31');
  });

  it('counts from null after joined, where no gap can leave dues out: a later month paid keeps counting', () => {
    // Spec 4: with paidThrough null any settled dues invoice counts, so July alone covers through 07-31.
    const log = paidJune()
      .invoice('2026-06-03', 'INV-07', 50, { from: '2026-07-01', through: '2026-07-31' })
      .pay('2026-06-04', 'INV-07', 50, 'P7')
      .reverse('2026-06-06', 'P1');
    const view = run(config, log);
    expect(view).toMatchObject({ state: 'active', paidThrough: '2026-07-31' });
    expect(view.timeline).toHaveLength(2);
  });

  it('counts from the imported paidThrough', () => {
    const log = new EventLog()
      .add('imported', '2026-06-01', { membershipType: 'REALTOR', state: 'active', paidThrough: '2026-06-30' })
      .invoice('2026-06-02', 'INV-07', 50, { from: '2026-07-01', through: '2026-07-31' })
      .pay('2026-06-03', 'INV-07', 50, 'P7')
      .reverse('2026-06-04', 'P7');
    expect(run(config, log)).toMatchObject({ state: 'active', paidThrough: '2026-06-30' });
  });

  it('takes from a payment still waiting for its invoice, which then gets only what remains', () => {
    const log = paidJune()
      .pay('2026-06-03', 'INV-07', 50, 'P7')
      .reverse('2026-06-04', 'P7', { amount: 30 })
      .invoice('2026-06-05', 'INV-07', 50, { from: '2026-07-01', through: '2026-07-31' });
    expect(run(config, log).paidThrough).toBe('2026-06-30');
    expect(run(config, log.pay('2026-06-06', 'INV-07', 30, 'P7b')).paidThrough).toBe('2026-07-31');
  });

  it('reopens a settled non-dues invoice: open and overdue again, it can keep a suspended member from reactivating', () => {
    const strict = association({ daysOverdueToAllowReactivation: 1 });
    const log = paidJune()
      .add('invoiceIssued', '2026-06-03', { invoiceId: 'FINE', amount: 10, dueDate: '2026-06-03' })
      .pay('2026-06-03', 'FINE', 10, 'PF')
      .dues('2026-07')
      .reverse('2026-07-02', 'PF')
      .pay('2026-07-25', 'INV-2026-07', 50, 'P7');
    // Suspended at the start of 07-21; July paid on 07-25, but the fine is overdue again.
    const view = run(strict, log);
    expect(view).toMatchObject({ state: 'suspended', paidThrough: '2026-07-31' });
  });
});
