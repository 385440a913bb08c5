// Search attributes staff filter on in the Temporal UI and `standing list`; registered on the server
// (npm start does it for the dev server) with these names and types.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

export const membershipSearchAttributes = {
  MembershipState: defineSearchAttributeKey('MembershipState', SearchAttributeType.KEYWORD),
  MembershipType: defineSearchAttributeKey('MembershipType', SearchAttributeType.KEYWORD),
  MemberStatus: defineSearchAttributeKey('MemberStatus', SearchAttributeType.KEYWORD),
  AgentRole: defineSearchAttributeKey('AgentRole', SearchAttributeType.KEYWORD),
  AssociationId: defineSearchAttributeKey('AssociationId', SearchAttributeType.KEYWORD),
  MemberId: defineSearchAttributeKey('MemberId', SearchAttributeType.KEYWORD),
  /** The start of the paid-through day, UTC: `PaidThrough < "2026-08-01T00:00:00Z"` finds members paid through July. */
  PaidThrough: defineSearchAttributeKey('PaidThrough', SearchAttributeType.DATETIME),
  /** `ok`, `pending` (a command on its way, or a deferred M1 suspension) or `failed` (a provider refused one). */
  ProviderSync: defineSearchAttributeKey('ProviderSync', SearchAttributeType.KEYWORD),
} as const;

/** `Name=Type` pairs, as `temporal server start-dev --search-attribute` and `operator search-attribute create` take them. */
export const searchAttributeFlags: readonly string[] = Object.values(membershipSearchAttributes).map(
  (key) => `${key.name}=${key.type === SearchAttributeType.DATETIME ? 'Datetime' : 'Keyword'}`,
);
