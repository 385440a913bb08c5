// The member's ledger (spec section 4): invoices, payments and paid-through, as pure functions.
//
// The ledger holds only what can still change a decision: live invoices (unsettled ones, and
// settled dues invoices still waiting for a gap to close), payments waiting for their invoice, and
// paidThrough. Closed invoices and used payment ids move to an append-only archive that the caller
// keeps, so every operation costs the same in a member's tenth year as in the first.
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
}

export interface WaitingPayment {
  readonly paymentId: string;
  readonly amount: number;
}

export interface Ledger {
  /** Live invoices only; closed ones are in the archive. */
  readonly invoices: Readonly<Record<string, Invoice>>;
  /** Payments whose invoice has not been issued yet, by invoice id. */
  readonly waiting: Readonly<Record<string, readonly WaitingPayment[]>>;
  readonly paidThrough: LocalDate | null;
}

/** How a closed invoice ended: settled (and counted, if dues), or voided before it was settled. */
export type ClosedAs = 'settled' | 'voided';

/** What the ledger needs to know of closed invoices and used payment ids. */
export interface LedgerArchive {
  closedInvoice(invoiceId: string): ClosedAs | undefined;
  hasPayment(paymentId: string): boolean;
}

/** What one ledger operation changed; the statechart's guards read these. */
export interface LedgerEffects {
  /** A dues invoice went from unsettled to settled. */
  readonly duesSettled: boolean;
  /** paidThrough moved later. */
  readonly paidThroughAdvanced: boolean;
  /** A payment was applied to an issued invoice (a waiting payment is not applied yet). */
  readonly paymentApplied: boolean;
}

export interface LedgerChange {
  readonly ok: true;
  readonly ledger: Ledger;
  readonly effects: LedgerEffects;
  /** Invoices that closed: the caller adds them to its archive once the change is applied. */
  readonly closed: readonly (readonly [string, ClosedAs])[];
  /** A payment id now used: the caller adds it to its archive once the change is applied. */
  readonly paymentId: string | null;
}

export type LedgerResult = LedgerChange | { readonly ok: false; readonly reason: string };

export const emptyLedger: Ledger = { invoices: {}, waiting: {}, paidThrough: null };

const noEffects: LedgerEffects = { duesSettled: false, paidThroughAdvanced: false, paymentApplied: false };

export function isDues(invoice: Invoice): boolean {
  return invoice.coversFrom !== null && invoice.coversThrough !== null;
}

