// Registers the membership search attributes on a namespace (the dev server gets them from
// `start-dev --search-attribute`; a self-hosted cluster or a test server through this call).
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { membershipSearchAttributes } from '../workflows/search-attributes.js';

// @temporalio/proto is CommonJS: a default import works under Node's ESM loader and bundlers alike.
const { IndexedValueType } = proto.temporal.api.enums.v1;

/** Adds the attributes; one already registered with the same type is not an error. */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const searchAttributes: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of Object.values(membershipSearchAttributes)) {
    searchAttributes[key.name] = key.type === SearchAttributeType.DATETIME ? IndexedValueType.INDEXED_VALUE_TYPE_DATETIME : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  }
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (error) {
    if (!/already exists/i.test((error as Error).message)) throw error;
  }
}
