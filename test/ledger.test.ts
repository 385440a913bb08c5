// The ledger rules (spec section 4), through the member they decide for, and the pure functions beneath.
import { describe, expect, it } from 'vitest';
import {
  MemberLedgerArchive,
  emptyLedger,
  issueInvoice,
  maxOverdueDays,
  overdueDays,
  postPayment,
  reversePayment,
  voidInvoice,
} from '../machines/ledger.js';
import type { Ledger, LedgerArchive, LedgerResult } from '../machines/ledger.js';
import { EventLog, association, changes, membershipOf, run } from './helpers.js';

const config = association();
const joined = () => new EventLog().join('2026-06-01');

/** Runs ledger operations in turn, archiving what each closes, as a membership does. */
function ledgerWith(...steps: ((ledger: Ledger, archive: LedgerArchive) => LedgerResult)[]): {
  ledger: Ledger;
  archive: MemberLedgerArchive;
} {
  const archive = new MemberLedgerArchive();
  const ledger = steps.reduce((current, step) => {
    const result = step(current, archive);
    if (!result.ok) throw new Error(result.reason);
    archive.record(result);
    return result.ledger;
  }, emptyLedger);
  return { ledger, archive };
}

describe('settlement', () => {
  it('settles an invoice when payments reach amount × activationPercent / 100', () => {
    const half = association({ activationPercent: 50 });
    expect(run(half, joined().dues('2026-06').pay('2026-06-02', 'INV-2026-06', 24.99)).state).toBe('pending');
    expect(run(half, joined().dues('2026-06').pay('2026-06-02', 'INV-2026-06', 25)).state).toBe('active');
  });

  it('adds partial payments together', () => {
    const log = joined().dues('2026-06').pay('2026-06-02', 'INV-2026-06', 20).pay('2026-06-03', 'INV-2026-06', 30);
    expect(run(config, log).timeline[0]).toMatchObject({ at: '2026-06-03T12:00:00.000Z', change: 'activated' });
  });

  it('is not fooled by float noise: 0.1 + 0.2 settles an invoice of 0.3', () => {
    const log = joined()
      .invoice('2026-06-01', 'I', 0.3, { from: '2026-06-01', through: '2026-06-30' })
      .pay('2026-06-02', 'I', 0.1)
      .pay('2026-06-02', 'I', 0.2);
    expect(run(config, log).state).toBe('active');
  });

  it('settles a dues invoice under a new type with a lower activation share, activating a pending member', () => {
    const config = association(
      {},
      {
        membershipTypes: [
          { code: 'REALTOR', activationPercent: 100 },
          { code: 'INSTALLMENT', activationPercent: 25 },
        ],
      },
    );
    const log = joined()
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06', 20)
      .add('membershipTypeChanged', '2026-06-05', { membershipType: 'INSTALLMENT' });
    const view = run(config, log);
    expect(view.timeline[0]).toMatchObject({ cause: 'membershipTypeChanged', change: 'activated' });
    expect(view.paidThrough).toBe('2026-06-30');
  });
});

describe('voided invoices', () => {
  it('are never settled', () => {
    const log = joined()
      .dues('2026-06')
      .add('invoiceVoided', '2026-06-02', { invoiceId: 'INV-2026-06' })
      .pay('2026-06-03', 'INV-2026-06');
    const view = run(config, log);
    expect(view.state).toBe('pending');
    expect(view.rejected).toEqual([
      { id: log.events.at(-1)!.id, reason: 'invoice INV-2026-06 is voided; a payment cannot be applied to it' },
    ]);
  });

  it('are never overdue', () => {
    const { ledger, archive } = ledgerWith(
      (l, a) => issueInvoice(l, a, { invoiceId: 'A', amount: 10, dueDate: '2026-06-01' }, 100),
      (l, a) => voidInvoice(l, a, 'A'),
    );
    expect(archive.closedInvoice('A')).toBe('voided');
    expect(maxOverdueDays(ledger, '2026-07-01')).toBe(0);
  });

  it('change nothing when the invoice was already settled', () => {
    const paid = joined().dues('2026-06').pay('2026-06-02', 'INV-2026-06');
    const voided = joined()
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06')
      .add('invoiceVoided', '2026-06-03', { invoiceId: 'INV-2026-06' });
    const until = '2026-06-10';
    expect({ ...run(config, voided, until), rejected: [] }).toEqual(run(config, paid, until));
  });
});

