// iMIS member status, member flag, contact status and terminate date (spec section 6).
import { describe, expect, it } from 'vitest';
import { statusAfterChange } from '../machines/member-status.js';
import { activeInJune, association, EventLog, run } from './helpers.js';

const config = association();

describe('memberStatus', () => {
  it('is null until the first activation', () => {
    expect(run(config, new EventLog().join('2026-06-01')).memberStatus).toBeNull();
  });

  it('is New on a first activation under a member type, dated that day', () => {
    expect(run(config, activeInJune())).toMatchObject({ memberStatus: 'New', memberStatusDate: '2026-06-02' });
  });

  it('stays null on activation under a non-member type', () => {
    const log = new EventLog().join('2026-06-01', 'AFFILIATE').dues('2026-06').pay('2026-06-02', 'INV-2026-06');
    expect(run(config, log)).toMatchObject({ state: 'active', memberStatus: null, memberFlag: false });
  });

  it('becomes Renewed from New on a renewal', () => {
    const view = run(config, activeInJune().dues('2026-07').pay('2026-07-02', 'INV-2026-07'));
    expect(view).toMatchObject({ memberStatus: 'Renewed', memberStatusDate: '2026-07-02' });
  });

  it('keeps any other value on a renewal', () => {
    expect(statusAfterChange({ memberStatus: 'Reinstated', everDropped: true }, 'renewed', true)).toBe('Reinstated');
    expect(statusAfterChange({ memberStatus: 'Renewed', everDropped: false }, 'renewed', true)).toBe('Renewed');
  });

  it('becomes Dropped on suspension, and on drop', () => {
    expect(run(config, activeInJune().add('suspended', '2026-06-10', {}))).toMatchObject({
      memberStatus: 'Dropped',
      memberStatusDate: '2026-06-10',
    });
    expect(run(config, activeInJune().add('dropped', '2026-06-11', {}))).toMatchObject({
      memberStatus: 'Dropped',
      memberStatusDate: '2026-06-11',
    });
  });

  it('keeps its date when a drop follows a suspension (the value did not change)', () => {
    const view = run(config, activeInJune().add('suspended', '2026-06-10', {}).add('dropped', '2026-06-20', {}));
    expect(view).toMatchObject({
      memberStatus: 'Dropped',
      memberStatusDate: '2026-06-10',
      terminateDate: '2026-06-20',
    });
  });

  it('becomes Reinstated on reactivation', () => {
    const view = run(config, activeInJune().add('suspended', '2026-06-10', {}).add('reactivated', '2026-06-12', {}));
    expect(view).toMatchObject({ memberStatus: 'Reinstated', memberStatusDate: '2026-06-12' });
  });

  it('is Reinstated, not New, when a member who was ever Dropped is activated again after a rejoin', () => {
    const log = activeInJune()
      .add('dropped', '2026-06-10', {})
      .join('2026-09-01')
      .dues('2026-09')
      .pay('2026-09-02', 'INV-2026-09');
    expect(run(config, log)).toMatchObject({ memberStatus: 'Reinstated', memberStatusDate: '2026-09-02' });
  });

  it('becomes Dropped when the type changes from a member type to a non-member type', () => {
    const view = run(
      config,
      activeInJune().add('membershipTypeChanged', '2026-06-10', { membershipType: 'AFFILIATE' }),
    );
    expect(view).toMatchObject({
      memberStatus: 'Dropped',
      memberStatusDate: '2026-06-10',
      memberFlag: false,
      state: 'active',
    });
  });

  it('becomes Reinstated when the type changes back to a member type while active, having been Dropped', () => {
    const log = activeInJune()
      .add('membershipTypeChanged', '2026-06-10', { membershipType: 'AFFILIATE' })
      .add('membershipTypeChanged', '2026-06-12', { membershipType: 'REALTOR' });
    expect(run(config, log)).toMatchObject({
      memberStatus: 'Reinstated',
      memberStatusDate: '2026-06-12',
      memberFlag: true,
    });
  });

  it('becomes New when a never-dropped non-member changes to a member type while past due', () => {
    const log = new EventLog()
      .join('2026-06-01', 'AFFILIATE')
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06')
      .add('membershipTypeChanged', '2026-07-05', { membershipType: 'REALTOR' });
    expect(run(config, log)).toMatchObject({ state: 'pastDue', memberStatus: 'New', memberStatusDate: '2026-07-05' });
  });

  it('does not change when the type changes to a member type while pending', () => {
    const log = new EventLog()
      .join('2026-06-01', 'AFFILIATE')
      .add('membershipTypeChanged', '2026-06-05', { membershipType: 'REALTOR' });
    expect(run(config, log).memberStatus).toBeNull();
  });

  it('takes an imported value, dated the import, and never returns to null', () => {
    const log = new EventLog().add('imported', '2026-06-01', {
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: '2026-12-31',
      memberStatus: 'Renewed',
    });
    expect(run(config, log)).toMatchObject({ memberStatus: 'Renewed', memberStatusDate: '2026-06-01' });
    const rejoined = run(config, log.add('dropped', '2026-06-05', {}).join('2026-06-10'));
    expect(rejoined.memberStatus).toBe('Dropped');
  });

  it('is Reinstated when a member imported suspended without a status is reactivated by staff (spec v1.1)', () => {
    const log = new EventLog()
      .add('imported', '2026-06-01', { membershipType: 'REALTOR', state: 'suspended', paidThrough: '2026-06-30' })
      .add('reactivated', '2026-06-05', {});
    expect(run(config, log)).toMatchObject({
      state: 'active',
      memberStatus: 'Reinstated',
      memberStatusDate: '2026-06-05',
    });
  });

  it('is Reinstated when a member imported suspended without a status is reactivated by a payment', () => {
    const log = new EventLog()
      .add('imported', '2026-06-01', { membershipType: 'REALTOR', state: 'suspended', paidThrough: '2026-05-31' })
      .dues('2026-06')
      .pay('2026-06-03', 'INV-2026-06');
    expect(run(config, log)).toMatchObject({
      state: 'active',
      memberStatus: 'Reinstated',
      memberStatusDate: '2026-06-03',
    });
  });

  it('stays null when a member imported without a status is suspended or dropped', () => {
    const imported = () =>
      new EventLog().add('imported', '2026-06-01', {
        membershipType: 'REALTOR',
        state: 'active',
        paidThrough: '2026-06-30',
      });
    expect(run(config, imported().add('suspended', '2026-06-05', {})).memberStatus).toBeNull();
    expect(run(config, imported().add('dropped', '2026-06-05', {})).memberStatus).toBeNull();
  });

  it('counts an imported Dropped status as ever Dropped', () => {
    const log = new EventLog()
      .add('imported', '2026-06-01', { membershipType: 'REALTOR', state: 'pending', memberStatus: 'Dropped' })
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06');
    expect(run(config, log).memberStatus).toBe('Reinstated');
  });
});

