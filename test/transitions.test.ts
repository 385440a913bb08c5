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