describe('overdue days', () => {
  const { ledger, archive } = ledgerWith((l, a) =>
    issueInvoice(l, a, { invoiceId: 'A', amount: 10, dueDate: '2026-08-01' }, 100),
  );

  it('are whole days from the due date: due today is 0', () => {
    expect(overdueDays(ledger.invoices.A!, '2026-08-01')).toBe(0);
    expect(overdueDays(ledger.invoices.A!, '2026-08-07')).toBe(6);
  });

  it('count only unsettled invoices', () => {
    const partly = postPayment(ledger, archive, { paymentId: 'P', invoiceId: 'A', amount: 4 }, 100);
    expect(partly.ok && maxOverdueDays(partly.ledger, '2026-08-07')).toBe(6);
    const settled = postPayment(ledger, archive, { paymentId: 'P', invoiceId: 'A', amount: 10 }, 100);
    expect(settled.ok && maxOverdueDays(settled.ledger, '2026-08-07')).toBe(0);
  });

  it('default the due date to the date of the invoice event, in the association time zone', () => {
    const chicago = association({}, { association: { id: 'T', timezone: 'America/Chicago' } });
    // 03:00Z on Aug 1 is still July 31 in Chicago: due on receipt means due July 31.
    const log = joined().add('invoiceIssued', '2026-08-01T03:00:00Z', { invoiceId: 'FEE', amount: 5 });
    expect(membershipOf(chicago, log).snapshot().ledger.invoices.FEE?.dueDate).toBe('2026-07-31');
  });
});

describe('paidThrough', () => {
  it('becomes the later of itself and coversThrough when a settled dues invoice leaves no gap', () => {
    const log = joined()
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06')
      .dues('2026-07')
      .pay('2026-07-02', 'INV-2026-07');
    expect(run(config, log).paidThrough).toBe('2026-07-31');
  });

  it('does not move back for an older invoice paid late', () => {
    const log = joined()
      .dues('2026-06')
      .dues('2026-07')
      .pay('2026-07-02', 'INV-2026-07')
      .pay('2026-07-03', 'INV-2026-06');
    expect(run(config, log).paidThrough).toBe('2026-07-31');
  });

  it('waits for a gap to close before counting a settled invoice, then counts both', () => {
    const longGrace = association({ gracePeriod: 'P60D' });
    const log = joined()
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06')
      .dues('2026-07')
      .dues('2026-08')
      .pay('2026-08-02', 'INV-2026-08');
    expect(run(longGrace, log).paidThrough).toBe('2026-06-30');
    const view = run(longGrace, log.pay('2026-08-03', 'INV-2026-07'));
    expect(view.paidThrough).toBe('2026-08-31');
    expect(changes(view).at(-1)).toBe('2026-08-03 renewed pastDue->active');
  });

  it('is set by the first settled dues invoice whatever its start', () => {
    const log = joined()
      .invoice('2026-06-01', 'Q', 50, { from: '2026-09-01', through: '2026-09-30' })
      .pay('2026-06-02', 'Q');
    expect(run(config, log).paidThrough).toBe('2026-09-30');
  });
});

describe('payments that arrive before their invoice', () => {
  it('wait and are applied when the invoice is issued', () => {
    const log = new EventLog().join('2026-06-01T08:00:00Z').pay('2026-06-01T10:00:00Z', 'INV-2026-06').dues('2026-06');
    const view = run(config, log);
    expect(view.timeline[0]).toMatchObject({ cause: 'invoiceIssued', change: 'activated' });
    expect(view.paidThrough).toBe('2026-06-30');
  });
});

