// The member's ledger (spec section 4): invoices, payments and paid-through, as pure functions.
//
// The ledger holds only what can still change a decision: live invoices (unsettled ones, and
// settled dues invoices still waiting for a gap to close), payments waiting for their invoice,
// paidThrough and the paid-through the member started from. Closed invoices and payments move to an
// archive that the caller keeps, so every operation but a reversal costs the same in a member's
// tenth year as in the first. A reversal (spec 4a) reads the archive: what the payment paid, and the
// settled invoices it may reopen; paid-through is then counted again from the start.
import { addDays, daysBetween, laterDate } from './calendar.js';
import type { LocalDate } from './calendar.js';

export interface Invoice {
  readonly id: string;
  readonly amount: number;
  readonly dueDate: LocalDate;
  /** Present on dues invoices only, both or neither. */
  readonly coversFrom: LocalDate | null;
  readonly coversThrough: LocalDate | null;
  readonly paid: number;
  readonly voided: boolean;
  /** Sticky: once payments reached the activation share, the invoice stays settled. */
  readonly settled: boolean;
  /** A settled dues invoice whose coverage has been added to paidThrough (or consumed by a rejoin). */
  readonly counted: boolean;
  /** The ledger's clock when the invoice was issued; absent on invoices issued before reversals. */
  readonly issuedAt?: number;
  /**
   * The ledger's clock when the invoice became settled (as if reversed money had never been paid);
   * absent on invoices settled before reversals, which count as settled first.
   */
  readonly settledAt?: number;
}

export interface WaitingPayment {
  readonly paymentId: string;
  /** What remains of the payment: a reversal while it waits takes from it. */
  readonly amount: number;
}

/** A posted payment as the archive keeps it, so a reversal knows its invoice and what remains of it. */
export interface PaymentRecord {
  readonly invoiceId: string;
  readonly amount: number;
  /** The part taken back by reversals so far. */
  readonly reversed: number;
  /** The ledger's clock when the payment was posted; absent on payments posted before it was kept. */
  readonly postedAt?: number;
}

export interface Ledger {
  /** Live invoices only; closed ones are in the archive. */
  readonly invoices: Readonly<Record<string, Invoice>>;
  /** Payments whose invoice has not been issued yet, by invoice id. */
  readonly waiting: Readonly<Record<string, readonly WaitingPayment[]>>;
  readonly paidThrough: LocalDate | null;
  /**
   * Where paid-through is counted from (spec 4a): the `imported` value, or null after `joined` and
   * a rejoin. A reversal counts paid-through again from here.
   */
  readonly startingPaidThrough: LocalDate | null;
  /**
   * Counts the operations that can settle an invoice (issue, payment, type change), so a reversal
   * knows in which order invoices settled: with no starting paid-through, the first dues invoice
   * to settle sets it (section 4), so the order decides. Absent on ledgers saved before reversals.
   */
  readonly clock?: number;
}

/** How a closed invoice ended: settled (and counted, if dues), or voided before it was settled. */
export type ClosedAs = 'settled' | 'voided';

/** What the ledger needs to know of closed invoices and used payment ids. */
export interface LedgerArchive {
  closedInvoice(invoiceId: string): ClosedAs | undefined;
  hasPayment(paymentId: string): boolean;
  /** A payment's invoice and amount; undefined for one posted before the archive kept them. */
  payment(paymentId: string): PaymentRecord | undefined;
  /** A settled invoice as it stands in the archive; undefined if it closed before the archive kept them. */
  settledInvoice(invoiceId: string): Invoice | undefined;
  /** The closed dues invoices that count toward paid-through since the start (startingPaidThrough). */
  countedInvoices(): Iterable<Invoice>;
  /** The payments posted to an invoice, as they now stand (only those the archive kept). */
  paymentsOf(invoiceId: string): Iterable<readonly [string, PaymentRecord]>;
}

/** An invoice that leaves the live ledger (or, already closed, is kept as it now stands). */
export interface ClosedInvoice {
  readonly id: string;
  readonly as: ClosedAs;
  readonly invoice: Invoice;
}

/** What one ledger operation changed; the statechart's guards read these. */
export interface LedgerEffects {
  /** A dues invoice went from unsettled to settled. */
  readonly duesSettled: boolean;
  /** paidThrough moved later. */
  readonly paidThroughAdvanced: boolean;
  /** A payment was applied to an issued invoice (a waiting payment is not applied yet). */
  readonly paymentApplied: boolean;
  /** paidThrough as it was before a reversal moved it back (to an earlier day or null); null when it did not. */
  readonly paidThroughRetreatedFrom: LocalDate | null;
}

