// One member's lifecycle: applies events and fires deadlines through the statechart, in time order.
// The same class runs under `standing simulate` (a simulated clock) and inside the Temporal workflow
// (durable timers), so the two cannot drift apart.
import { createActor } from 'xstate';
import type { Actor } from 'xstate';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';
import { findMembershipType, membershipTypeOf } from './association.js';
import { dateOf } from './calendar.js';
import type { Instant } from './calendar.js';
import { deadlinesFor } from './deadlines.js';
import {
  MemberLedgerArchive,
  archiveConsumed,
  emptyLedger,
  issueInvoice,
  postPayment,
  resettle,
  restartPaidThrough,
  reversePayment,
  voidInvoice,
} from './ledger.js';
import type { Ledger, LedgerChange, LedgerResult, SavedLedgerArchive } from './ledger.js';
import { membershipMachineFor } from './statechart.js';
import type { MembershipMachine } from './statechart.js';
import { notFitting } from './rejections.js';
import type {
  Deadline,
  MachineEvent,
  MemberContext,
  MemberState,
  ProviderIds,
  ReversalNote,
  Role,
  TimelineEntry,
} from './types.js';
import { memberView } from './view.js';
import type { MemberView, Rejection } from './view.js';

/** Everything needed to rebuild a membership: plain JSON, carried across continue-as-new. */
export interface MembershipSnapshot {
  readonly state: MemberState | 'none';
  readonly context: MemberContext;
  readonly ledger: Ledger;
  readonly archive: SavedLedgerArchive;
  readonly timeline: readonly TimelineEntry[];
  /** The moment of the last step applied (null before the first); nothing is ever applied before it. */
  readonly clock: Instant | null;
  readonly seenEventIds: readonly string[];
  readonly rejected: readonly Rejection[];
}

export type ApplyResult =
  | { readonly outcome: 'applied' }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'rejected'; readonly reason: string };

/** What an event would do to the member now (`Membership.preview`). */
export interface Preview {
  readonly outcome: ApplyResult['outcome'];
  readonly reason?: string;
  readonly from: MemberState | null;
  readonly to: MemberState | null;
}

/**
 * What one lifecycle event does: the statechart events to send (none when it cannot move the
 * state), and the ledger as it stands once they are applied, with what to archive.
 */
type Prepared =
  | { readonly events: readonly MachineEvent[]; readonly ledger?: Ledger; readonly archive?: LedgerChange }
  | { readonly reason: string };

export class Membership {
  private machine: MembershipMachine;
  private actor: Actor<MembershipMachine>;
  private association: AssociationConfig;
  private clock: Instant;
  /** The earliest deadline, computed once per step (undefined = not computed since the last step). */
  private next: Deadline | null | undefined;
  private ledger: Ledger;
  private readonly archive: MemberLedgerArchive;
  private readonly timeline: TimelineEntry[];
  private readonly seen: Set<string>;
  private readonly rejected: Rejection[];

  private constructor(association: AssociationConfig, from: MembershipSnapshot | { memberId: string }) {
    this.association = association;
    this.machine = membershipMachineFor(association);
    const saved = 'context' in from ? from : null;
    this.clock = saved?.clock ?? Number.NEGATIVE_INFINITY;
    this.archive = new MemberLedgerArchive(saved?.archive);
    this.ledger = saved ? currentLedger(saved.ledger, this.archive) : emptyLedger;
    this.timeline = [...(saved?.timeline ?? [])];
    this.seen = new Set(saved?.seenEventIds);
    this.rejected = [...(saved?.rejected ?? [])];
    this.actor = this.startActor(from);
  }

  static create(association: AssociationConfig, memberId: string): Membership {
    return new Membership(association, { memberId });
  }

  static restore(association: AssociationConfig, snapshot: MembershipSnapshot): Membership {
    return new Membership(association, snapshot);
  }

  get state(): MemberState | 'none' {
    return this.actor.getSnapshot().value;
  }

  /** The member's current role (M1 takes commands from the primary association only). */
  get role(): Role {
    return this.actor.getSnapshot().context.role;
  }

  /** The member's ids at the providers (spec v1.1), for the runtime to address deliveries by. */
  get providerIds(): ProviderIds {
    return this.actor.getSnapshot().context.providerIds;
  }

  /** The recorded changes so far, read without a copy (provider deliveries are derived from it). */
  get changes(): readonly TimelineEntry[] {
    return this.timeline;
  }

  get memberId(): string {
    return this.actor.getSnapshot().context.memberId;
  }