describe('billing systems that re-send', () => {
  it('ignore a repeated event id entirely', () => {
    const once = joined().dues('2026-06').pay('2026-06-02', 'INV-2026-06', 50, 'P1');
    const twice = joined().dues('2026-06').pay('2026-06-02', 'INV-2026-06', 50, 'P1');
    twice.events.push({ ...twice.events.at(-1)!, at: '2026-06-03T00:00:00Z' });
    expect(run(config, twice, '2026-06-03')).toEqual(run(config, once, '2026-06-03'));
  });

  it('reject a second invoiceIssued for an existing invoiceId', () => {
    const log = joined().dues('2026-06').add('invoiceIssued', '2026-06-02', { invoiceId: 'INV-2026-06', amount: 999 });
    expect(run(config, log).rejected).toEqual([
      { id: log.events.at(-1)!.id, reason: 'invoice INV-2026-06 was already issued' },
    ]);
  });

  it('reject a payment re-sent under a new event id, so it cannot count twice', () => {
    const log = joined()
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06', 25, 'P1')
      .pay('2026-06-03', 'INV-2026-06', 25, 'P1');
    const view = run(config, log);
    expect(view.state).toBe('pending');
    expect(view.rejected).toEqual([{ id: log.events.at(-1)!.id, reason: 'payment P1 was already posted' }]);
  });

  it('reject a payment re-sent while the first copy still waits for its invoice', () => {
    const log = new EventLog()
      .join('2026-06-01T08:00:00Z')
      .pay('2026-06-01T10:00:00Z', 'INV-2026-06', 50, 'P1')
      .pay('2026-06-01T11:00:00Z', 'INV-2026-06', 50, 'P1');
    expect(run(config, log).rejected).toHaveLength(1);
  });

  it('reject voiding an invoice that was never issued', () => {
    const log = joined().add('invoiceVoided', '2026-06-02', { invoiceId: 'NOPE' });
    expect(run(config, log).rejected[0]?.reason).toBe('invoice NOPE has not been issued');
  });
});

describe('a ledger after years of billing', () => {
  const years = () => {
    const log = new EventLog().join('2025-12-20');
    for (let year = 2026; year < 2029; year += 1) {
      for (let month = 1; month <= 12; month += 1) {
        const id = `${year}-${String(month).padStart(2, '0')}`;
        log.dues(id).pay(`${id}-02`, `INV-${id}`, 50, `PAY-${id}`);
      }
    }
    return log;
  };

  it('keeps only live invoices, closed ones archived', () => {
    const member = membershipOf(config, years());
    const saved = member.snapshot();
    expect(Object.keys(saved.ledger.invoices)).toEqual([]);
    expect(saved.archive.closedInvoices).toHaveLength(36);
    expect(saved.archive.paymentIds).toHaveLength(36);
    expect(saved.ledger.paidThrough).toBe('2028-12-31');
  });

  it('still refuses an old invoice id or payment id re-sent years later', () => {
    const log = years()
      .add('invoiceIssued', '2029-01-05', { invoiceId: 'INV-2026-01', amount: 50 })
      .add('paymentPosted', '2029-01-06', { paymentId: 'PAY-2026-01', invoiceId: 'INV-2026-01', amount: 50 });
    expect(run(config, log).rejected.map((r) => r.reason)).toEqual([
      'invoice INV-2026-01 was already issued',
      'payment PAY-2026-01 was already posted',
    ]);
  });

  it('changes nothing when an old settled invoice is voided', () => {
    const view = run(config, years().add('invoiceVoided', '2029-01-05', { invoiceId: 'INV-2026-03' }));
    expect(view).toMatchObject({ rejected: [], paidThrough: '2028-12-31', state: 'pastDue' });
  });
});

