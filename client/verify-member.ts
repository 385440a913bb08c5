// `standing verify` for one member, without Temporal: the member's exported history simulated by
// the rules (in `at` order, under each configuration it ran under from the moment it got it, up to
// the workflow's last step), compared with what its workflow published: state, paid-through and
// member status. Where they differ, the first change where the live timeline and the simulated one
// part, and what may explain it (an event the workflow applied at another moment than its `at`).
import { Membership } from '../machines/membership.js';
import type { TimelineEntry } from '../machines/types.js';
import type { MemberView } from '../machines/view.js';
import { simulateMemberAsRun, standingOf } from '../simulate/as-run.js';
import type { Standing } from '../simulate/as-run.js';
import type { MemberHistory, Published } from './member-history.js';

export interface Divergence {
  readonly memberId: string;
  readonly live: Standing;
  readonly simulated: Standing;
  /** The first timeline entry where the two part (index into both), once the live timeline is known. */
  readonly firstDifference?: FirstDifference;
  /** Events the workflow applied at another moment than their `at`: late (after a later one) or early. */
  readonly appliedOutOfOrder: readonly { readonly id: string; readonly at: string; readonly appliedAt: string }[];
}

export interface FirstDifference {
  readonly index: number;
  readonly live: TimelineEntry | null;
  readonly simulated: TimelineEntry | null;
}

/** The member as the rules make it from its history, up to `until` (simulate/as-run.ts). */
export function simulateAsRun(history: MemberHistory, until: number): MemberView | null {
  return simulateMemberAsRun(
    history.memberId,
    history.configurations,
    history.applied.map(({ event }) => event),
    until,
  );
}

function livePart(published: Published): Standing {
  return { state: published.state, paidThrough: published.paidThrough, memberStatus: published.memberStatus };
}

/** Null when the member's workflow published what the rules make of its history; else how they differ. */
export function verifyMember(history: MemberHistory): Divergence | null {
  const simulated = standingOf(simulateAsRun(history, Date.parse(history.published.asOf)));
  const live = livePart(history.published);
  if (
    simulated.state === live.state &&
    simulated.paidThrough === live.paidThrough &&
    simulated.memberStatus === live.memberStatus
  )
    return null;
  return { memberId: history.memberId, live, simulated, appliedOutOfOrder: outOfOrder(history) };
}

/** Adds the first change where the live member's timeline and the simulated one part. */
export function withFirstDifference(
  divergence: Divergence,
  history: MemberHistory,
  liveTimeline: readonly TimelineEntry[],
): Divergence {
  const simulated = simulateAsRun(history, Date.parse(history.published.asOf))?.timeline ?? [];
  return {
    ...divergence,
    firstDifference: firstDifference(liveTimeline, simulated) ?? undefined,
  };
}

export function firstDifference(
  live: readonly TimelineEntry[],
  simulated: readonly TimelineEntry[],
): FirstDifference | null {
  const length = Math.max(live.length, simulated.length);
  for (let index = 0; index < length; index += 1) {
    const a = live[index] ?? null;
    const b = simulated[index] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) return { index, live: a, simulated: b };
  }
  return null;
}

/**
 * Events applied at another moment than their `at`, found by running the member as its workflow
 * did (each event at the moment it arrived, deadlines fired as time passed): late ones, dated
 * before the member's last change or event when they arrived (the workflow applied them at its
 * last step: a timeline never runs backwards), and early ones, dated after they arrived (the
 * workflow applies an event no later than now).
 */
function outOfOrder(history: MemberHistory): Divergence['appliedOutOfOrder'] {
  const [first, ...later] = history.configurations;
  if (!first) return [];
  const member = Membership.create(first.association, history.memberId);
  const found: { id: string; at: string; appliedAt: string }[] = [];
  let latest = Number.NEGATIVE_INFINITY;
  let next = 0;
  for (const { event, appliedAt } of history.applied) {
    const arrived = Date.parse(appliedAt);
    for (; next < later.length && Date.parse(later[next]!.at) <= arrived; next += 1) {
      member.advanceTo(Date.parse(later[next]!.at));
      try {
        member.reconfigure(later[next]!.association);
      } catch {
        // kept the configuration, as the workflow did
      }
    }
    // Deadlines due before the event arrived had fired by then.
    member.advanceTo(arrived - 1);
    const lastChange = member.changes.at(-1);
    const last = Math.max(latest, lastChange ? Date.parse(lastChange.at) : Number.NEGATIVE_INFINITY);
    const at = Date.parse(event.at);
    if (at < last || at > arrived) found.push({ id: event.id, at: event.at, appliedAt });
    latest = Math.max(latest, Math.min(at, arrived));
    member.apply(event, arrived);
    member.advanceTo(arrived);
  }
  return found;
}
