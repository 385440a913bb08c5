// The choices docs/decisions.md records where the spec is silent, one test each.
import { describe, expect, it } from 'vitest';
import { parseEventsFile } from '../schemas/parse.js';
import { activeInJune, association, EventLog, run } from './helpers.js';

const config = association();

describe('decisions where the spec is silent', () => {
  it('refuses an event with an unknown field, naming it', () => {
    const line = JSON.stringify({
      id: 'e',
      type: 'invoiceIssued',
      memberId: 'A',
      at: '2026-06-01T00:00:00Z',
      invoiceId: 'I',
      amount: 5,
      dueDat: '2026-06-10',
    });
    const parsed = parseEventsFile('ev.jsonl', line);
    expect(parsed.ok ? [] : parsed.errors).toEqual([
      { file: 'ev.jsonl', line: 1, message: 'Unrecognized key: "dueDat"' },
    ]);
  });

  it('takes the id of a refused command, so re-sending it does not list it twice', () => {
    const log = activeInJune().add('reactivated', '2026-06-05', {}, 'R1').add('reactivated', '2026-06-06', {}, 'R1');
    expect(run(config, log).rejected).toHaveLength(1);
  });

  it('refuses imported for a member who already exists', () => {
    const log = activeInJune().add('imported', '2026-06-05', { membershipType: 'REALTOR', state: 'active' });
    expect(run(config, log).rejected[0]?.reason).toMatch(/imported does not fit a member who is active/);
  });

  it('takes new provider ids for a terminated member, recording no change', () => {
    const dropped = activeInJune().add('dropped', '2026-06-05', {});
    const before = run(config, dropped.events, '2026-06-06T23:00:00Z');
    const log = dropped.add('providerIdsChanged', '2026-06-06', { providerIds: { lockbox: 'CARD-2' } });
    expect(run(config, log, '2026-06-06T23:00:00Z')).toEqual(before);
  });

  it('refuses a role change for a terminated member', () => {
    const log = activeInJune().add('dropped', '2026-06-05', {}).add('roleChanged', '2026-06-06', { role: 'secondary' });
    expect(run(config, log)).toMatchObject({
      role: 'primary',
      rejected: [{ reason: expect.stringMatching(/send joined/) }],
    });
  });

  it('records no timeline change and sends no commands on a type or role change', () => {
    const before = run(config, activeInJune());
    const after = run(
      config,
      activeInJune()
        .add('roleChanged', '2026-06-05', { role: 'secondary' })
        .add('membershipTypeChanged', '2026-06-06', { membershipType: 'AFFILIATE' }),
    );
    expect(after.timeline).toEqual(before.timeline);
  });

  it('refuses voiding an invoice twice', () => {
    const log = activeInJune()
      .add('invoiceIssued', '2026-06-03', { invoiceId: 'F', amount: 5 })
      .add('invoiceVoided', '2026-06-04', { invoiceId: 'F' })
      .add('invoiceVoided', '2026-06-05', { invoiceId: 'F' });
    expect(run(config, log).rejected.map((r) => r.reason)).toEqual(['invoice F is already voided']);
  });

  it('accepts a further payment on a settled invoice, which changes nothing but can reactivate', () => {
    const suspended = activeInJune().add('suspended', '2026-06-10', {});
    const view = run(config, suspended.pay('2026-06-12', 'INV-2026-06', 5));
    expect(view).toMatchObject({ rejected: [], paidThrough: '2026-06-30', state: 'active' });
    expect(view.timeline.at(-1)).toMatchObject({ change: 'reactivated', cause: 'paymentPosted' });
  });

  it('reactivates a suspended member on a payment that waited for its invoice only once the invoice is issued', () => {
    // Suspended at the start of July 21 for June's dues; July's invoice was voided, so nothing is overdue.
    const suspended = activeInJune().dues('2026-07').add('invoiceVoided', '2026-07-02', { invoiceId: 'INV-2026-07' });
    const waiting = suspended.pay('2026-07-25', 'JUL-2');
    expect(run(config, waiting)).toMatchObject({ state: 'suspended', paidThrough: '2026-06-30', rejected: [] });
    const issued = waiting.invoice('2026-07-26', 'JUL-2', 50, { from: '2026-07-01', through: '2026-07-31' });
    const view = run(config, issued);
    expect(view).toMatchObject({ state: 'active', paidThrough: '2026-07-31' });
    expect(view.timeline.at(-1)).toMatchObject({ change: 'reactivated', cause: 'invoiceIssued' });
  });

  it('never reactivates on a payment while paid-through is null', () => {
    const log = new EventLog()
      .add('imported', '2026-06-01', { membershipType: 'REALTOR', state: 'suspended' })
      .add('invoiceIssued', '2026-06-02', { invoiceId: 'FEE', amount: 5 })
      .pay('2026-06-03', 'FEE', 5);
    expect(run(config, log)).toMatchObject({ state: 'suspended', paidThrough: null, rejected: [] });
  });

  it('applies billing events to a terminated member’s ledger without moving its state', () => {
    const log = activeInJune().add('dropped', '2026-06-10', {}).dues('2026-07').pay('2026-07-02', 'INV-2026-07');
    expect(run(config, log)).toMatchObject({ state: 'terminated', paidThrough: '2026-07-31', rejected: [] });
  });

  it('keeps an invoice settled when the type changes to one with a higher activation share', () => {
    const shares = association(
      {},
      {
        membershipTypes: [
          { code: 'HALF', activationPercent: 50, gracePeriod: 'P20D' },
          { code: 'FULL', activationPercent: 100, gracePeriod: 'P20D' },
        ],
      },
    );
    const log = new EventLog()
      .join('2026-06-01', 'HALF')
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06', 25)
      .add('membershipTypeChanged', '2026-06-05', { membershipType: 'FULL' });
    expect(run(shares, log)).toMatchObject({ state: 'active', paidThrough: '2026-06-30', membershipType: 'FULL' });
  });

  it('never shortens a grace period staff restarted when a later partial payment moves paid-through', () => {
    // Suspended July 21 (paid through June 30); staff reactivate July 25: grace until the start of
    // August 15. A payment covering July 1-20 moves paid-through to July 20, whose own grace would
    // end at the start of August 10: the restarted grace still holds.
    const log = activeInJune()
      .invoice('2026-07-01', 'JUL-A', 30, { from: '2026-07-01', through: '2026-07-20' })
      .add('reactivated', '2026-07-25', {})
      .pay('2026-08-05', 'JUL-A', 30);
    expect(run(config, log, '2026-08-14T23:59:59Z')).toMatchObject({ state: 'pastDue', paidThrough: '2026-07-20' });
    expect(run(config, log, '2026-08-15T00:00:00Z').state).toBe('suspended');
  });

  it('keeps a null member status when a member who never had one is dropped', () => {
    expect(run(config, new EventLog().join('2026-06-01').add('dropped', '2026-06-05', {})).memberStatus).toBeNull();
  });

  it('keeps the status on reactivation under a non-member type', () => {
    const log = new EventLog()
      .join('2026-06-01', 'AFFILIATE')
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06')
      .add('suspended', '2026-06-05', {})
      .add('reactivated', '2026-06-06', {});
    expect(run(config, log)).toMatchObject({ state: 'active', memberStatus: null });
  });

  it('gives an imported terminated member no terminateDate', () => {
    const view = run(
      config,
      new EventLog().add('imported', '2026-06-01', {
        membershipType: 'REALTOR',
        state: 'terminated',
        memberStatus: 'Dropped',
      }),
    );
    expect(view).toMatchObject({ state: 'terminated', terminateDate: null, contactStatus: 'I' });
  });
});