function reachesShare(invoice: Invoice, activationPercent: number): boolean {
  // Compare in millionths of a currency unit, so float noise (0.1 + 0.2) cannot decide settlement.
  return Math.round(invoice.paid * 1e6) >= Math.round((invoice.amount * activationPercent * 1e6) / 100);
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
): LedgerChange {
  let duesSettled = false;
  for (const id of touched) {
    const invoice = invoices[id];
    if (invoice && !invoice.settled && !invoice.voided && reachesShare(invoice, activationPercent)) {
      invoices[id] = { ...invoice, settled: true };
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
  const closed: [string, ClosedAs][] = [];
  for (const id in invoices) {
    const status = closedAs(invoices[id]!);
    if (status) {
      closed.push([id, status]);
      delete invoices[id];
    }
  }
  return {
    ok: true,
    ledger: { ...before, invoices, paidThrough },
    effects: { duesSettled, paidThroughAdvanced: paidThrough !== before.paidThrough, paymentApplied },
    closed,
    paymentId,
  };
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
  };
  let next = ledger;
  if (waiting.length > 0) {
    const { [input.invoiceId]: _released, ...stillWaiting } = ledger.waiting;
    next = { ...ledger, waiting: stillWaiting };
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
  const invoice = ledger.invoices[payment.invoiceId];
  if (invoice) {
    if (invoice.voided && !invoice.settled) {
      return { ok: false, reason: `invoice ${payment.invoiceId} is voided; a payment cannot be applied to it` };
    }
    const invoices = { ...ledger.invoices, [invoice.id]: { ...invoice, paid: invoice.paid + payment.amount } };
    return settle(ledger, invoices, activationPercent, [invoice.id], true, payment.paymentId);
  }
  switch (archive.closedInvoice(payment.invoiceId)) {
    case 'voided':
      return { ok: false, reason: `invoice ${payment.invoiceId} is voided; a payment cannot be applied to it` };
    case 'settled':
      // A further payment on a settled invoice is recorded (its id is used) and changes nothing.
      return {
        ok: true,
        ledger,
        effects: { ...noEffects, paymentApplied: true },
        closed: [],
        paymentId: payment.paymentId,
      };
    default: {
      const waiting = [
        ...(ledger.waiting[payment.invoiceId] ?? []),
        { paymentId: payment.paymentId, amount: payment.amount },
      ];
      return {
        ok: true,
        ledger: { ...ledger, waiting: { ...ledger.waiting, [payment.invoiceId]: waiting } },
        effects: noEffects,
        closed: [],
        paymentId: payment.paymentId,
      };
    }
  }
}

export function voidInvoice(ledger: Ledger, archive: LedgerArchive, invoiceId: string): LedgerResult {
  const invoice = ledger.invoices[invoiceId];
  const closed = archive.closedInvoice(invoiceId);
  if (!invoice && !closed) return { ok: false, reason: `invoice ${invoiceId} has not been issued` };
  if (closed === 'voided' || invoice?.voided) return { ok: false, reason: `invoice ${invoiceId} is already voided` };
  // Voiding a settled invoice changes nothing (spec 4).
  if (!invoice || invoice.settled) return { ok: true, ledger, effects: noEffects, closed: [], paymentId: null };
  const { [invoiceId]: _voided, ...live } = ledger.invoices;
  return {
    ok: true,
    ledger: { ...ledger, invoices: live },
    effects: noEffects,
    closed: [[invoiceId, 'voided']],
    paymentId: null,
  };
}

/** Re-reads every unsettled invoice against a new activation share, after a change of membership type. */
export function resettle(ledger: Ledger, activationPercent: number): LedgerResult {
  const open = Object.keys(ledger.invoices).filter((id) => !ledger.invoices[id]!.settled);
  return settle(ledger, { ...ledger.invoices }, activationPercent, open, false, null);
}

/** A rejoin starts paid-through afresh: dues settled before it no longer count toward it. */
export function restartPaidThrough(ledger: Ledger): Ledger {
  const invoices: Record<string, Invoice> = {};
  for (const [id, invoice] of Object.entries(ledger.invoices)) {
    // Consumed by the rejoin; the next ledger operation archives them.
    invoices[id] = invoice.settled && isDues(invoice) ? { ...invoice, counted: true } : invoice;
  }
  return { ...ledger, invoices, paidThrough: null };
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

/** The archive of one member: closed invoices and used payment ids, append-only, plain JSON when saved. */
export class MemberLedgerArchive implements LedgerArchive {
  private readonly invoices: Map<string, ClosedAs>;
  private readonly payments: Set<string>;

  constructor(saved?: SavedLedgerArchive) {
    this.invoices = new Map(saved?.closedInvoices ?? []);
    this.payments = new Set(saved?.paymentIds ?? []);
  }

  closedInvoice(invoiceId: string): ClosedAs | undefined {
    return this.invoices.get(invoiceId);
  }

  hasPayment(paymentId: string): boolean {
    return this.payments.has(paymentId);
  }

  /** Records what an applied change closed and used. */
  record(change: LedgerChange): void {
    for (const [id, status] of change.closed) this.invoices.set(id, status);
    if (change.paymentId !== null) this.payments.add(change.paymentId);
  }

  save(): SavedLedgerArchive {
    return { closedInvoices: [...this.invoices], paymentIds: [...this.payments] };
  }
}

export interface SavedLedgerArchive {
  readonly closedInvoices: readonly (readonly [string, ClosedAs])[];
  readonly paymentIds: readonly string[];
}
