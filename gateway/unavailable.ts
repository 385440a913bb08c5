// Whether an error from a Temporal call means "Temporal cannot be reached now" (the billing system
// should retry: 503), as opposed to a fault of the gateway's own (500).
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { TemporalUnreachable } from '../common/temporal-connection.js';

/** RESOURCE_EXHAUSTED is Temporal's rate limiting: a retry later gets through, as after an outage. */
const unreachable = new Set<status>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]);

/**
 * The client wraps the gRPC error (the SDK's ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError...),
 * so the chain of causes is walked, as the SDK's own isGrpcDeadlineError walks it.
 */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) {
    if (current instanceof TemporalUnreachable) return true;
    if (isGrpcServiceError(current) && unreachable.has(current.code)) return true;
  }
  return false;
}
