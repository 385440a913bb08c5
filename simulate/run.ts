// `standing simulate` without the command line: the association's rules over a billing history,
// on a simulated clock (spec section 8). Sends nothing anywhere.
import { findMembershipType } from '../machines/association.js';
import { Membership } from '../machines/membership.js';
import type { MemberView } from '../machines/view.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { InputError, LocatedEvent, ParsedHistory } from '../schemas/parse.js';
import { simulateMemberAsRun } from './as-run.js';
import { byMember, inMemberOrder } from './by-member.js';
import type { TakenConfiguration } from './as-run.js';

export interface SimulationResult {
  readonly members: MemberView[];
}

/** Events in `at` order; ties keep file order (Array.prototype.sort is stable). */
export function inTimeOrder(events: readonly LocatedEvent[]): LocatedEvent[] {
  return events
    .map((located) => ({ located, at: Date.parse(located.event.at) }))
    .sort((a, b) => a.at - b.at)
    .map(({ located }) => located);
}

/**
 * What makes a history unusable as a whole (spec section 3): a member whose first event is not
 * joined or imported, or a membership type the configuration does not define.
 */
export function findBadInput(
  association: AssociationConfig,
  configFile: string,
  eventsFile: string,
  ordered: readonly LocatedEvent[],
): InputError[] {
  const errors: InputError[] = [];
  const started = new Set<string>();
  const defined = association.membershipTypes.map((type) => type.code).join(', ');
  for (const { line, event } of ordered) {
    if (!started.has(event.memberId)) {
      started.add(event.memberId);
      if (event.type !== 'joined' && event.type !== 'imported') {
        errors.push({
          file: eventsFile,
          line,
          field: 'type',
          message: `the first event for member ${event.memberId} must be joined or imported, not ${event.type}`,
        });
      }
    }
    if ('membershipType' in event && !findMembershipType(association, event.membershipType)) {
      errors.push({
        file: eventsFile,
        line,
        field: 'membershipType',
        message: `${event.membershipType} is not defined in ${configFile} (defined: ${defined})`,
      });
    }
  }
  return errors;
}

/**
 * Applies `ordered` events up to and including `until`, firing every timer due by then, and
 * yields each member's view in memberId order. Members never affect one another, so each is run to
 * the end on its own: the same result as one interleaved clock, with one live statechart at a time
 * and nothing kept once a member's view is handed on.
 */
export function* simulateMembers(
  association: AssociationConfig,
  ordered: readonly LocatedEvent[],
  until: number,
): Generator<MemberView> {
  // Events after `until` are not applied (ordered, so they are the tail).
  const due = ordered.findIndex(({ event }) => Date.parse(event.at) > until);
  const events = byMember(
    (due < 0 ? ordered : ordered.slice(0, due)).map(({ event }) => event),
    (event) => event.memberId,
  );
  for (const memberId of inMemberOrder(events.keys())) {
    const member = Membership.create(association, memberId);
    for (const event of events.get(memberId)!) member.apply(event);
    events.delete(memberId);
    member.advanceTo(until);
    const view = member.view();
    if (view) yield view;
  }
}

/** The whole simulation at once, as spec section 8 prints it. */
export function simulate(
  association: AssociationConfig,
  ordered: readonly LocatedEvent[],
  until: number,
): SimulationResult {
  return { members: [...simulateMembers(association, ordered, until)] };
}

/** The default `--until`: the last event's moment. */
export function lastEventAt(ordered: readonly LocatedEvent[]): number {
  return ordered.length === 0 ? Number.NEGATIVE_INFINITY : Date.parse(ordered[ordered.length - 1]!.event.at);
}

/**
 * The configurations each member of an export took (its `configured` lines, in order), or the
 * problems: a member with events and no `configured` line cannot be run as it ran.
 */
export function configurationsTaken(
  history: ParsedHistory,
  eventsFile: string,
): { byMember: Map<string, TakenConfiguration[]>; problems: InputError[] } {
  const taken = byMember(history.configured, ({ configured }) => configured.memberId);
  const configurations = new Map(
    [...taken].map(([memberId, lines]) => [
      memberId,
      lines.map(({ configured }) => ({
        association: history.configurations.get(configured.version)!,
        at: configured.at,
      })),
    ]),
  );
  const problems: InputError[] = [];
  const reported = new Set<string>();
  for (const { line, event } of history.events) {
    if (configurations.has(event.memberId) || reported.has(event.memberId)) continue;
    reported.add(event.memberId);
    problems.push({
      file: eventsFile,
      line,
      field: 'memberId',
      message: `member ${event.memberId} has no configured line: --as-run needs the configurations of an export (standing export), or use --config`,
    });
  }
  return { byMember: configurations, problems };
}

/** As simulateMembers, each member under the configurations it took (simulate/as-run.ts). */
export function* simulateMembersAsRun(
  configurations: ReadonlyMap<string, readonly TakenConfiguration[]>,
  ordered: readonly LocatedEvent[],
  until: number,
): Generator<MemberView> {
  const events = byMember(
    ordered.map(({ event }) => event),
    (event) => event.memberId,
  );
  for (const memberId of inMemberOrder(events.keys())) {
    const view = simulateMemberAsRun(memberId, configurations.get(memberId)!, events.get(memberId)!, until);
    events.delete(memberId);
    if (view) yield view;
  }
}