export interface LedgerChange {
  readonly ok: true;
  readonly ledger: Ledger;
  readonly effects: LedgerEffects;
  /** Invoices that closed (or, closed, changed): the caller adds them to its archive once the change is applied. */
  readonly closed: readonly ClosedInvoice[];
  /** Closed invoices a reversal brought back into the live ledger: the caller drops them from its archive. */
  readonly reopened: readonly string[];
  /** A payment id now used: the caller adds it to its archive once the change is applied. */
  readonly paymentId: string | null;
  /** A payment as it now stands (posted, or reversed in part or whole), for the archive. */
  readonly payment: readonly [string, PaymentRecord] | null;
  /** A rejoin: dues counted before it no longer count toward paid-through. */
  readonly restarted: boolean;
}

export type LedgerResult = LedgerChange | { readonly ok: false; readonly reason: string };

export const emptyLedger: Ledger = { invoices: {}, waiting: {}, paidThrough: null, startingPaidThrough: null };

const noEffects: LedgerEffects = {
  duesSettled: false,
  paidThroughAdvanced: false,
  paymentApplied: false,
  paidThroughRetreatedFrom: null,
};

/** A change with nothing closed, reopened or restarted. */
function unchanged(
  ledger: Ledger,
  effects: LedgerEffects,
  payment: readonly [string, PaymentRecord] | null,
  paymentId: string | null,
): LedgerChange {
  return { ok: true, ledger, effects, closed: [], reopened: [], paymentId, payment, restarted: false };
}

/** The ledger one operation further on its clock. */
function tick(ledger: Ledger): Ledger {
  return { ...ledger, clock: (ledger.clock ?? 0) + 1 };
}

/** Amounts in millionths of a currency unit, so float noise (0.1 + 0.2) decides nothing. */
function units(amount: number): number {
  return Math.round(amount * 1e6);
}

export function isDues(invoice: Invoice): boolean {
  return invoice.coversFrom !== null && invoice.coversThrough !== null;
}

function reachesShare(invoice: Invoice, activationPercent: number): boolean {
  // Compare in millionths of a currency unit, so float noise (0.1 + 0.2) cannot decide settlement.
  return units(invoice.paid) >= Math.round((invoice.amount * activationPercent * 1e6) / 100);
}

/** An invoice that can no longer change anything leaves the ledger for the archive. */
function closedAs(invoice: Invoice): ClosedAs | null {
  if (invoice.settled) return !isDues(invoice) || invoice.counted ? 'settled' : null;
  return invoice.voided ? 'voided' : null;
}

/**
 * Marks newly settled invoices, moves paidThrough over every settled dues invoice that leaves no
 * gap (repeating until nothing more counts: a later invoice can close an earlier gap), and moves
 * closed invoices out of the ledger.
 */
function settle(
  before: Ledger,
  invoices: Record<string, Invoice>,
  activationPercent: number,
  touched: readonly string[],
  paymentApplied: boolean,
  paymentId: string | null,
  payment: readonly [string, PaymentRecord] | null = null,
): LedgerChange {
  let duesSettled = false;
  for (const id of touched) {
    const invoice = invoices[id];
    if (invoice && !invoice.settled && !invoice.voided && reachesShare(invoice, activationPercent)) {
      invoices[id] = { ...invoice, settled: true, settledAt: before.clock ?? 0 };
      if (isDues(invoice)) duesSettled = true;
    }
  }
  let paidThrough = before.paidThrough;
  // Only a newly settled dues invoice can let paidThrough move.
  if (duesSettled) {
    for (let next = nextToCount(invoices, paidThrough); next; next = nextToCount(invoices, paidThrough)) {
      invoices[next.id] = { ...next, counted: true };
      paidThrough = paidThrough === null ? next.coversThrough : laterDate(paidThrough, next.coversThrough!);
    }
  }
  return {
    ok: true,
    ledger: { ...before, invoices, paidThrough },
    effects: { ...noEffects, duesSettled, paidThroughAdvanced: paidThrough !== before.paidThrough, paymentApplied },
    closed: closeInvoices(invoices),
    reopened: [],
    paymentId,
    payment,
    restarted: false,
  };
}

