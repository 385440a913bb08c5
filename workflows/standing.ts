// How a member's standing is shown outside the workflow: search attributes for visibility, and a
// sentence for the Temporal UI's "current details".
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { DateTime } from 'luxon';
import type { ProviderSyncView } from '../machines/deliveries.js';
import type { Deadline } from '../machines/types.js';
import type { MemberView } from '../machines/view.js';
import { membershipSearchAttributes as keys } from './search-attributes.js';

/** `sync` is null for a run without provider sync (started before it existed): no ProviderSync then. */
export function searchAttributesOf(associationId: string, memberId: string, view: MemberView | null, sync: ProviderSyncView | null = null): SearchAttributeUpdatePair[] {
  const attributes: SearchAttributeUpdatePair[] = [
    { key: keys.AssociationId, value: associationId },
    { key: keys.MemberId, value: memberId },
    { key: keys.MembershipState, value: view?.state ?? null },
    { key: keys.MembershipType, value: view?.membershipType ?? null },
    { key: keys.MemberStatus, value: view?.memberStatus ?? null },
    { key: keys.AgentRole, value: view?.role ?? null },
    { key: keys.PaidThrough, value: view?.paidThrough ? new Date(`${view.paidThrough}T00:00:00Z`) : null },
  ];
  if (sync) attributes.push({ key: keys.ProviderSync, value: sync.status });
  return attributes;
}

const deadlineWords = { expired: 'past due', graceEnded: 'grace period ends', dropAfterSuspension: 'dropped' } as const;

/** Markdown for the UI: "**Past due** · REALTOR (primary) · paid through 2026-07-31 · …". */
export function standingInWords(view: MemberView | null, next: Deadline | null, zone: string, sync: ProviderSyncView | null = null): string {
  if (!view) return 'Waiting for the first event (joined or imported).';
  const state = { pending: 'Pending', active: 'Active', pastDue: 'Past due', suspended: 'Suspended', terminated: 'Terminated' }[view.state];
  const parts = [
    `**${state}**`,
    `${view.membershipType} (${view.role})`,
    `paid through ${view.paidThrough ?? 'never'}`,
    `member status ${view.memberStatus ?? 'none'}${view.memberStatusDate ? ` since ${view.memberStatusDate}` : ''}`,
  ];
  if (next) parts.push(`${deadlineWords[next.name]} ${DateTime.fromMillis(next.at, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ')}`);
  const last = view.timeline.at(-1);
  if (last) parts.push(`last change: ${last.change} (${last.from} → ${last.to}) at ${last.at}`);
  if (view.rejected.length > 0) parts.push(`${view.rejected.length} rejected event(s)`);
  if (sync) parts.push(providerSyncInWords(sync));
  return parts.join(' · ');
}

function providerSyncInWords(sync: ProviderSyncView): string {
  if (sync.status === 'ok') return 'providers in sync';
  const count = (outcome: string) => sync.deliveries.filter((d) => d.outcome === outcome).length;
  const waiting = [`${count('pending')} pending`, count('deferred') > 0 ? `${count('deferred')} deferred` : ''].filter(Boolean).join(', ');
  return sync.status === 'failed' ? `**provider update refused** (${count('failed')} failed; ${waiting})` : `provider updates on their way (${waiting})`;
}
