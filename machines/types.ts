// The member record the statechart carries, and the events it takes.
import type { Change, ProviderName } from '../schemas/association.js';
import type { MemberState, MemberStatus, ProviderIds, Role } from '../schemas/events.js';
import type { Instant, LocalDate } from './calendar.js';
import type { Ledger, LedgerEffects } from './ledger.js';
import type { ProviderCommand } from './providers.js';

export type { Change, MemberState, MemberStatus, ProviderIds, ProviderName, Role };

/** Timer names, as they appear in a timeline's `cause` after `timer:`. */
export type DeadlineName = 'expired' | 'graceEnded' | 'dropAfterSuspension';

export interface Deadline {
  readonly name: DeadlineName;
  readonly at: Instant;
}

/** Which reversal caused a change (spec v1.1, 4a), so staff reading the timeline can find it. */
export interface ReversalNote {
  /** The `paymentReversed` event's id. */
  readonly eventId: string;
  readonly paymentId: string;
  /** The amount taken back (the event's, or what remained of the payment). */
  readonly amount: number;
  readonly reason?: string;
}

export interface TimelineEntry {
  readonly at: string;
  readonly cause: string;
  readonly change: Change;
  readonly from: MemberState;
  readonly to: MemberState;
  readonly memberStatus: MemberStatus | null;
  readonly commands: readonly ProviderCommand[];
  /** Only on a change caused by `paymentReversed`. */
  readonly reversal?: ReversalNote;
}

export interface Suspension {
  readonly since: LocalDate;
  readonly reason: string;
}

/** The lifecycle facts the statechart keeps; billing facts (the ledger) arrive with its events. */
export interface MemberContext {
  readonly memberId: string;
  readonly membershipType: string;
  readonly role: Role;
  readonly joinDate: LocalDate | null;
  readonly memberStatus: MemberStatus | null;
  readonly memberStatusDate: LocalDate | null;
  readonly everDropped: boolean;
  readonly terminateDate: LocalDate | null;
  readonly suspension: Suspension | null;
  /**
   * The day the grace period counts from at the earliest, in pastDue: set when staff reactivate into
   * pastDue or a reversal puts an active member back in pastDue (that day), and kept at the grace
   * start it had when a reversal moves paidThrough back in pastDue (the grace timer never comes earlier).
   */
  readonly graceRestartedOn: LocalDate | null;
  readonly providers: Readonly<Record<ProviderName, string | null>>;
  /**
   * The member's ids at the providers, only those known (spec v1.1). They address deliveries and
   * change no rule; the spec's member view leaves them out. Absent from contexts saved before them.
   */
  readonly providerIds: ProviderIds;
}

/** What the statechart emits when it records a change; the membership appends it to the timeline. */
export interface ChangeRecorded {
  readonly type: 'changeRecorded';
  readonly entry: TimelineEntry;
}

/**
 * Every machine event carries its moment, its local date, what caused it (an event type or
 * `timer:<name>`), and paidThrough as the ledger has it once the event is applied.
 */
interface Stamped {
  readonly at: Instant;
  readonly today: LocalDate;
  readonly cause: string;
  readonly paidThrough: LocalDate | null;
}

export type MachineEvent = Stamped &
  (
    | {
        readonly type: 'joined';
        readonly membershipType: string;
        readonly role: Role;
        readonly providerIds: ProviderIds;
      }
    | {
        readonly type: 'imported';
        readonly membershipType: string;
        readonly role: Role;
        readonly state: MemberState;
        readonly joinDate: LocalDate | null;
        readonly memberStatus: MemberStatus | null;
        readonly providerIds: ProviderIds;
      }
    /** Sent only when the change has an effect a guard can read; the ledger is as it is after it. */
    | {
        readonly type: 'ledgerChanged';
        readonly ledger: Ledger;
        readonly effects: LedgerEffects;
        /** Present when a `paymentReversed` caused it. */
        readonly reversal?: ReversalNote;
      }
    | { readonly type: 'suspended'; readonly reason: string }
    | { readonly type: 'reactivated' }
    | { readonly type: 'dropped' }
    | { readonly type: 'membershipTypeChanged'; readonly membershipType: string }
    | { readonly type: 'roleChanged'; readonly role: Role }
    /** Sets the ids it names and leaves the others. */
    | { readonly type: 'providerIdsChanged'; readonly providerIds: ProviderIds }
    | { readonly type: 'timer.expired' }
    | { readonly type: 'timer.graceEnded' }
    | { readonly type: 'timer.dropAfterSuspension' }
  );