describe('decisions on reversals (spec v1.1, 4a)', () => {
  const paidJune = () => new EventLog().join('2026-06-01').dues('2026-06').pay('2026-06-02', 'INV-2026-06', 50, 'P1');

  it('refuses the reversal of a payment already reversed in full', () => {
    const log = paidJune().reverse('2026-06-09', 'P1').reverse('2026-06-10', 'P1', {}, 'R2');
    expect(run(config, log).rejected).toEqual([{ id: 'R2', reason: 'payment P1 has already been reversed in full' }]);
  });

  it('keeps a reversed paymentId used, and records paying again as a renewal', () => {
    const log = paidJune()
      .reverse('2026-06-09', 'P1')
      .pay('2026-06-10', 'INV-2026-06', 50, 'P1')
      .pay('2026-06-11', 'INV-2026-06', 50, 'P2');
    const view = run(config, log);
    expect(view.rejected.map((r) => r.reason)).toEqual(['payment P1 was already posted']);
    expect(view.timeline.at(-1)).toMatchObject({ change: 'renewed', from: 'pastDue', memberStatus: 'Renewed' });
  });

  it('never reactivates a suspended member by a reversal, though a payment then would', () => {
    // Overpaid June, then suspended by staff (nonpayment) while eligible for reactivation by payment.
    const log = new EventLog()
      .join('2026-06-01')
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06', 60, 'P1')
      .add('suspended', '2026-06-05', {});
    const reversed = run(config, log.reverse('2026-06-06', 'P1', { amount: 10 }));
    expect(reversed).toMatchObject({ state: 'suspended', paidThrough: '2026-06-30' });
    expect(run(config, log.pay('2026-06-07', 'INV-2026-06', 1, 'P2')).state).toBe('active');
  });

  it('counts from null after a rejoin: a reversal of a payment from before it leaves its invoice open', () => {
    const rejoined = paidJune().add('dropped', '2026-06-05', {}).join('2026-06-10');
    const before = run(config, rejoined.events, '2026-06-12T23:00:00Z');
    const log = rejoined.reverse('2026-06-12', 'P1');
    const view = run(config, log, '2026-06-12T23:00:00Z');
    expect(view).toEqual(before);
    expect(view).toMatchObject({ state: 'pending', paidThrough: null });
    // Open again, June's invoice counts when paid again, as any open invoice from before a rejoin.
    expect(run(config, log.pay('2026-06-13', 'INV-2026-06', 50, 'P2'))).toMatchObject({
      state: 'active',
      paidThrough: '2026-06-30',
    });
  });
});