/** Moves the invoices that can no longer change anything out of `invoices` (in place), for the archive. */
function closeInvoices(invoices: Record<string, Invoice>): ClosedInvoice[] {
  const closed: ClosedInvoice[] = [];
  for (const id in invoices) {
    const invoice = invoices[id]!;
    const status = closedAs(invoice);
    if (status) {
      closed.push({ id, as: status, invoice });
      delete invoices[id];
    }
  }
  return closed;
}

/** The settled, uncounted dues invoice that starts earliest and leaves no gap after paidThrough. */
function nextToCount(invoices: Readonly<Record<string, Invoice>>, paidThrough: LocalDate | null): Invoice | undefined {
  const limit = paidThrough === null ? null : addDays(paidThrough, 1);
  let best: Invoice | undefined;
  for (const id in invoices) {
    const invoice = invoices[id]!;
    if (!invoice.settled || invoice.counted || !isDues(invoice)) continue;
    if (limit !== null && invoice.coversFrom! > limit) continue;
    if (!best || invoice.coversFrom! < best.coversFrom!) best = invoice;
  }
  return best;
}

export interface InvoiceInput {
  readonly invoiceId: string;
  readonly amount: number;
  readonly dueDate: LocalDate;
  readonly coversFrom?: LocalDate | undefined;
  readonly coversThrough?: LocalDate | undefined;
}

export function issueInvoice(
  ledger: Ledger,
  archive: LedgerArchive,
  input: InvoiceInput,
  activationPercent: number,
): LedgerResult {
  if (ledger.invoices[input.invoiceId] || archive.closedInvoice(input.invoiceId)) {
    return { ok: false, reason: `invoice ${input.invoiceId} was already issued` };
  }
  let next = tick(ledger);
  const waiting = ledger.waiting[input.invoiceId] ?? [];
  const invoice: Invoice = {
    id: input.invoiceId,
    amount: input.amount,
    dueDate: input.dueDate,
    coversFrom: input.coversFrom ?? null,
    coversThrough: input.coversThrough ?? null,
    paid: waiting.reduce((sum, payment) => sum + payment.amount, 0),
    voided: false,
    settled: false,
    counted: false,
    issuedAt: next.clock!,
  };
  if (waiting.length > 0) {
    const { [input.invoiceId]: _released, ...stillWaiting } = ledger.waiting;
    next = { ...next, waiting: stillWaiting };
  }
  return settle(
    next,
    { ...ledger.invoices, [invoice.id]: invoice },
    activationPercent,
    [invoice.id],
    waiting.length > 0,
    null,
  );
}

export function postPayment(
  ledger: Ledger,
  archive: LedgerArchive,
  payment: { readonly paymentId: string; readonly invoiceId: string; readonly amount: number },
  activationPercent: number,
): LedgerResult {
  if (archive.hasPayment(payment.paymentId)) {
    return { ok: false, reason: `payment ${payment.paymentId} was already posted` };
  }
  const next = tick(ledger);
  const record: readonly [string, PaymentRecord] = [
    payment.paymentId,
    { invoiceId: payment.invoiceId, amount: payment.amount, reversed: 0, postedAt: next.clock! },
  ];
  const invoice = next.invoices[payment.invoiceId];
  if (invoice) {
    if (invoice.voided && !invoice.settled) {
      return { ok: false, reason: `invoice ${payment.invoiceId} is voided; a payment cannot be applied to it` };
    }
    const invoices = { ...next.invoices, [invoice.id]: { ...invoice, paid: invoice.paid + payment.amount } };
    return settle(next, invoices, activationPercent, [invoice.id], true, payment.paymentId, record);
  }
  switch (archive.closedInvoice(payment.invoiceId)) {
    case 'voided':
      return { ok: false, reason: `invoice ${payment.invoiceId} is voided; a payment cannot be applied to it` };
    case 'settled': {
      // A further payment on a settled invoice is recorded (its id is used) and changes nothing but
      // what the invoice has been paid, which a later reversal reads.
      const change = unchanged(next, { ...noEffects, paymentApplied: true }, record, payment.paymentId);
      const settled = archive.settledInvoice(payment.invoiceId);
      if (!settled) return change;
      const invoice = { ...settled, paid: settled.paid + payment.amount };
      return { ...change, closed: [{ id: invoice.id, as: 'settled', invoice }] };
    }
    default: {
      const waiting = [
        ...(next.waiting[payment.invoiceId] ?? []),
        { paymentId: payment.paymentId, amount: payment.amount },
      ];
      return unchanged(
        { ...next, waiting: { ...next.waiting, [payment.invoiceId]: waiting } },
        noEffects,
        record,
        payment.paymentId,
      );
    }
  }
}

