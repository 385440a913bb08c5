// Search attributes staff filter on in the Temporal UI and `standing list`: their names and types
// (registered on the server; npm start does it for the dev server), and their values for a member.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { ProviderSyncView } from '../machines/deliveries.js';
import type { MemberView } from '../machines/view.js';

export const membershipSearchAttributes = {
  MembershipState: defineSearchAttributeKey('MembershipState', SearchAttributeType.KEYWORD),
  MembershipType: defineSearchAttributeKey('MembershipType', SearchAttributeType.KEYWORD),
  MemberStatus: defineSearchAttributeKey('MemberStatus', SearchAttributeType.KEYWORD),
  AgentRole: defineSearchAttributeKey('AgentRole', SearchAttributeType.KEYWORD),
  AssociationId: defineSearchAttributeKey('AssociationId', SearchAttributeType.KEYWORD),
  MemberId: defineSearchAttributeKey('MemberId', SearchAttributeType.KEYWORD),
  /** The start of the paid-through day, UTC: `PaidThrough < "2026-08-01T00:00:00Z"` finds members paid through July. */
  PaidThrough: defineSearchAttributeKey('PaidThrough', SearchAttributeType.DATETIME),
  /**
   * `ok`, `pending` (a command on its way, or a deferred M1 suspension), `failed` (a provider refused
   * one) or `undeliverable` (the association requires the member's id at a provider, and it has none usable).
   */
  ProviderSync: defineSearchAttributeKey('ProviderSync', SearchAttributeType.KEYWORD),
} as const;

/**
 * The memo key under which a membership keeps its ProviderAcknowledgements (machines/deliveries.ts)
 * from patch `reconciliation-memo` on: a visibility list returns it, so reconciliation needs no
 * query per member. A run without provider sync keeps `{}` there; a run from before the patch has none.
 */
export const PROVIDER_ACKS_MEMO = 'providerAcks';

/** `Name=Type` pairs, as `temporal server start-dev --search-attribute` and `operator search-attribute create` take them. */
export const searchAttributeFlags: readonly string[] = Object.values(membershipSearchAttributes).map(
  (key) => `${key.name}=${key.type === SearchAttributeType.DATETIME ? 'Datetime' : 'Keyword'}`,
);

/** `sync` is null for a run without provider sync (started before it existed): no ProviderSync then. */
export function searchAttributesOf(
  associationId: string,
  memberId: string,
  view: MemberView | null,
  sync: ProviderSyncView | null = null,
): SearchAttributeUpdatePair[] {
  const attributes: SearchAttributeUpdatePair[] = [
    { key: membershipSearchAttributes.AssociationId, value: associationId },
    { key: membershipSearchAttributes.MemberId, value: memberId },
    { key: membershipSearchAttributes.MembershipState, value: view?.state ?? null },
    { key: membershipSearchAttributes.MembershipType, value: view?.membershipType ?? null },
    { key: membershipSearchAttributes.MemberStatus, value: view?.memberStatus ?? null },
    { key: membershipSearchAttributes.AgentRole, value: view?.role ?? null },
    {
      key: membershipSearchAttributes.PaidThrough,
      value: view?.paidThrough ? new Date(`${view.paidThrough}T00:00:00Z`) : null,
    },
  ];
  if (sync) attributes.push({ key: membershipSearchAttributes.ProviderSync, value: sync.status });
  return attributes;
}
