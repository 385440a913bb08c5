// Stripe webhooks into lifecycle events: the signature checked with Stripe's own library (and the
// timestamp both ways, which it does not), then invoice.finalized, invoice.paid, invoice.voided,
// charge.refunded and lost disputes turned into invoiceIssued, paymentPosted, invoiceVoided and
// paymentReversed for the member the Stripe objects name (docs/integrators.md, "Stripe").
import { DateTime } from 'luxon';
import Stripe from 'stripe';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEventInput } from '../schemas/events.js';
import type { StripeMembers } from './stripe-members.js';

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

/** Metadata keys on a subscription (Stripe snapshots them onto its invoices), an invoice, a charge or a dispute. */
export const MEMBER_KEY = 'standing_member_id';
export const TYPE_KEY = 'standing_membership_type';
export const ASSOCIATION_KEY = 'standing_association';

/** Currencies whose amounts Stripe sends in whole units (docs.stripe.com/currencies#zero-decimal). */
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
/** Currencies whose amounts Stripe sends in thousandths (docs.stripe.com/currencies#three-decimal). */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** A Stripe amount (in the currency's smallest unit) in currency units, as lifecycle events carry money. */
export function currencyUnits(amount: number, currency: string): number {
  const code = currency.toLowerCase();
  const decimals = ZERO_DECIMAL.has(code) ? 0 : THREE_DECIMAL.has(code) ? 3 : 2;
  return amount / 10 ** decimals;
}

export type StripeVerdict =
  | { readonly ok: true; readonly event: Stripe.Event }
  | { readonly ok: false; readonly status: 400 | 401; readonly reason: string };

/**
 * The event, if `header` is Stripe's signature of `raw` by one of `secrets` made within
 * `toleranceSeconds` of `now` (milliseconds), either way: Stripe's library refuses only the too old.
 */
export function verifyStripe(
  secrets: readonly string[],
  header: string | undefined,
  raw: Buffer,
  now: number,
  toleranceSeconds: number,
): StripeVerdict {
  if (!header) return { ok: false, status: 401, reason: 'missing Stripe-Signature header' };
  const timestamp = /(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(header)?.[1];
  if (timestamp !== undefined && Number(timestamp) - now / 1000 > toleranceSeconds)
    return {
      ok: false,
      status: 401,
      reason: `Stripe-Signature's timestamp is more than ${toleranceSeconds} seconds ahead of the gateway's clock`,
    };
  let reason = 'signature does not match';
  for (const secret of secrets) {
    try {
      return { ok: true, event: Stripe.webhooks.constructEvent(raw, header, secret, toleranceSeconds, undefined, now) };
    } catch (error) {
      if (error instanceof SyntaxError) return { ok: false, status: 400, reason: `not JSON: ${error.message}` };
      const message = (error as Error).message;
      // Stale is stale whichever secret is tried: say so rather than "does not match".
      if (/tolerance/i.test(message))
        reason = `Stripe-Signature's timestamp is more than ${toleranceSeconds} seconds older than the gateway's clock`;
      else if (/timestamp and signatures/i.test(message)) return { ok: false, status: 401, reason: message };
    }
  }
  return { ok: false, status: 401, reason };
}

/** What one Stripe event comes to for an association. */
export type StripeMapping =
  /** Lifecycle events to send (not yet validated). */
  | { readonly kind: 'events'; readonly events: LifecycleEventInput[] }
  /** An event of a type standing maps, which it cannot apply to a member of this association: reported. */
  | { readonly kind: 'unmatched'; readonly reason: string }
  /** A type standing does not map, or one that changes nothing (a dispute won, a zero invoice). */
  | { readonly kind: 'ignored'; readonly reason: string };

type Metadata = Stripe.Metadata | null | undefined;
const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === 'string' ? value : (value?.id ?? undefined);

/** The first non-empty value of `key` in `sources`, in order. */
function fromMetadata(key: string, sources: readonly Metadata[]): string | undefined {
  for (const metadata of sources) {
    const value = metadata?.[key]?.trim();
    if (value) return value;
  }
  return undefined;
}

function invoiceMetadata(invoice: Stripe.Invoice): Metadata[] {
  return [
    invoice.metadata,
    invoice.parent?.subscription_details?.metadata,
    ...invoice.lines.data.filter((line) => line.parent?.subscription_item_details).map((line) => line.metadata),
  ];
}

/** The payment an invoice was paid by: its PaymentIntent (what a refund's charge names too), else its charge. */
function paymentOf(invoice: Stripe.Invoice): string | undefined {
  const payments = invoice.payments?.data ?? [];
  const paid = payments.find((payment) => payment.status === 'paid') ?? payments[0];
  return idOf(paid?.payment.payment_intent) ?? idOf(paid?.payment.charge);
}

export function stripeToLifecycle(
  event: Stripe.Event,
  config: AssociationConfig,
  members: StripeMembers,
): StripeMapping {
  const zone = config.association.timezone;
  const instant = (seconds: number) => new Date(seconds * 1000).toISOString();
  const localDate = (seconds: number) => DateTime.fromSeconds(seconds, { zone }).toISODate()!;
  const associationId = config.association.id;
  /** Metadata naming another association: not ours to apply (one Stripe account may bill several boards). */
  const elsewhere = (sources: readonly Metadata[]) => {
    const named = fromMetadata(ASSOCIATION_KEY, sources);
    return named !== undefined && named !== associationId ? named : undefined;
  };
  const noMember = (what: string) => ({
    kind: 'unmatched' as const,
    reason: `${event.type} ${event.id}: ${what} names no member (metadata ${MEMBER_KEY})`,
  });

  const forInvoice = (invoice: Stripe.Invoice, build: (memberId: string) => LifecycleEventInput[]): StripeMapping => {
    const sources = invoiceMetadata(invoice);
    const other = elsewhere(sources);
    if (other)
      return {
        kind: 'unmatched',
        reason: `${event.type} ${event.id}: invoice ${invoice.id} is association ${other}'s`,
      };
    const memberId = fromMetadata(MEMBER_KEY, sources);
    if (!memberId) return noMember(`invoice ${invoice.id}, its subscription and its lines`);
    members.remember(idOf(invoice.customer), memberId, event.created);
    return { kind: 'events', events: build(memberId) };
  };

  /**
   * The first invoice of a subscription makes the member join, dated when the invoice was finalized:
   * one id for it whichever of invoice.finalized or invoice.paid comes first, so it applies once.
   */
  const joinedFor = (invoice: Stripe.Invoice, memberId: string): LifecycleEventInput[] => {
    if (invoice.billing_reason !== 'subscription_create') return [];
    const types = config.membershipTypes.map((type) => type.code);
    const membershipType =
      fromMetadata(TYPE_KEY, invoiceMetadata(invoice)) ?? (types.length === 1 ? types[0] : undefined);
    if (!membershipType) return [];
    return [
      {
        id: `stripe:joined:${invoice.id}`,
        type: 'joined',
        memberId,
        at: instant(invoice.status_transitions.finalized_at ?? invoice.created),
        membershipType,
      },
    ];
  };

  /**
   * The invoice as issued, from any event that carries it (each carries the whole invoice), under one
   * id for the invoice: whichever of invoice.finalized, invoice.paid or invoice.voided comes first
   * issues it, the others' copies are ignored by id. So a payment or a void that arrives before the
   * invoice's finalization applies after its invoice, exactly as in order. None for an invoice asking
   * for nothing, or one never finalized.
   */
  const issuedFor = (invoice: Stripe.Invoice, memberId: string): LifecycleEventInput[] => {
    if (invoice.amount_due <= 0) return [];
    const finalized =
      invoice.status_transitions.finalized_at ?? (event.type === 'invoice.finalized' ? event.created : null);
    if (finalized === null) return [];
    const periods = invoice.lines.data
      .filter((line) => line.parent?.subscription_item_details)
      .map((line) => line.period);
    const covers =
      periods.length === 0
        ? {}
        : (() => {
            const from = localDate(Math.min(...periods.map((period) => period.start)));
            // A period ends at the first moment of the next one: it covers through the day before.
            const through = DateTime.fromISO(localDate(Math.max(...periods.map((period) => period.end))))
              .minus({ days: 1 })
              .toISODate()!;
            return { coversFrom: from, coversThrough: through < from ? from : through };
          })();
    return [
      {
        id: `stripe:issued:${invoice.id}`,
        type: 'invoiceIssued',
        memberId,
        at: instant(finalized),
        invoiceId: invoice.id,
        amount: currencyUnits(invoice.amount_due, invoice.currency),
        // Charged automatically, an invoice has no due date: it is due on receipt.
        dueDate: localDate(invoice.due_date ?? finalized),
        ...covers,
      },
    ];
  };

  /** Money back from `paymentId` (all that is left of it when `amount` is undefined), as of the event. */
  const reversal = (
    memberId: string,
    paymentId: string,
    amount: number | undefined,
    reason: 'refund' | 'chargeback',
  ): StripeMapping => ({
    kind: 'events',
    events: [
      {
        id: event.id,
        type: 'paymentReversed',
        memberId,
        at: instant(event.created),
        paymentId,
        ...(amount === undefined ? {} : { amount }),
        reason,
      },
    ],
  });

  switch (event.type) {
    case 'invoice.finalized': {
      const invoice = event.data.object;
      if (invoice.amount_due <= 0) return { kind: 'ignored', reason: `invoice ${invoice.id} asks for nothing` };
      return forInvoice(invoice, (memberId) => [...joinedFor(invoice, memberId), ...issuedFor(invoice, memberId)]);
    }
    case 'invoice.paid': {
      const invoice = event.data.object;
      if (invoice.amount_paid <= 0) return { kind: 'ignored', reason: `invoice ${invoice.id} was paid nothing` };
      const paymentId = paymentOf(invoice) ?? invoice.id;
      return forInvoice(invoice, (memberId) => {
        members.remember(paymentId, memberId, event.created);
        return [
          ...joinedFor(invoice, memberId),
          ...issuedFor(invoice, memberId),
          {
            id: event.id,
            type: 'paymentPosted',
            memberId,
            at: instant(invoice.status_transitions.paid_at ?? event.created),
            paymentId,
            invoiceId: invoice.id,
            amount: currencyUnits(invoice.amount_paid, invoice.currency),
          },
        ];
      });
    }
    case 'invoice.voided': {
      const invoice = event.data.object;
      return forInvoice(invoice, (memberId) => [
        ...issuedFor(invoice, memberId),
        {
          id: event.id,
          type: 'invoiceVoided',
          memberId,
          at: instant(invoice.status_transitions.voided_at ?? event.created),
          invoiceId: invoice.id,
        },
      ]);
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const other = elsewhere([charge.metadata]);
      if (other)
        return {
          kind: 'unmatched',
          reason: `${event.type} ${event.id}: charge ${charge.id} is association ${other}'s`,
        };
      const paymentId = idOf(charge.payment_intent) ?? charge.id;
      const memberId =
        fromMetadata(MEMBER_KEY, [charge.metadata]) ??
        members.memberOf(paymentId) ??
        members.memberOf(idOf(charge.customer));
      if (!memberId) return noMember(`charge ${charge.id} (nor a payment or customer this gateway saw on an invoice)`);
      // amount_refunded is the running total: this refund is what it grew by. Without the earlier
      // total, a full refund takes back all that is left, a partial one the total.
      const before = event.data.previous_attributes?.amount_refunded;
      const refunded = before === undefined ? charge.amount_refunded : charge.amount_refunded - before;
      if (refunded <= 0) return { kind: 'ignored', reason: `charge ${charge.id}: nothing more refunded` };
      return reversal(
        memberId,
        paymentId,
        before === undefined && charge.refunded ? undefined : currencyUnits(refunded, charge.currency),
        'refund',
      );
    }
    case 'charge.dispute.closed': {
      const dispute = event.data.object;
      if (dispute.status !== 'lost')
        return { kind: 'ignored', reason: `dispute ${dispute.id} closed ${dispute.status}: no money went back` };
      const other = elsewhere([dispute.metadata]);
      if (other)
        return {
          kind: 'unmatched',
          reason: `${event.type} ${event.id}: dispute ${dispute.id} is association ${other}'s`,
        };
      const charge = idOf(dispute.charge);
      const paymentId = idOf(dispute.payment_intent) ?? charge!;
      const memberId =
        fromMetadata(MEMBER_KEY, [dispute.metadata]) ?? members.memberOf(paymentId) ?? members.memberOf(charge);
      if (!memberId) return noMember(`dispute ${dispute.id} (nor a payment this gateway saw on an invoice)`);
      return reversal(memberId, paymentId, currencyUnits(dispute.amount, dispute.currency), 'chargeback');
    }
    default:
      return { kind: 'ignored', reason: `${event.type} is not an event standing maps` };
  }
}