describe('memberFlag and contactStatus', () => {
  const cases = [
    ['pending', () => new EventLog().join('2026-06-01'), false, null],
    ['active', activeInJune, true, 'A'],
    ['pastDue', () => activeInJune().dues('2026-07'), true, 'A'],
    ['suspended', () => activeInJune().add('suspended', '2026-06-10', {}), true, 'S'],
    ['terminated', () => activeInJune().add('dropped', '2026-06-10', {}), false, 'I'],
  ] as const;

  for (const [state, build, flag, contact] of cases) {
    it(`are ${String(flag)} and ${String(contact)} for a ${state} member of a member type`, () => {
      const view = run(config, build());
      expect(view).toMatchObject({ state, memberFlag: flag, contactStatus: contact });
    });
  }

  it('memberFlag is false for a non-member type even when active', () => {
    const log = new EventLog().join('2026-06-01', 'AFFILIATE').dues('2026-06').pay('2026-06-02', 'INV-2026-06');
    expect(run(config, log)).toMatchObject({ memberFlag: false, contactStatus: 'A' });
  });
});

describe('imported members', () => {
  it('start in the given state with no change recorded and no provider commands', () => {
    const log = new EventLog().add('imported', '2026-06-01', {
      membershipType: 'REALTOR',
      state: 'suspended',
      paidThrough: '2026-05-31',
      joinDate: '2019-04-01',
      memberStatus: 'Dropped',
    });
    const view = run(config, log);
    expect(view).toMatchObject({
      state: 'suspended',
      joinDate: '2019-04-01',
      paidThrough: '2026-05-31',
      timeline: [],
      providers: { m1: null, mls: null, lockbox: null },
    });
  });

  it('count as suspended for nonpayment on the import date, so a payment can reactivate them', () => {
    const log = new EventLog()
      .add('imported', '2026-06-01', { membershipType: 'REALTOR', state: 'suspended', paidThrough: '2026-05-31' })
      .dues('2026-06')
      .pay('2026-06-03', 'INV-2026-06');
    expect(run(config, log).timeline).toMatchObject([{ change: 'reactivated', from: 'suspended', to: 'active' }]);
  });
});
