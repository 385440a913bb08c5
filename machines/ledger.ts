// The member's ledger (spec section 4): invoices, payments and paid-through, as pure functions.
// Every operation returns a new ledger and what it changed, or the reason it does not fit.
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
  readonly invoices: Readonly<Record<string, Invoice>>;
  /** Payments whose invoice has not been issued yet, by invoice id. */
  readonly waiting: Readonly<Record<string, readonly WaitingPayment[]>>;
  /** Every payment id taken, applied or waiting, so a re-sent payment cannot count twice. */
  readonly paymentIds: Readonly<Record<string, string>>;
  readonly paidThrough: LocalDate | null;
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

export type LedgerResult =
  | { readonly ok: true; readonly ledger: Ledger; readonly effects: LedgerEffects }
  | { readonly ok: false; readonly reason: string };

export const emptyLedger: Ledger = { invoices: {}, waiting: {}, paymentIds: {}, paidThrough: null };

const noEffects: LedgerEffects = { duesSettled: false, paidThroughAdvanced: false, paymentApplied: false };

export function isDues(invoice: Invoice): boolean {
  return invoice.coversFrom !== null && invoice.coversThrough !== null;
}

function reachesShare(invoice: Invoice, activationPercent: number): boolean {
  // Compare in millionths of a currency unit, so float noise (0.1 + 0.2) cannot decide settlement.
  return Math.round(invoice.paid * 1e6) >= Math.round((invoice.amount * activationPercent * 1e6) / 100);
}

/**
 * Marks newly settled invoices and moves paidThrough over every settled dues invoice that
 * leaves no gap, repeating until nothing more counts (a later invoice can close an earlier gap).
 */
function settle(ledger: Ledger, activationPercent: number, touched: readonly string[], paymentApplied: boolean): LedgerResult {
  let invoices = ledger.invoices;
  let duesSettled = false;
  for (const id of touched) {
    const invoice = invoices[id];
    if (invoice && !invoice.settled && !invoice.voided && reachesShare(invoice, activationPercent)) {
      invoices = { ...invoices, [id]: { ...invoice, settled: true } };
      if (isDues(invoice)) duesSettled = true;
    }
  }
  let paidThrough = ledger.paidThrough;
  // Only a newly settled dues invoice can let paidThrough move.
  if (duesSettled) {
    for (;;) {
      const next = nextToCount(invoices, paidThrough);
      if (!next) break;
      invoices = { ...invoices, [next.id]: { ...next, counted: true } };
      paidThrough = paidThrough === null ? next.coversThrough : laterDate(paidThrough, next.coversThrough!);
    }
  }
  const paidThroughAdvanced = paidThrough !== ledger.paidThrough;
  return {
    ok: true,
    ledger: { ...ledger, invoices, paidThrough },
    effects: { duesSettled, paidThroughAdvanced, paymentApplied },
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

function addPayment(invoice: Invoice, amount: number): Invoice {
  return { ...invoice, paid: invoice.paid + amount };
}

export interface InvoiceInput {
  readonly invoiceId: string;
  readonly amount: number;
  readonly dueDate: LocalDate;
  readonly coversFrom?: LocalDate | undefined;
  readonly coversThrough?: LocalDate | undefined;
}

export function issueInvoice(ledger: Ledger, input: InvoiceInput, activationPercent: number): LedgerResult {
  if (ledger.invoices[input.invoiceId]) {
    return { ok: false, reason: `invoice ${input.invoiceId} was already issued` };
  }
  let invoice: Invoice = {
    id: input.invoiceId,
    amount: input.amount,
    dueDate: input.dueDate,
    coversFrom: input.coversFrom ?? null,
    coversThrough: input.coversThrough ?? null,
    paid: 0,
    voided: false,
    settled: false,
    counted: false,
  };
  const waiting = ledger.waiting[input.invoiceId] ?? [];
  for (const payment of waiting) invoice = addPayment(invoice, payment.amount);
  const { [input.invoiceId]: _released, ...stillWaiting } = ledger.waiting;
  const next: Ledger = {
    ...ledger,
    invoices: { ...ledger.invoices, [invoice.id]: invoice },
    waiting: waiting.length > 0 ? stillWaiting : ledger.waiting,
  };
  return settle(next, activationPercent, [invoice.id], waiting.length > 0);
}

export function postPayment(
  ledger: Ledger,
  payment: { readonly paymentId: string; readonly invoiceId: string; readonly amount: number },
  activationPercent: number,
): LedgerResult {
  if (ledger.paymentIds[payment.paymentId] !== undefined) {
    return { ok: false, reason: `payment ${payment.paymentId} was already posted` };
  }
  const paymentIds = { ...ledger.paymentIds, [payment.paymentId]: payment.invoiceId };
  const invoice = ledger.invoices[payment.invoiceId];
  if (!invoice) {
    const waiting = [...(ledger.waiting[payment.invoiceId] ?? []), { paymentId: payment.paymentId, amount: payment.amount }];
    return { ok: true, ledger: { ...ledger, paymentIds, waiting: { ...ledger.waiting, [payment.invoiceId]: waiting } }, effects: noEffects };
  }
  if (invoice.voided && !invoice.settled) {
    return { ok: false, reason: `invoice ${payment.invoiceId} is voided; a payment cannot be applied to it` };
  }
  const next: Ledger = {
    ...ledger,
    paymentIds,
    invoices: { ...ledger.invoices, [invoice.id]: addPayment(invoice, payment.amount) },
  };
  return settle(next, activationPercent, [invoice.id], true);
}

export function voidInvoice(ledger: Ledger, invoiceId: string): LedgerResult {
  const invoice = ledger.invoices[invoiceId];
  if (!invoice) return { ok: false, reason: `invoice ${invoiceId} has not been issued` };
  if (invoice.voided) return { ok: false, reason: `invoice ${invoiceId} is already voided` };
  // Voiding a settled invoice changes nothing (spec 4); we still note it for the record.
  return { ok: true, ledger: { ...ledger, invoices: { ...ledger.invoices, [invoiceId]: { ...invoice, voided: true } } }, effects: noEffects };
}

/** Re-reads every open invoice against a new activation share, after a change of membership type. */
export function resettle(ledger: Ledger, activationPercent: number): LedgerResult {
  const open = Object.keys(ledger.invoices).filter((id) => !ledger.invoices[id]!.settled);
  return settle(ledger, activationPercent, open, false);
}

/** A rejoin starts paid-through afresh: dues paid before it no longer count toward it. */
export function restartPaidThrough(ledger: Ledger): Ledger {
  const invoices: Record<string, Invoice> = {};
  for (const [id, invoice] of Object.entries(ledger.invoices)) {
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