export function voidInvoice(ledger: Ledger, archive: LedgerArchive, invoiceId: string): LedgerResult {
  const invoice = ledger.invoices[invoiceId];
  const closed = archive.closedInvoice(invoiceId);
  if (!invoice && !closed) return { ok: false, reason: `invoice ${invoiceId} has not been issued` };
  if (closed === 'voided' || invoice?.voided) return { ok: false, reason: `invoice ${invoiceId} is already voided` };
  // Voiding a settled invoice changes nothing (spec 4).
  if (!invoice || invoice.settled) return unchanged(ledger, noEffects, null, null);
  const { [invoiceId]: _voided, ...live } = ledger.invoices;
  return {
    ...unchanged({ ...ledger, invoices: live }, noEffects, null, null),
    closed: [{ id: invoiceId, as: 'voided', invoice: { ...invoice, voided: true } }],
  };
}

/** Re-reads every unsettled invoice against a new activation share, after a change of membership type. */
export function resettle(ledger: Ledger, activationPercent: number): LedgerResult {
  const open = Object.keys(ledger.invoices).filter((id) => !ledger.invoices[id]!.settled);
  return settle(tick(ledger), { ...ledger.invoices }, activationPercent, open, false, null);
}

/** A rejoin starts paid-through afresh: dues settled before it no longer count toward it. */
export function restartPaidThrough(ledger: Ledger): LedgerChange {
  const invoices: Record<string, Invoice> = {};
  for (const [id, invoice] of Object.entries(ledger.invoices)) {
    // Consumed by the rejoin: archived at once, and never counted since the new start.
    invoices[id] = invoice.settled && isDues(invoice) ? { ...invoice, counted: true } : invoice;
  }
  const closed = closeInvoices(invoices);
  return {
    ...unchanged({ ...ledger, invoices, paidThrough: null, startingPaidThrough: null }, noEffects, null, null),
    closed,
    restarted: true,
  };
}

/**
 * Archives, as consumed, the invoices a ledger saved before reversals still held only because a
 * rejoin consumed them (settled, counted): they must not count since the start (spec 4a).
 */
export function archiveConsumed(ledger: Ledger): LedgerChange {
  const invoices = { ...ledger.invoices };
  const closed = closeInvoices(invoices);
  return { ...unchanged({ ...ledger, invoices }, noEffects, null, null), closed, restarted: true };
}

/**
 * Takes money back from a posted payment (spec 4a). The payment's invoice loses it and is settled
 * only if what remains still reaches its share; paid-through is counted again from the start over
 * the dues invoices still settled, under the no-gap rule. Invoices that no longer settle or count
 * come back from the archive into the live ledger.
 */
