// Registers the membership search attributes on a namespace (the dev server gets them from
// `start-dev --search-attribute`; a self-hosted cluster or a test server through this call).
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { membershipSearchAttributes } from '../workflows/search-attributes.js';

// @temporalio/proto is CommonJS: a default import works under Node's ESM loader and bundlers alike.
const { IndexedValueType } = proto.temporal.api.enums.v1;

/**
 * Adds the attributes the namespace lacks, one by one: a namespace that has the older ones (a dev
 * server from before ProviderSync existed) gets the new ones, and one that has them all is asked
 * nothing more. Another process adding one at the same moment is not an error.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const registered = await registeredNames(connection, namespace);
  for (const key of Object.values(membershipSearchAttributes)) {
    if (registered.has(key.name)) continue;
    const type =
      key.type === SearchAttributeType.DATETIME
        ? IndexedValueType.INDEXED_VALUE_TYPE_DATETIME
        : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { [key.name]: type } });
    } catch (error) {
      if (!isGrpcServiceError(error) || error.code !== status.ALREADY_EXISTS) throw error;
    }
  }
}

/** The namespace's custom attributes; none known where the server cannot list them (the time-skipping one). */
async function registeredNames(connection: Connection, namespace: string): Promise<Set<string>> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set(Object.keys(customAttributes ?? {}));
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === status.UNIMPLEMENTED) return new Set();
    throw error;
  }
}
