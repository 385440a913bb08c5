// `--format table`: the simulation for people, one block per member with its timeline.
import Table from 'cli-table3';
import { DateTime } from 'luxon';
import type { ProviderCommand } from '../machines/providers.js';
import type { TimelineEntry } from '../machines/types.js';
import type { MemberView } from '../machines/view.js';

/** An instant as people in the association read it: `2026-07-21 00:00 CDT`. */
export function localTime(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ');
}

function commandText(command: ProviderCommand): string {
  const reason = command.reason ? ` (${command.reason})` : '';
  return `${command.provider} ${command.status}: ${command.outcome}${reason}`;
}

/** The cause, and for a reversal which one: `paymentReversed R7 (payment P3, 50, chargeback)`. */
function causeText(entry: TimelineEntry): string {
  const reversal = entry.reversal;
  if (!reversal) return entry.cause;
  const details = [
    `payment ${reversal.paymentId}`,
    String(reversal.amount),
    ...(reversal.reason ? [reversal.reason] : []),
  ];
  return `${entry.cause} ${reversal.eventId} (${details.join(', ')})`;
}

function summary(member: MemberView): string {
  const parts = [
    `${member.memberId}  ${member.membershipType} (${member.role})  ${member.state}`,
    `member status ${member.memberStatus ?? '-'}${member.memberStatusDate ? ` since ${member.memberStatusDate}` : ''}`,
    `paid through ${member.paidThrough ?? '-'}`,
    `joined ${member.joinDate ?? '-'}`,
  ];
  if (member.terminateDate) parts.push(`terminated ${member.terminateDate}`);
  const providers = Object.entries(member.providers)
    .map(([name, status]) => `${name} ${status ?? '-'}`)
    .join(', ');
  return `${parts.join(' · ')}\n  member flag ${member.memberFlag ? 'yes' : 'no'} · contact status ${member.contactStatus ?? '-'} · providers: ${providers}`;
}

/** One member's block: a summary, the timeline as a table, and any rejected events. */
export function formatMemberTable(member: MemberView, zone: string): string {
  const table = new Table({
    head: [`when (${zone})`, 'cause', 'change', 'from → to', 'member status', 'provider commands'],
    style: { head: [], border: [] },
  });
  for (const entry of member.timeline) {
    table.push([
      localTime(entry.at, zone),
      causeText(entry),
      entry.change,
      `${entry.from} → ${entry.to}`,
      entry.memberStatus ?? '-',
      entry.commands.map(commandText).join('\n') || '-',
    ]);
  }
  const rejected = member.rejected.map((rejection) => `  rejected ${rejection.id}: ${rejection.reason}`).join('\n');
  const timeline = member.timeline.length > 0 ? table.toString() : '  (no changes)';
  return [summary(member), timeline, rejected].filter(Boolean).join('\n');
}
