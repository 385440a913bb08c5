// A billing event standing could not apply (a Stripe event naming no member of the association):
// kept open where staff look, the Temporal UI and `standing unmatched`, until staff dismiss it or it
// has waited KEPT_FOR, so nothing a billing system sent goes unseen. Its id names the association
// and the billing system's event, so a retried event is reported once.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';
import { dismissUnmatchedSchema } from '../schemas/unmatched-billing.js';
import type { DismissUnmatched, UnmatchedBillingReport } from '../schemas/unmatched-billing.js';
import { payloadOrThrow } from './payload-checks.js';

/** How long a report waits for staff before it closes by itself (its history then stays for the namespace's retention). */
export const KEPT_FOR = '90 days';

export interface UnmatchedBillingOutcome {
  readonly report: UnmatchedBillingReport;
  /** Null when the report closed unanswered after KEPT_FOR. */
  readonly dismissed: (DismissUnmatched & { readonly at: string }) | null;
}

/** Staff mark the report dealt with; answers with the outcome. */
export const dismissUnmatchedUpdate = defineUpdate<UnmatchedBillingOutcome, [DismissUnmatched]>('dismiss');

export async function unmatchedBillingWorkflow(report: UnmatchedBillingReport): Promise<UnmatchedBillingOutcome> {
  let dismissed: UnmatchedBillingOutcome['dismissed'] = null;
  setHandler(
    dismissUnmatchedUpdate,
    (command) => {
      dismissed ??= { ...command, at: new Date().toISOString() };
      return { report, dismissed };
    },
    // Refused before anything reaches history: a field that does not fit, named.
    { validator: (command: unknown) => void payloadOrThrow(dismissUnmatchedSchema, command) },
  );
  await condition(() => dismissed !== null, KEPT_FOR);
  return { report, dismissed };
}
