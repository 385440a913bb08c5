// gRPC errors as @grpc/grpc-js makes them (callErrorFromStatus: code, details and metadata on an
// Error), wrapped as the Temporal client wraps a failed call, for tests that need Temporal to fail.
import { Metadata, status } from '@grpc/grpc-js';
import { ServiceError } from '@temporalio/client';

export function grpcError(code: status, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

/** What `client.workflow.signalWithStart` throws when the call fails with `code`. */
export function failedCall(code: status, details: string): ServiceError {
  return new ServiceError('Failed to signalWithStart Workflow', { cause: grpcError(code, details) });
}