export function reversePayment(
  ledger: Ledger,
  archive: LedgerArchive,
  reversal: { readonly paymentId: string; readonly amount?: number | undefined },
  activationPercent: number,
): LedgerResult {
  const { paymentId } = reversal;
  const record = archive.payment(paymentId);
  if (!record) {
    return {
      ok: false,
      reason: archive.hasPayment(paymentId)
        ? `payment ${paymentId} was posted before standing kept what each payment paid, so it cannot be reversed here`
        : `payment ${paymentId} has not been posted to this member`,
    };
  }
  const remaining = record.amount - record.reversed;
  if (units(remaining) <= 0) return { ok: false, reason: `payment ${paymentId} has already been reversed in full` };
  const amount = reversal.amount ?? remaining;
  if (units(amount) > units(remaining)) {
    return {
      ok: false,
      reason: `amount ${amount} is more than the ${remaining} that remains of payment ${paymentId} after earlier reversals`,
    };
  }
  const payment: readonly [string, PaymentRecord] = [paymentId, { ...record, reversed: record.reversed + amount }];
  const invoiceId = record.invoiceId;

  // Still waiting for its invoice: what waits is smaller (or gone).
  const waiting = ledger.waiting[invoiceId];
  if (waiting?.some((w) => w.paymentId === paymentId)) {
    const left = waiting.flatMap((w) =>
      w.paymentId !== paymentId ? [w] : units(w.amount - amount) > 0 ? [{ paymentId, amount: w.amount - amount }] : [],
    );
    const { [invoiceId]: _old, ...others } = ledger.waiting;
    return unchanged(
      { ...ledger, waiting: left.length > 0 ? { ...others, [invoiceId]: left } : others },
      noEffects,
      payment,
      null,
    );
  }

  const invoices: Record<string, Invoice> = { ...ledger.invoices };
  const live = ledger.invoices[invoiceId];
  const before = live ?? archive.settledInvoice(invoiceId);
  // An invoice voided before it was settled, or settled before the archive kept invoices, only
  // loses the money: nothing it decides changes. So does one not settled yet.
  if (!before?.settled) {
    if (live) invoices[invoiceId] = { ...live, paid: live.paid - amount };
    return unchanged({ ...ledger, invoices }, noEffects, payment, null);
  }
  const lost = { ...before, paid: before.paid - amount };
  const counted = [...archive.countedInvoices()];
  let after: Invoice;
  if (reachesShare(lost, activationPercent)) {
    // Still settled, but perhaps later than it was: when what remains of its payments reached the share.
    const payments = [...archive.paymentsOf(invoiceId)].map(([id, kept]) => (id === paymentId ? payment[1] : kept));
    after = { ...lost, settledAt: settlementMoment(lost, payments, activationPercent) ?? lost.settledAt };
    // Not dues, or consumed by a rejoin: paid-through since the start does not read it.
    if (!isDues(after) || (!live && !counted.some((invoice) => invoice.id === invoiceId))) {
      if (live) invoices[invoiceId] = after;
      const kept: ClosedInvoice[] = live ? [] : [{ id: invoiceId, as: 'settled', invoice: after }];
      return { ...unchanged({ ...ledger, invoices }, noEffects, payment, null), closed: kept };
    }
  } else {
    // Settlement is not sticky against a reversal: the invoice is open again, and overdue from its due date.
    const { settledAt: _settledAt, ...open } = lost;
    after = { ...open, settled: false, counted: false };
    if (!isDues(after)) {
      invoices[invoiceId] = after;
      return { ...unchanged({ ...ledger, invoices }, noEffects, payment, null), reopened: live ? [] : [invoiceId] };
    }
  }
  const reopened: string[] = live ? [] : [invoiceId];
  invoices[invoiceId] = after;

  // paidThrough as if the reversed money had never been paid: from the start, over the settled
  // dues invoices since, in the order they settled (with no starting paid-through, the first sets
  // it), under the no-gap rule. Those left out wait in the live ledger.
  const candidates: Invoice[] = [];
  for (const id in invoices) {
    const invoice = invoices[id]!;
    if (invoice.settled && isDues(invoice)) candidates.push({ ...invoice, counted: false });
  }
  for (const invoice of counted) if (invoice.id !== invoiceId) candidates.push({ ...invoice, counted: false });
  candidates.sort((a, b) => (a.settledAt ?? 0) - (b.settledAt ?? 0));
  const pool: Record<string, Invoice> = {};
  let paidThrough = ledger.startingPaidThrough;
  for (let i = 0; i < candidates.length;) {
    // Everything that settled at one moment, then whatever that lets count (as settle() does).
    const moment = candidates[i]!.settledAt ?? 0;
    for (; i < candidates.length && (candidates[i]!.settledAt ?? 0) === moment; i += 1)
      pool[candidates[i]!.id] = candidates[i]!;
    for (let next = nextToCount(pool, paidThrough); next; next = nextToCount(pool, paidThrough)) {
      pool[next.id] = { ...next, counted: true };
      paidThrough = paidThrough === null ? next.coversThrough : laterDate(paidThrough, next.coversThrough!);
    }
  }
  for (const id in pool) {
    const invoice = pool[id]!;
    const archived = !ledger.invoices[id];
    if (archived && id !== invoiceId) {
      if (invoice.counted) continue; // still counts, still archived
      reopened.push(id); // counted only through the gap just opened
    }
    invoices[id] = invoice;
  }
  const closed = closeInvoices(invoices);
  const retreated = ledger.paidThrough !== null && (paidThrough === null || paidThrough < ledger.paidThrough);
  return {
    ok: true,
    ledger: { ...ledger, invoices, paidThrough },
    effects: { ...noEffects, paidThroughRetreatedFrom: retreated ? ledger.paidThrough : null },
    closed,
    reopened,
    paymentId: null,
    payment,
    restarted: false,
  };
}

/**
 * When an invoice would have settled had reversed money never been paid: at its issue or at the
 * payment that brought what remains of its payments to the share, whichever is later. Undefined
 * when the payments kept do not reach it (some were posted before the archive kept them).
 */
