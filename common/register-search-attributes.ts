// Registers the membership search attributes on a namespace (the dev server gets them from
// `start-dev --search-attribute`; a self-hosted cluster or a test server through this call).
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { membershipSearchAttributes } from '../workflows/search-attributes.js';

// @temporalio/proto is CommonJS: a default import works under Node's ESM loader and bundlers alike.
const { IndexedValueType } = proto.temporal.api.enums.v1;

/**
 * Adds the attributes one by one: a namespace that has the older ones (a dev server from before
 * ProviderSync existed) still gets the new ones. One already registered is not an error.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  for (const key of Object.values(membershipSearchAttributes)) {
    const type =
      key.type === SearchAttributeType.DATETIME
        ? IndexedValueType.INDEXED_VALUE_TYPE_DATETIME
        : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { [key.name]: type } });
    } catch (error) {
      if (!/already exists/i.test((error as Error).message)) throw error;
    }
  }
}