describe('reversals (spec v1.1, 4a)', () => {
  const dues = (invoiceId: string, from: string, through: string) => (l: Ledger, a: LedgerArchive) =>
    issueInvoice(l, a, { invoiceId, amount: 50, dueDate: from, coversFrom: from, coversThrough: through }, 100);
  const pay =
    (paymentId: string, invoiceId: string, amount = 50) =>
    (l: Ledger, a: LedgerArchive) =>
      postPayment(l, a, { paymentId, invoiceId, amount }, 100);
  const reverse = (paymentId: string, amount?: number) => (l: Ledger, a: LedgerArchive) =>
    reversePayment(l, a, { paymentId, amount }, 100);

  it('reopens a counted invoice from the archive, open again, and says how far paidThrough moved back', () => {
    const paid = ledgerWith(dues('J', '2026-06-01', '2026-06-30'), pay('P1', 'J'));
    expect(paid.archive.closedInvoice('J')).toBe('settled');
    const result = reversePayment(paid.ledger, paid.archive, { paymentId: 'P1' }, 100);
    if (!result.ok) throw new Error(result.reason);
    expect(result.effects.paidThroughRetreatedFrom).toBe('2026-06-30');
    expect(result.ledger.paidThrough).toBeNull();
    expect(result.ledger.invoices['J']).toMatchObject({ paid: 0, settled: false, counted: false });
    paid.archive.record(result);
    expect(paid.archive.closedInvoice('J')).toBeUndefined();
    expect(overdueDays(result.ledger.invoices['J']!, '2026-07-02')).toBe(31);
  });

  it('keeps the payment id used, and what each payment paid, across a saved archive', () => {
    const { ledger, archive } = ledgerWith(dues('J', '2026-06-01', '2026-06-30'), pay('P1', 'J'), reverse('P1', 20));
    const restored = new MemberLedgerArchive(JSON.parse(JSON.stringify(archive.save())));
    expect(restored.hasPayment('P1')).toBe(true);
    // Posted second on the ledger's clock (the invoice was first).
    expect(restored.payment('P1')).toEqual({ invoiceId: 'J', amount: 50, reversed: 20, postedAt: 2 });
    expect(reversePayment(ledger, restored, { paymentId: 'P1', amount: 31 }, 100)).toEqual({
      ok: false,
      reason: 'amount 31 is more than the 30 that remains of payment P1 after earlier reversals',
    });
    expect(postPayment(ledger, restored, { paymentId: 'P1', invoiceId: 'J', amount: 50 }, 100)).toMatchObject({
      ok: false,
    });
  });

  // With no starting paid-through, the first dues invoice to settle sets it (section 4), so the
  // recount after a reversal takes the invoices in the order they settled, not by their dates.
  it('counts again in the order the invoices settled: the first to settle sets paid-through', () => {
    const { ledger, archive } = ledgerWith(
      dues('J', '2026-01-01', '2026-01-31'),
      dues('F', '2026-02-01', '2026-02-28'),
      dues('M', '2026-03-01', '2026-03-31'),
      pay('PM', 'M'), // March settles first: paid through March 31
      pay('PJ', 'J'), // January counts, nothing moves
      pay('PF', 'F'),
    );
    expect(ledger.paidThrough).toBe('2026-03-31');
    const result = reversePayment(ledger, archive, { paymentId: 'PF' }, 100);
    if (!result.ok) throw new Error(result.reason);
    // As if February had never been paid: March first, then January. Not January, then a gap.
    expect(result.ledger.paidThrough).toBe('2026-03-31');
    expect(result.effects.paidThroughRetreatedFrom).toBeNull();
    expect(result.ledger.invoices['F']).toMatchObject({ settled: false, paid: 0 });
  });

  it('a partial reversal that leaves an invoice settled moves when it settled to the payment that still reaches its share', () => {
    const { ledger, archive } = ledgerWith(
      dues('J', '2026-01-01', '2026-01-31'),
      dues('M', '2026-03-01', '2026-03-31'),
      pay('PJ1', 'J'), // January settles first: paid through January 31, March waits for February
      pay('PM', 'M'),
      pay('PJ2', 'J', 50), // a second payment on the settled January invoice
    );
    expect(ledger.paidThrough).toBe('2026-01-31');
    const result = reversePayment(ledger, archive, { paymentId: 'PJ1' }, 100);
    if (!result.ok) throw new Error(result.reason);
    // Had PJ1 never been paid, January would have settled on PJ2, after March: March sets paid-through.
    expect(result.ledger.paidThrough).toBe('2026-03-31');
    archive.record(result);
    expect(archive.closedInvoice('J')).toBe('settled');
    expect(archive.settledInvoice('J')).toMatchObject({ paid: 50, settledAt: 5 });
  });

  it('only takes from a payment to a voided invoice: nothing it decides changes', () => {
    const { ledger, archive } = ledgerWith(dues('J', '2026-06-01', '2026-06-30'), pay('P1', 'J', 20), (l, a) =>
      voidInvoice(l, a, 'J'),
    );
    const result = reversePayment(ledger, archive, { paymentId: 'P1' }, 100);
    expect(result).toMatchObject({ ok: true, ledger, effects: { paidThroughRetreatedFrom: null } });
  });
});