  /**
   * Applies one validated event: first every deadline due at or before its moment fires, then the
   * event itself. Its moment is its `at`, except that an event stamped before the last step is
   * applied at the last step's moment (the timeline never runs backwards), and, when a runtime
   * passes `now`, an event stamped in the future is applied now (it cannot fire tomorrow's timers).
   */
  apply(event: LifecycleEvent, now?: Instant): ApplyResult {
    if (this.seen.has(event.id)) return { outcome: 'duplicate' };
    const at = this.momentOf(event, now);
    this.advanceTo(at);
    const prepared = this.prepare(event, at);
    this.seen.add(event.id);
    if ('reason' in prepared) {
      this.rejected.push({ id: event.id, reason: prepared.reason });
      return { outcome: 'rejected', reason: prepared.reason };
    }
    for (const machineEvent of prepared.events) this.send(machineEvent);
    if (prepared.ledger) this.ledger = prepared.ledger;
    if (prepared.archive) this.archive.record(prepared.archive);
    this.clock = at;
    this.next = undefined;
    return { outcome: 'applied' };
  }

  /**
   * What `apply` would answer, without changing anything (for Update validators). `apply` fires the
   * deadlines due by the event's moment first, so the event is judged against the member they leave:
   * a suspended member past its drop deadline is terminated by then, and cannot be reactivated.
   */
  check(event: LifecycleEvent, now?: Instant): ApplyResult {
    if (this.seen.has(event.id)) return { outcome: 'duplicate' };
    const at = this.momentOf(event, now);
    const next = this.nextDeadline();
    // Firing deadlines changes the member, so they fire on a copy; mostly none is due (a runtime
    // fires each on time), and the member answers for itself.
    const member = next !== null && next.at <= at ? this.copy() : this;
    if (member !== this) member.advanceTo(at);
    const prepared = member.prepare(event, at);
    return 'reason' in prepared ? { outcome: 'rejected', reason: prepared.reason } : { outcome: 'applied' };
  }

  /**
   * What the event would do now, on a copy (for dry runs): `from` is the state the event meets (once
   * the deadlines due by its moment have fired), `to` the state after it and the deadlines due up to
   * `now`; an event that is refused or a repeat leaves `to` as `from`.
   */
  preview(event: LifecycleEvent, now: Instant): Preview {
    const copy = this.copy();
    copy.advanceTo(copy.momentOf(event, now));
    const from = copy.stateOrNull();
    const result = copy.apply(event, now);
    if (result.outcome !== 'applied') return { ...result, from, to: from };
    copy.advanceTo(now);
    return { outcome: 'applied', from, to: copy.stateOrNull() };
  }

  /** Pending deadlines, earliest first; one already past falls at the last step's moment. */
  deadlines(): Deadline[] {
    const snapshot = this.actor.getSnapshot();
    return deadlinesFor(snapshot.value, snapshot.context, this.ledger.paidThrough, this.association, this.clock).sort(
      (a, b) => a.at - b.at,
    );
  }

  nextDeadline(): Deadline | null {
    if (this.next === undefined) this.next = this.deadlines()[0] ?? null;
    return this.next;
  }

  /** Fires, earliest first, every deadline due at or before `until`. Returns how many fired. */
  advanceTo(until: Instant): number {
    let fired = 0;
    for (let next = this.nextDeadline(); next !== null && next.at <= until; next = this.nextDeadline()) {
      this.fire(next);
      fired += 1;
    }
    return fired;
  }

  /** Fires one deadline (a durable timer went off). */
  fire(deadline: Deadline): void {
    const before = this.state;
    this.send({
      type: `timer.${deadline.name}`,
      at: deadline.at,
      today: dateOf(deadline.at, this.association.association.timezone),
      cause: `timer:${deadline.name}`,
      paidThrough: this.ledger.paidThrough,
    });
    if (this.state === before) {
      // A deadline always moves the member on; anything else would fire forever.
      throw new Error(`deadline ${deadline.name} did not move member ${this.memberId} out of ${before}`);
    }
    this.clock = Math.max(this.clock, deadline.at);
    this.next = undefined;
  }

