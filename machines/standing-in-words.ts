// A member's standing in one line of Markdown, for the Temporal UI's "current details".
import { DateTime } from 'luxon';
import type { ProviderSyncView } from './deliveries.js';
import type { Deadline } from './types.js';
import type { MemberView } from './view.js';

const deadlineWords = { expired: 'past due', graceEnded: 'grace period ends', dropAfterSuspension: 'dropped' } as const;

/** Markdown for the UI: "**Past due** · REALTOR (primary) · paid through 2026-07-31 · …". */
export function standingInWords(
  view: MemberView | null,
  next: Deadline | null,
  zone: string,
  sync: ProviderSyncView | null = null,
): string {
  if (!view) return 'Waiting for the first event (joined or imported).';
  const state = {
    pending: 'Pending',
    active: 'Active',
    pastDue: 'Past due',
    suspended: 'Suspended',
    terminated: 'Terminated',
  }[view.state];
  const parts = [
    `**${state}**`,
    `${view.membershipType} (${view.role})`,
    `paid through ${view.paidThrough ?? 'never'}`,
    `member status ${view.memberStatus ?? 'none'}${view.memberStatusDate ? ` since ${view.memberStatusDate}` : ''}`,
  ];
  // The zone by its name: its abbreviation (CDT) costs luxon a new Intl formatter on every call,
  // and this runs at every step of every workflow, replays included (docs/decisions.md).
  if (next)
    parts.push(
      `${deadlineWords[next.name]} ${DateTime.fromMillis(next.at, { zone }).toFormat('yyyy-LL-dd HH:mm')} ${zone}`,
    );
  const last = view.timeline.at(-1);
  if (last) {
    const reversal = last.reversal
      ? `, by reversal ${last.reversal.eventId} of payment ${last.reversal.paymentId}`
      : '';
    parts.push(`last change: ${last.change} (${last.from} → ${last.to}) at ${last.at}${reversal}`);
  }
  if (view.rejected.length > 0) parts.push(`${view.rejected.length} rejected event(s)`);
  if (sync) parts.push(providerSyncInWords(sync));
  return parts.join(' · ');
}

function providerSyncInWords(sync: ProviderSyncView): string {
  if (sync.status === 'ok') return 'providers in sync';
  const count = (outcome: string) => sync.deliveries.filter((d) => d.outcome === outcome).length;
  const waiting = [`${count('pending')} pending`, count('deferred') > 0 ? `${count('deferred')} deferred` : '']
    .filter(Boolean)
    .join(', ');
  if (sync.status === 'failed') return `**provider update refused** (${count('failed')} failed; ${waiting})`;
  if (sync.status === 'undeliverable')
    return `**provider update undeliverable**: ${undeliverable(sync).join('; ')} (${waiting})`;
  return `provider updates on their way (${waiting})`;
}

/** Why each provider whose latest word is undeliverable could not be told: "m1: no M1 id (NRDS ID) on record; …". */
function undeliverable(sync: ProviderSyncView): string[] {
  const latest = new Map<string, ProviderSyncView['deliveries'][number]>();
  for (const d of sync.deliveries)
    if (d.outcome === 'acknowledged' || d.outcome === 'failed' || d.outcome === 'undeliverable')
      latest.set(d.provider, d);
  return [...latest.values()].filter((d) => d.outcome === 'undeliverable').map((d) => `${d.provider}: ${d.reason}`);
}