function settlementMoment(
  invoice: Invoice,
  payments: readonly PaymentRecord[],
  activationPercent: number,
): number | undefined {
  const share = Math.round((invoice.amount * activationPercent * 1e6) / 100);
  const issued = invoice.issuedAt ?? 0;
  if (share <= 0) return issued;
  let paid = 0;
  for (const payment of [...payments].sort((a, b) => (a.postedAt ?? 0) - (b.postedAt ?? 0))) {
    paid += units(payment.amount - payment.reversed);
    if (paid >= share) return Math.max(issued, payment.postedAt ?? 0);
  }
  return undefined;
}

/** Whole days an unsettled, unvoided invoice is past due on `today` (due today = 0), or null if it is not open. */
export function overdueDays(invoice: Invoice, today: LocalDate): number | null {
  if (invoice.settled || invoice.voided) return null;
  return daysBetween(invoice.dueDate, today);
}

/** The largest overdue-days figure among open invoices on `today`, or 0 when none is overdue. */
export function maxOverdueDays(ledger: Ledger, today: LocalDate): number {
  let most = 0;
  for (const id in ledger.invoices) {
    const days = overdueDays(ledger.invoices[id]!, today);
    if (days !== null && days > most) most = days;
  }
  return most;
}

/**
 * The archive of one member, plain JSON when saved: closed invoices and used payment ids (never
 * forgotten), and what a reversal reads: each payment's invoice and amount, each settled invoice as
 * it stands, and which closed dues invoices count toward paid-through since the start. A reversal
 * can bring a closed invoice back into the live ledger.
 */
export class MemberLedgerArchive implements LedgerArchive {
  private readonly invoices: Map<string, ClosedAs>;
  private readonly payments: Set<string>;
  private readonly paymentRecords: Map<string, PaymentRecord>;
  private readonly settled: Map<string, Invoice>;
  private readonly counted: Set<string>;

  constructor(saved?: SavedLedgerArchive) {
    this.invoices = new Map(saved?.closedInvoices ?? []);
    this.payments = new Set(saved?.paymentIds ?? []);
    // Archives saved before reversals have none of these: their payments and invoices cannot be reversed.
    this.paymentRecords = new Map(saved?.payments ?? []);
    this.settled = new Map((saved?.settledInvoices ?? []).map((invoice) => [invoice.id, invoice]));
    this.counted = new Set(saved?.countedInvoiceIds ?? []);
  }

  closedInvoice(invoiceId: string): ClosedAs | undefined {
    return this.invoices.get(invoiceId);
  }

  hasPayment(paymentId: string): boolean {
    return this.payments.has(paymentId);
  }

  payment(paymentId: string): PaymentRecord | undefined {
    return this.paymentRecords.get(paymentId);
  }

  settledInvoice(invoiceId: string): Invoice | undefined {
    return this.settled.get(invoiceId);
  }

  *countedInvoices(): Iterable<Invoice> {
    for (const id of this.counted) yield this.settled.get(id)!;
  }

  *paymentsOf(invoiceId: string): Iterable<readonly [string, PaymentRecord]> {
    for (const entry of this.paymentRecords) if (entry[1].invoiceId === invoiceId) yield entry;
  }

  /** Records what an applied change closed, reopened and used. */
  record(change: LedgerChange): void {
    for (const id of change.reopened) {
      this.invoices.delete(id);
      this.settled.delete(id);
      this.counted.delete(id);
    }
    for (const { id, as, invoice } of change.closed) {
      this.invoices.set(id, as);
      if (as !== 'settled') continue;
      this.settled.set(id, invoice);
      if (invoice.counted && isDues(invoice)) this.counted.add(id);
    }
    // After a rejoin nothing counted before it counts (the consumed invoices it closed included).
    if (change.restarted) this.counted.clear();
    if (change.paymentId !== null) this.payments.add(change.paymentId);
    if (change.payment !== null) this.paymentRecords.set(change.payment[0], change.payment[1]);
  }

  save(): SavedLedgerArchive {
    return {
      closedInvoices: [...this.invoices],
      paymentIds: [...this.payments],
      payments: [...this.paymentRecords],
      settledInvoices: [...this.settled.values()],
      countedInvoiceIds: [...this.counted],
    };
  }
}

export interface SavedLedgerArchive {
  readonly closedInvoices: readonly (readonly [string, ClosedAs])[];
  readonly paymentIds: readonly string[];
  /** Absent from archives saved before reversals (spec v1.1), as are the two below. */
  readonly payments?: readonly (readonly [string, PaymentRecord])[];
  readonly settledInvoices?: readonly Invoice[];
  readonly countedInvoiceIds?: readonly string[];
}