  /** The member as spec section 8 shows it, or null before the first joined/imported event. */
  view(): MemberView | null {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.value === 'none') return null;
    return memberView(
      snapshot.value,
      snapshot.context,
      this.ledger.paidThrough,
      [...this.timeline],
      [...this.rejected],
      this.association,
    );
  }

  snapshot(): MembershipSnapshot {
    const { value, context } = this.actor.getSnapshot();
    return {
      state: value,
      context,
      ledger: this.ledger,
      archive: this.archive.save(),
      timeline: [...this.timeline],
      clock: Number.isFinite(this.clock) ? this.clock : null,
      seenEventIds: [...this.seen],
      rejected: [...this.rejected],
    };
  }

  /** Runs on a new association configuration from now on; deadlines are recomputed from it. */
  reconfigure(association: AssociationConfig): void {
    const { value, context } = this.actor.getSnapshot();
    if (value !== 'none') membershipTypeOf(association, context.membershipType);
    this.actor.stop();
    this.association = association;
    this.machine = membershipMachineFor(association);
    this.actor = this.startActor({ state: value, context });
    this.next = undefined;
  }

  /** An independent copy, to try things on. */
  private copy(): Membership {
    return new Membership(this.association, this.snapshot());
  }

  private stateOrNull(): MemberState | null {
    const state = this.state;
    return state === 'none' ? null : state;
  }

  private momentOf(event: LifecycleEvent, now: Instant | undefined): Instant {
    const stamped = Math.max(Date.parse(event.at), this.clock);
    return now === undefined ? stamped : Math.max(Math.min(stamped, now), this.clock);
  }

  private startActor(
    from: Pick<MembershipSnapshot, 'state' | 'context'> | { memberId: string },
  ): Actor<MembershipMachine> {
    const actor =
      'context' in from
        ? createActor(this.machine, {
            snapshot: this.machine.resolveState({ value: from.state, context: currentContext(from.context) }),
            input: { memberId: from.context.memberId },
          })
        : createActor(this.machine, { input: { memberId: from.memberId } });
    // Without an error observer XState reports errors via a zero-delay setTimeout, which the
    // workflow sandbox refuses; send() reads the snapshot's error instead.
    actor.subscribe({ error: () => undefined });
    actor.on('changeRecorded', ({ entry }) => this.timeline.push(entry));
    actor.start();
    return actor;
  }

  private send(event: MachineEvent): void {
    this.actor.send(event);
    this.next = undefined;
    const snapshot = this.actor.getSnapshot();
    if (snapshot.status === 'error') throw snapshot.error;
  }

  /** Turns a lifecycle event into statechart events and a new ledger, or the reason it does not fit. */
  private prepare(event: LifecycleEvent, at: Instant): Prepared {
    const state = this.state;
    if (state === 'none' && event.type !== 'joined' && event.type !== 'imported')
      return { reason: notFitting(state, event.type) };
    const ledger = this.ledger;
    const today = dateOf(at, this.association.association.timezone);
    const stamp: Stamp = { at, today, cause: event.type, paidThrough: ledger.paidThrough };
    switch (event.type) {
      case 'joined': {
        // A rejoin starts paid-through afresh.
        const restart = state === 'terminated' ? restartPaidThrough(ledger) : undefined;
        const joined: MachineEvent = {
          ...stamp,
          paidThrough: restart ? null : ledger.paidThrough,
          type: 'joined',
          membershipType: event.membershipType,
          role: event.role,
          providerIds: event.providerIds ?? {},
        };
        const prepared = this.unknownType(event.membershipType) ?? this.fitting(event, joined, restart?.ledger);
        return restart && !('reason' in prepared) ? { ...prepared, archive: restart } : prepared;
      }
      case 'imported': {
        // Paid-through is counted from the imported value (spec 4a).
        const paidThrough = event.paidThrough ?? null;
        const after = { ...ledger, paidThrough, startingPaidThrough: paidThrough };
        const imported: MachineEvent = {
          ...stamp,
          paidThrough: after.paidThrough,
          type: 'imported',
          membershipType: event.membershipType,
          role: event.role,
          state: event.state,
          joinDate: event.joinDate ?? null,
          memberStatus: event.memberStatus ?? null,
          providerIds: event.providerIds ?? {},
        };
        return this.unknownType(event.membershipType) ?? this.fitting(event, imported, after);
      }
      case 'invoiceIssued': {
        // "Due on receipt": the date of the invoice's own `at`, even when it is applied late.
        const dueDate = event.dueDate ?? dateOf(Date.parse(event.at), this.association.association.timezone);
        return this.billing(stamp, issueInvoice(ledger, this.archive, { ...event, dueDate }, this.activationPercent()));
      }
      case 'paymentPosted':
        return this.billing(stamp, postPayment(ledger, this.archive, event, this.activationPercent()));
      case 'invoiceVoided':
        return this.billing(stamp, voidInvoice(ledger, this.archive, event.invoiceId));
      case 'paymentReversed': {
        const reversed = reversePayment(ledger, this.archive, event, this.activationPercent());
        if (!reversed.ok) return this.billing(stamp, reversed);
        // The timeline names the reversal that moved the member (the amount as it resolved).
        const before = this.archive.payment(event.paymentId)!;
        const reversal: ReversalNote = {
          eventId: event.id,
          paymentId: event.paymentId,
          amount: event.amount ?? before.amount - before.reversed,
          ...(event.reason === undefined ? {} : { reason: event.reason }),
        };
        return this.billing(stamp, reversed, reversal);
      }
      case 'suspended':
        return this.fitting(event, { ...stamp, type: 'suspended', reason: event.reason });
      case 'reactivated':
      case 'dropped':
        return this.fitting(event, { ...stamp, type: event.type });
      case 'roleChanged':
        return this.fitting(event, { ...stamp, type: 'roleChanged', role: event.role });
      case 'providerIdsChanged':
        return this.fitting(event, { ...stamp, type: 'providerIdsChanged', providerIds: event.providerIds });
      case 'membershipTypeChanged': {
        const unknown = this.unknownType(event.membershipType);
        if (unknown) return unknown;
        const typeChange = this.fitting(event, {
          ...stamp,
          type: 'membershipTypeChanged',
          membershipType: event.membershipType,
        });
        if ('reason' in typeChange) return typeChange;
        // The new type's activation share may settle invoices the old one did not.
        const resettled = this.billing(
          stamp,
          resettle(ledger, membershipTypeOf(this.association, event.membershipType).activationPercent),
        );
        return 'reason' in resettled
          ? typeChange
          : { ...resettled, events: [...typeChange.events, ...resettled.events] };
      }
    }
  }

  /** A command the statechart takes only in some states: it fits when a transition is enabled. */
  private fitting(event: LifecycleEvent, machineEvent: MachineEvent, after?: Ledger): Prepared {
    const snapshot = this.actor.getSnapshot();
    if (!snapshot.can(machineEvent)) return { reason: notFitting(snapshot.value, event.type) };
    return after ? { events: [machineEvent], ledger: after } : { events: [machineEvent] };
  }

  private unknownType(code: string): Prepared | null {
    if (findMembershipType(this.association, code)) return null;
    return { reason: `membershipType ${code} is not defined by association ${this.association.association.id}` };
  }

  private activationPercent(): number {
    return membershipTypeOf(this.association, this.actor.getSnapshot().context.membershipType).activationPercent;
  }

  /** A billing change: the statechart hears of it only when it has an effect a guard reads. */
  private billing(stamp: Stamp, result: LedgerResult, reversal?: ReversalNote): Prepared {
    if (!result.ok) return { reason: result.reason };
    const { effects, ledger } = result;
    if (
      !effects.duesSettled &&
      !effects.paidThroughAdvanced &&
      !effects.paymentApplied &&
      effects.paidThroughRetreatedFrom === null
    )
      return { events: [], ledger, archive: result };
    const changed: MachineEvent = {
      at: stamp.at,
      today: stamp.today,
      cause: stamp.cause,
      paidThrough: ledger.paidThrough,
      type: 'ledgerChanged',
      ledger,
      effects,
      ...(reversal ? { reversal } : {}),
    };
    return { events: [changed], ledger, archive: result };
  }
}

