// A structural check of a signalled event, inside the workflow. Senders (MembershipClient, the
// gateway) validate fully with zod; the workflow stays zod-free (large schema modules in workflow
// code have run workers out of memory) and only refuses what could not be applied at all.
import type { LifecycleEvent } from '../schemas/events.js';

const eventTypes = new Set<string>([
  'joined',
  'imported',
  'invoiceIssued',
  'paymentPosted',
  'invoiceVoided',
  'suspended',
  'reactivated',
  'dropped',
  'membershipTypeChanged',
  'roleChanged',
]);

/** Why the value is not an event for this member, or null when it is one. */
export function eventProblem(value: unknown, memberId: string): string | null {
  if (typeof value !== 'object' || value === null) return 'not an event object';
  const event = value as Partial<Record<keyof LifecycleEvent, unknown>>;
  if (typeof event.id !== 'string' || event.id === '') return 'id: must be a non-empty string';
  if (typeof event.type !== 'string' || !eventTypes.has(event.type))
    return `event ${event.id}: type: not a lifecycle event type`;
  if (event.memberId !== memberId)
    return `event ${event.id}: memberId: must be ${memberId}, the member of this workflow`;
  if (typeof event.at !== 'string' || Number.isNaN(Date.parse(event.at)))
    return `event ${event.id}: at: must be an ISO 8601 date-time`;
  return null;
}
