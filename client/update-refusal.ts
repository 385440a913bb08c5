// A staff Update's refusal, read apart from the rest of the client: the mass-change activity needs
// only this, not MembershipClient and everything it brings.
import { WorkflowUpdateFailedError } from '@temporalio/client';

/** Why a membership refused a staff Update, in its own words; null for any other error. */
export function updateRefusal(error: unknown): string | null {
  return error instanceof WorkflowUpdateFailedError ? (error.cause?.message ?? error.message) : null;
}
