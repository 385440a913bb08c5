// Which errors from a Temporal call mean "Temporal cannot be reached now" (the gateway answers 503
// and the billing system retries) and which are faults of the gateway's own (500), on the error
// objects the Temporal client and gRPC really throw.
import { status } from '@grpc/grpc-js';
import {
  Client,
  Connection,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { TemporalUnreachable } from '../../common/temporal-connection.js';
import { isTemporalUnavailable } from '../../gateway/unavailable.js';
import { failedCall, grpcError } from './grpc-error.js';
import { workflowTypes } from '../../workflows/messages.js';

// Nothing listens on port 1; the calls below fail on their deadline, already past, before any connection is tried.
const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' });
afterAll(() => connection.close());

describe('isTemporalUnavailable', () => {
  it('is true for a call whose deadline passed, as the client throws it and as gRPC does', async () => {
    const client = new Client({ connection });
    const wrapped = await connection
      .withDeadline(Date.now() - 1_000, () =>
        client.workflow.signalWithStart(workflowTypes.membership, {
          workflowId: 'membership/TEST/U1',
          taskQueue: 'standing',
          signal: 'lifecycleEvents',
          signalArgs: [],
        }),
      )
      .catch((error: unknown) => error);
    expect(wrapped).toBeInstanceOf(ServiceError);
    expect((wrapped as ServiceError).cause).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect(isTemporalUnavailable(wrapped)).toBe(true);

    const raw = await connection
      .withDeadline(Date.now() - 1_000, () => connection.workflowService.getSystemInfo({}))
      .catch((error: unknown) => error);
    expect(raw).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect(isTemporalUnavailable(raw)).toBe(true);
  });

  it('is true for UNAVAILABLE (nothing listening, connection lost) and RESOURCE_EXHAUSTED (rate limited), wrapped or not', () => {
    expect(isTemporalUnavailable(failedCall(status.UNAVAILABLE, 'No connection established'))).toBe(true);
    expect(isTemporalUnavailable(grpcError(status.UNAVAILABLE, 'Connection dropped'))).toBe(true);
    expect(isTemporalUnavailable(failedCall(status.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded'))).toBe(true);
    const updateTimedOut = new WorkflowUpdateRPCTimeoutOrCancelledError('Workflow update call timeout or cancelled', {
      cause: grpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'),
    });
    expect(isTemporalUnavailable(updateTimedOut)).toBe(true);
  });

  it('is true when the CLI connection could not be made', () => {
    expect(
      isTemporalUnavailable(
        new TemporalUnreachable('127.0.0.1:7233', new Error('Failed to connect before the deadline')),
      ),
    ).toBe(true);
  });

  it('is false for answers Temporal gave, and for faults of the gateway’s own', () => {
    for (const code of [status.NOT_FOUND, status.INVALID_ARGUMENT, status.PERMISSION_DENIED, status.CANCELLED])
      expect(isTemporalUnavailable(failedCall(code, 'an answer')), status[code]).toBe(false);
    expect(isTemporalUnavailable(new WorkflowNotFoundError('not found', 'membership/TEST/U1', undefined))).toBe(false);
    expect(isTemporalUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
    // A message that merely mentions an outage is not one; neither is a code on something that is not a gRPC error.
    expect(isTemporalUnavailable(new Error('14 UNAVAILABLE: connection refused'))).toBe(false);
    expect(isTemporalUnavailable(Object.assign(new Error('x'), { code: status.UNAVAILABLE }))).toBe(false);
    expect(isTemporalUnavailable(undefined)).toBe(false);
    expect(isTemporalUnavailable('UNAVAILABLE')).toBe(false);
  });
});