/**
 * A saved context as this version keeps it. Snapshots saved before `recordChange` emitted its change
 * directly carry a `lastChange` field (continue-as-new inputs in recorded histories); it is dropped.
 * Snapshots saved before provider ids have none: the member has no ids yet.
 */
function currentContext(context: MemberContext): MemberContext {
  const { lastChange: _dropped, ...current } = context as MemberContext & { lastChange?: unknown };
  return 'lastChange' in context || context.providerIds === undefined
    ? { ...current, providerIds: current.providerIds ?? {} }
    : context;
}

/**
 * A saved ledger as this version keeps it. Ledgers saved before reversals have no
 * startingPaidThrough: paid-through as it stood counts as the start (the archive kept no invoices
 * then, so what counted before cannot be told apart), and dues a rejoin consumed but left live are
 * archived now, as consumed, so they never count since that start.
 */
function currentLedger(ledger: Ledger, archive: MemberLedgerArchive): Ledger {
  if ((ledger as Partial<Ledger>).startingPaidThrough !== undefined) return ledger;
  const consumed = archiveConsumed({ ...ledger, startingPaidThrough: ledger.paidThrough });
  archive.record(consumed);
  return consumed.ledger;
}

/** The fields every statechart event carries. */
type Stamp = Pick<MachineEvent, 'at' | 'today' | 'cause' | 'paidThrough'>;
