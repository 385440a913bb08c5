// One member run by the rules as it ran: its events in `at` order (ties in the order given), under
// each configuration it took, from the moment it took it (deadlines due before then fire under the
// one before, as in the workflow). `standing simulate --as-run` and `standing verify` share it.
import { Membership } from '../machines/membership.js';
import type { MemberView } from '../machines/view.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';

export interface TakenConfiguration {
  readonly association: AssociationConfig;
  /** From when; the first one's is ignored (a member starts under its first configuration). */
  readonly at: string;
}

export function simulateMemberAsRun(
  memberId: string,
  configurations: readonly TakenConfiguration[],
  events: readonly LifecycleEvent[],
  until: number,
): MemberView | null {
  const [first, ...later] = configurations;
  if (!first) throw new Error(`member ${memberId} has no configuration`);
  const member = Membership.create(first.association, memberId);
  const ordered = events
    .map((event, order) => ({ event, at: Date.parse(event.at), order }))
    .sort((a, b) => a.at - b.at || a.order - b.order);
  let next = 0;
  const applyUpTo = (moment: number) => {
    for (; next < ordered.length && ordered[next]!.at <= moment && ordered[next]!.at <= until; next += 1)
      member.apply(ordered[next]!.event);
  };
  for (const configuration of later) {
    const from = Date.parse(configuration.at);
    if (from > until) break;
    applyUpTo(from);
    member.advanceTo(from);
    try {
      member.reconfigure(configuration.association);
    } catch {
      // The workflow kept its configuration too (one that no longer defines the member's type).
    }
  }
  applyUpTo(until);
  member.advanceTo(until);
  return member.view();
}

/** Where a member stands, the part verify and what-if compare: its state, paid-through and member status. */
export interface Standing {
  readonly state: string | null;
  readonly paidThrough: string | null;
  readonly memberStatus: string | null;
}

export function standingOf(view: MemberView | null): Standing {
  return {
    state: view?.state ?? null,
    paidThrough: view?.paidThrough ?? null,
    memberStatus: view?.memberStatus ?? null,
  };
}
