// The workflows' public surface: their type names, the task queue, the membership workflow's id,
// input, and the signals, Updates and queries that billing systems, staff tools and the CLI use.
// Imported by clients and workflows alike; what each message carries is a schema in schemas/messages.ts.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ProviderSyncView, SavedDeliveries } from '../machines/deliveries.js';
import type { MembershipSnapshot, Preview } from '../machines/membership.js';
import type { DeadlineName } from '../machines/types.js';
import type { MemberView } from '../machines/view.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent, ProviderIds } from '../schemas/events.js';
import type {
  ChangeProviderIdsCommand,
  ChangeRoleCommand,
  ChangeTypeCommand,
  Configuration,
  ProviderRepair,
  StaffAction,
  StaffCommand,
} from '../schemas/messages.js';

export type {
  ChangeProviderIdsCommand,
  ChangeRoleCommand,
  ChangeTypeCommand,
  Configuration,
  ProviderRepair,
  StaffAction,
  StaffCommand,
};

/**
 * The task queue every membership ran on before each association had its own. Memberships started
 * then stay on it (a run keeps its task queue across continue-as-new), so workers still serve it.
 */
export const TASK_QUEUE = 'standing';

/** An association's own task queue, unless its file names another: only workers holding its settings poll it. */
export function associationTaskQueue(associationId: string): string {
  return `standing/${associationId}`;
}

/**
 * The association a standing workflow acts for, from its id: every workflow id standing gives
 * (`membership/<association>/<member>`, `mass-<action>/<association>/<moment>`,
 * `reconcile-providers/<association>[/...]`, `unmatched-billing/<association>/<event>`) names it second. Association ids hold no slash.
 */
export function associationOfWorkflowId(workflowId: string): string | undefined {
  const [, association] = workflowId.split('/');
  return association === undefined || association === '' ? undefined : association;
}

/**
 * The workflow types a worker registers, by the names clients start them with. workflows/index.ts
 * fails to compile unless it exports exactly these functions.
 */
export const workflowTypes = {
  membership: 'membershipWorkflow',
  reconciliation: 'reconciliationWorkflow',
  massChange: 'massChangeWorkflow',
  unmatchedBilling: 'unmatchedBillingWorkflow',
} as const;
export type WorkflowTypeName = (typeof workflowTypes)[keyof typeof workflowTypes];

/** One report per billing event standing could not apply, found by association and the billing system's event id. */
export function unmatchedBillingWorkflowId(associationId: string, eventId: string): string {
  return `unmatched-billing/${associationId}/${eventId}`;
}

/** One workflow per membership, found by association and member. */
export function membershipWorkflowId(associationId: string, memberId: string): string {
  return `membership/${associationId}/${memberId}`;
}

export interface MembershipWorkflowInput {
  readonly association: AssociationConfig;
  /** A content hash of the configuration, kept in the memo so a broadcast skips members already on it. */
  readonly configVersion?: string;
  readonly memberId: string;
  /** Events to apply on start (an import, say), in order. */
  readonly events?: readonly LifecycleEvent[];
  /** The member as the previous run left it, when this run continues as new. */
  readonly carried?: MembershipSnapshot;
  readonly warnings?: readonly string[];
  /** Provider deliveries as the previous run left them (some may still be on their way). */
  readonly sync?: SavedDeliveries;
  /** Continue as new after this many events in one run (default 1,000), or when Temporal suggests it. */
  readonly continueAsNewAfter?: number;
}

/** A billing (or any spec section 3) event; a repeated id is ignored. */
export const lifecycleEventSignal = defineSignal<[LifecycleEvent]>('lifecycleEvent');

/**
 * One member's events in `at` order, applied one after another before any timer fires up to now:
 * how a billing history is backfilled (standing send) so the result equals simulate's.
 */
export const lifecycleEventsSignal = defineSignal<[readonly LifecycleEvent[]]>('lifecycleEvents');

/** A new association configuration: applies from now on, and timers are recomputed from it. */
export const configureSignal = defineSignal<[Configuration]>('configure');

export const suspendUpdate = defineUpdate<MemberView, [StaffCommand]>('suspend');
export const reactivateUpdate = defineUpdate<MemberView, [StaffCommand]>('reactivate');
export const dropUpdate = defineUpdate<MemberView, [StaffCommand]>('drop');
export const changeTypeUpdate = defineUpdate<MemberView, [ChangeTypeCommand]>('changeType');
export const changeRoleUpdate = defineUpdate<MemberView, [ChangeRoleCommand]>('changeRole');
/** Sets the member's ids at the providers it names; the new id gets the member's current status there. */
export const changeProviderIdsUpdate = defineUpdate<MemberView, [ChangeProviderIdsCommand]>('changeProviderIds');

export interface MemberStanding {
  readonly associationId: string;
  /** Null until a joined or imported event arrives. */
  readonly member: MemberView | null;
  /**
   * The member's ids at the providers (only those known; a provider without one is addressed by
   * memberId unless the association requires an id). Beside the member, which stays the spec's shape.
   * Absent from a worker older than provider ids.
   */
  readonly providerIds?: ProviderIds;
  readonly nextDeadline: { readonly name: DeadlineName; readonly at: string } | null;
  /**
   * The provider commands on their way and their outcomes, beside the member (which stays the
   * spec's shape, equal to simulate's). Null for a run started before provider sync existed.
   */
  readonly providerSync: ProviderSyncView | null;
  /** Input the workflow could not use (a malformed signal, a configuration without the member's type). */
  readonly warnings: readonly string[];
}

/** The member of spec section 8 (its timeline included), plus the next deadline. */
export const viewQuery = defineQuery<MemberStanding>('view');

/** Sends again every provider command that was refused and is still that provider's latest word. */
export const retryProviderSyncUpdate = defineUpdate<{ readonly retried: number }, []>('retryProviderSync');

/** Reconciliation asks the member's sender to tell a provider its status again. */
export const repairProviderSignal = defineSignal<[ProviderRepair]>('repairProvider');

/** What a staff command would do to the member now: applied (from → to), refused (why), or a repeat. */
export type StaffPreview = Preview;

/** A dry run of a staff command: nothing changes. */
export const previewStaffCommandQuery = defineQuery<StaffPreview, [StaffAction, StaffCommand]>('previewStaffCommand');
