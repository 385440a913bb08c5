// `standing what-if` without the command line: each member simulated under the configuration it
// runs under now and under a proposed one, over the same events up to the same moment, and what
// would differ: counts by change and year, each affected member's first point where the two
// timelines part, and the provider commands that would, or would not, have gone out. Pure.
import { DateTime } from 'luxon';
import type { TimelineEntry } from '../machines/types.js';
import type { MemberView } from '../machines/view.js';
import { standingOf } from './as-run.js';
import type { Standing } from './as-run.js';

/** A provider command as a timeline carries it, with when. */
export interface CommandAt {
  readonly at: string;
  readonly provider: string;
  readonly status: string;
}

export interface MemberWhatIf {
  readonly memberId: string;
  /** Where the member would stand now: under the current configuration, and under the proposed one. */
  readonly current: Standing;
  readonly proposed: Standing;
  /** The first timeline entry where the two part (the same index in both; null: that side has none). */
  readonly parting: {
    readonly index: number;
    readonly current: TimelineEntry | null;
    readonly proposed: TimelineEntry | null;
  };
  /** The changes this member counts under (the report's `changes` keys). */
  readonly changes: readonly string[];
  /** Commands sent under the current configuration that the proposed one would not send, and the reverse. */
  readonly commandsNotSent: readonly CommandAt[];
  readonly commandsSent: readonly CommandAt[];
}

export interface WhatIfReport {
  readonly members: number;
  readonly differing: number;
  /** Members by change, most first: `{ change: "would not have been suspended in 2026", members: 38 }`. */
  readonly changes: readonly { readonly change: string; readonly members: number }[];
  readonly affected: readonly MemberWhatIf[];
}

const words: Record<string, string> = {
  activated: 'activated',
  renewed: 'renewed',
  pastDue: 'past due',
  suspended: 'suspended',
  reactivated: 'reactivated',
  dropped: 'dropped',
};

function commandsOf(timeline: readonly TimelineEntry[]): CommandAt[] {
  return timeline.flatMap((entry) =>
    entry.commands
      .filter((command) => command.outcome === 'sent')
      .map((command) => ({ at: entry.at, provider: command.provider, status: command.status })),
  );
}

/** Commands in `a` not matched one for one in `b` (same moment, provider and status). */
function unmatched(a: readonly CommandAt[], b: readonly CommandAt[]): CommandAt[] {
  const left = new Map<string, number>();
  for (const c of b) {
    const key = JSON.stringify(c);
    left.set(key, (left.get(key) ?? 0) + 1);
  }
  return a.filter((c) => {
    const key = JSON.stringify(c);
    const n = left.get(key) ?? 0;
    if (n === 0) return true;
    left.set(key, n - 1);
    return false;
  });
}

/**
 * The changes a member counts under: for each kind of change, the n-th one under each
 * configuration paired; paired at different moments, it would come earlier or later; unpaired,
 * it would (not) have happened in its year (the association's zone); and where the member would
 * stand now, if that differs.
 */
function changesOf(current: MemberView | null, proposed: MemberView | null, zone: string): string[] {
  const found = new Set<string>();
  const year = (entry: TimelineEntry) => DateTime.fromISO(entry.at, { zone }).year;
  for (const kind of Object.keys(words)) {
    const a = (current?.timeline ?? []).filter((entry) => entry.change === kind);
    const b = (proposed?.timeline ?? []).filter((entry) => entry.change === kind);
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
      const x = a[i];
      const y = b[i];
      if (x && y) {
        if (x.at < y.at) found.add(`would be ${words[kind]} later`);
        else if (x.at > y.at) found.add(`would be ${words[kind]} earlier`);
      } else if (x) found.add(`would not have been ${words[kind]} in ${year(x)}`);
      else if (y) found.add(`would have been ${words[kind]} in ${year(y)}`);
    }
  }
  const now = [current?.state ?? 'none', proposed?.state ?? 'none'];
  if (now[0] !== now[1]) found.add(`would now be ${now[1]} instead of ${now[0]}`);
  if ((current?.paidThrough ?? null) !== (proposed?.paidThrough ?? null))
    found.add('would be paid through another day');
  if ((current?.memberStatus ?? null) !== (proposed?.memberStatus ?? null))
    found.add(
      `would now have member status ${proposed?.memberStatus ?? 'none'} instead of ${current?.memberStatus ?? 'none'}`,
    );
  return [...found];
}

/** Null when the member's two simulations are the same; else what differs. */
export function compareMember(
  current: MemberView | null,
  proposed: MemberView | null,
  zone: string,
): MemberWhatIf | null {
  if (JSON.stringify(current) === JSON.stringify(proposed)) return null;
  const a = current?.timeline ?? [];
  const b = proposed?.timeline ?? [];
  let index = 0;
  while (index < Math.max(a.length, b.length) && JSON.stringify(a[index]) === JSON.stringify(b[index])) index += 1;
  const commandsA = commandsOf(a);
  const commandsB = commandsOf(b);
  return {
    memberId: (current ?? proposed)!.memberId,
    current: standingOf(current),
    proposed: standingOf(proposed),
    parting: { index, current: a[index] ?? null, proposed: b[index] ?? null },
    changes: changesOf(current, proposed, zone),
    commandsNotSent: unmatched(commandsA, commandsB),
    commandsSent: unmatched(commandsB, commandsA),
  };
}

/** Gathers the members' comparisons into the report, a member at a time. */
export class WhatIfTally {
  private members = 0;
  private readonly affected: MemberWhatIf[] = [];
  private readonly counts = new Map<string, number>();

  add(difference: MemberWhatIf | null): void {
    this.members += 1;
    if (!difference) return;
    this.affected.push(difference);
    for (const change of difference.changes) this.counts.set(change, (this.counts.get(change) ?? 0) + 1);
  }

  report(): WhatIfReport {
    return {
      members: this.members,
      differing: this.affected.length,
      changes: [...this.counts]
        .map(([change, members]) => ({ change, members }))
        .sort((x, y) => y.members - x.members || x.change.localeCompare(y.change)),
      affected: this.affected,
    };
  }
}
