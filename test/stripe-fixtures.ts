// Stripe webhook payloads shaped exactly as Stripe sends them, typed with the stripe package's own
// types (a field missing or misspelled fails to compile), and signed as Stripe signs them with its
// library: a subscription's invoices finalized, paid and voided, a charge refunded, a dispute closed.
import Stripe from 'stripe';

/** Unix seconds of an ISO instant. */
export const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export interface InvoiceOptions {
  readonly id: string;
  readonly memberId?: string;
  readonly membershipType?: string;
  /** The association named in the subscription's metadata, if any. */
  readonly association?: string;
  readonly customer?: string;
  /** Smallest currency unit, as Stripe sends it. */
  readonly amount: number;
  readonly currency?: string;
  readonly billingReason: Stripe.Invoice.BillingReason;
  /** The subscription period the line covers: [start, end), Unix seconds. */
  readonly period: { readonly start: number; readonly end: number };
  readonly finalizedAt: number;
  readonly paidAt?: number;
  readonly voidedAt?: number;
  /** The PaymentIntent that paid it, once paid. */
  readonly paymentIntent?: string;
  readonly dueDate?: number | null;
}

export function invoice(options: InvoiceOptions): Stripe.Invoice {
  const paid = options.paidAt !== undefined;
  const currency = options.currency ?? 'usd';
  const customer = options.customer ?? 'cus_TESTMEMBER';
  const metadata: Stripe.Metadata = {
    ...(options.memberId ? { standing_member_id: options.memberId } : {}),
    ...(options.membershipType ? { standing_membership_type: options.membershipType } : {}),
    ...(options.association ? { standing_association: options.association } : {}),
  };
  const line: Stripe.InvoiceLineItem = {
    id: `il_${options.id}`,
    object: 'line_item',
    amount: options.amount,
    currency,
    description: '1 × Membership dues (at $50.00 / month)',
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: options.id,
    livemode: false,
    metadata,
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: false,
        proration_details: { credited_items: null },
        subscription: 'sub_TESTDUES',
        subscription_item: 'si_TESTDUES',
      },
    },
    period: { start: options.period.start, end: options.period.end },
    pretax_credit_amounts: [],
    pricing: { type: 'price_details', unit_amount_decimal: null },
    quantity: 1,
    quantity_decimal: null,
    subscription: 'sub_TESTDUES',
    subtotal: options.amount,
    taxes: [],
  };
  const payment: Stripe.InvoicePayment = {
    id: `inpay_${options.id}`,
    object: 'invoice_payment',
    amount_paid: paid ? options.amount : null,
    amount_requested: options.amount,
    created: options.finalizedAt,
    currency,
    invoice: options.id,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: options.paymentIntent ?? `pi_${options.id}` },
    status: paid ? 'paid' : 'open',
    status_transitions: { canceled_at: null, paid_at: options.paidAt ?? null },
  };
  return {
    id: options.id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Test REALTORS',
    account_tax_ids: null,
    amount_due: options.amount,
    amount_overpaid: 0,
    amount_paid: paid ? options.amount : 0,
    amount_remaining: paid ? 0 : options.amount,
    amount_shipping: 0,
    application: null,
    attempt_count: paid ? 1 : 0,
    attempted: paid,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: options.billingReason,
    collection_method: options.dueDate ? 'send_invoice' : 'charge_automatically',
    created: options.finalizedAt - 3600,
    currency,
    custom_fields: null,
    customer,
    customer_account: null,
    customer_address: null,
    customer_email: 'member@example.org',
    customer_name: 'A Member',
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: options.dueDate ?? null,
    effective_at: options.finalizedAt,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [line], has_more: false, url: `/v1/invoices/${options.id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: `TEST-${options.id}`,
    on_behalf_of: null,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata, subscription: 'sub_TESTDUES' },
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: 'list', data: [payment], has_more: false, url: `/v1/invoice_payments?invoice=${options.id}` },
    period_end: options.finalizedAt - 3600,
    period_start: options.finalizedAt - 3600,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: options.voidedAt !== undefined ? 'void' : paid ? 'paid' : 'open',
    status_transitions: {
      finalized_at: options.finalizedAt,
      marked_uncollectible_at: null,
      paid_at: options.paidAt ?? null,
      voided_at: options.voidedAt ?? null,
    },
    subtotal: options.amount,
    subtotal_excluding_tax: options.amount,
    test_clock: null,
    total: options.amount,
    total_discount_amounts: [],
    total_excluding_tax: options.amount,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: options.finalizedAt,
  };
}

export interface ChargeOptions {
  readonly id: string;
  readonly paymentIntent: string;
  readonly customer?: string;
  readonly amount: number;
  readonly amountRefunded: number;
  readonly currency?: string;
  readonly created: number;
  readonly metadata?: Stripe.Metadata;
}

export function charge(options: ChargeOptions): Stripe.Charge {
  return {
    id: options.id,
    object: 'charge',
    amount: options.amount,
    amount_captured: options.amount,
    amount_refunded: options.amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: `txn_${options.id}`,
    billing_details: { address: null, email: 'member@example.org', name: 'A Member', phone: null, tax_id: null },
    calculated_statement_descriptor: 'TEST REALTORS',
    captured: true,
    created: options.created,
    currency: options.currency ?? 'usd',
    customer: options.customer ?? 'cus_TESTMEMBER',
    description: 'Subscription update',
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: options.metadata ?? {},
    on_behalf_of: null,
    outcome: null,
    paid: true,
    payment_intent: options.paymentIntent,
    payment_method: 'pm_TESTCARD',
    payment_method_details: null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: options.amountRefunded >= options.amount,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

export function dispute(options: {
  readonly id: string;
  readonly charge: string;
  readonly paymentIntent: string;
  readonly amount: number;
  readonly status: Stripe.Dispute.Status;
  readonly created: number;
}): Stripe.Dispute {
  return {
    id: options.id,
    object: 'dispute',
    amount: options.amount,
    balance_transactions: [],
    charge: options.charge,
    created: options.created,
    currency: 'usd',
    enhanced_eligibility_types: [],
    evidence: {
      access_activity_log: null,
      billing_address: null,
      cancellation_policy: null,
      cancellation_policy_disclosure: null,
      cancellation_rebuttal: null,
      customer_communication: null,
      customer_email_address: null,
      customer_name: null,
      customer_purchase_ip: null,
      customer_signature: null,
      duplicate_charge_documentation: null,
      duplicate_charge_explanation: null,
      duplicate_charge_id: null,
      enhanced_evidence: {},
      product_description: null,
      receipt: null,
      refund_policy: null,
      refund_policy_disclosure: null,
      refund_refusal_explanation: null,
      service_date: null,
      service_documentation: null,
      shipping_address: null,
      shipping_carrier: null,
      shipping_date: null,
      shipping_documentation: null,
      shipping_tracking_number: null,
      uncategorized_file: null,
      uncategorized_text: null,
    },
    evidence_details: {
      due_by: null,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: options.paymentIntent,
    reason: 'fraudulent',
    status: options.status,
  };
}

const base = (id: string, created: number) => ({
  id,
  object: 'event' as const,
  api_version: '2026-10-28.endive',
  created,
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
});

type InvoiceEventType = 'invoice.finalized' | 'invoice.paid' | 'invoice.voided';

export function invoiceEvent(
  id: string,
  type: InvoiceEventType,
  object: Stripe.Invoice,
  created: number,
): Stripe.Event {
  switch (type) {
    case 'invoice.finalized':
      return { ...base(id, created), type, data: { object } } satisfies Stripe.InvoiceFinalizedEvent;
    case 'invoice.paid':
      return { ...base(id, created), type, data: { object } } satisfies Stripe.InvoicePaidEvent;
    case 'invoice.voided':
      return { ...base(id, created), type, data: { object } } satisfies Stripe.InvoiceVoidedEvent;
  }
}

export function chargeRefunded(
  id: string,
  object: Stripe.Charge,
  created: number,
  previousRefunded?: number,
): Stripe.Event {
  return {
    ...base(id, created),
    type: 'charge.refunded',
    data: {
      object,
      ...(previousRefunded === undefined ? {} : { previous_attributes: { amount_refunded: previousRefunded } }),
    },
  } satisfies Stripe.ChargeRefundedEvent;
}

export function disputeClosed(id: string, object: Stripe.Dispute, created: number): Stripe.Event {
  return {
    ...base(id, created),
    type: 'charge.dispute.closed',
    data: { object },
  } satisfies Stripe.ChargeDisputeClosedEvent;
}

/** The body and headers of a delivery, signed by Stripe's library at `timestamp` (seconds; now unless given). */
export function stripeDelivery(
  event: Stripe.Event,
  secret: string,
  timestamp?: number,
): { body: string; headers: Record<string, string> } {
  // Stripe sends the event pretty-printed, as its API answers.
  const body = JSON.stringify(event, null, 2);
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret,
        ...(timestamp === undefined ? {} : { timestamp }),
      }),
    },
  };
}
