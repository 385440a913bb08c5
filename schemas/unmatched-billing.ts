// A billing event that reached standing but names no member of the association (or names another
// association's): what the gateway reports, and what staff send to dismiss the report.
import { nonEmpty, staffFields } from './events.js';
import { z } from './zod-mini.js';

export const unmatchedBillingReportSchema = z.strictObject({
  associationId: nonEmpty,
  /** Where it came from: the billing system's endpoint (`stripe`). */
  source: z.enum(['stripe']),
  /** The billing system's own event id (Stripe's `evt_…`): one report per event, however often it is retried. */
  eventId: nonEmpty,
  /** The billing system's event type (`charge.refunded`). */
  eventType: nonEmpty,
  /** Why it could not be applied, in words staff can act on. */
  reason: nonEmpty,
  /** When the gateway first received it (ISO instant). */
  receivedAt: nonEmpty,
});
export type UnmatchedBillingReport = z.output<typeof unmatchedBillingReportSchema>;

/** Staff dismiss a report once they have dealt with it (sent the event for the right member, say). */
export const dismissUnmatchedSchema = z.strictObject({ ...staffFields });
export type DismissUnmatched = z.input<typeof dismissUnmatchedSchema>;
