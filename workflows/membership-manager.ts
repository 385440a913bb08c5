// What one run of a membership workflow holds and does: the member (the same Membership core
// `standing simulate` runs), its provider deliveries, the warnings it keeps, and what it publishes
// (search attributes, the UI's current details). Every signal, Update and query of the workflow
// delegates here; the workflow body (membership-workflow.ts) only registers them and waits.
import {
  log,
  patched,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ProviderDeliveries, addressAt } from '../machines/deliveries.js';
import type { StepContext } from '../machines/deliveries.js';
import { Membership } from '../machines/membership.js';
import type { Deadline } from '../machines/types.js';
import type { MemberView } from '../machines/view.js';
import { standingInWords } from '../machines/standing-in-words.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';
import {
  buildConfigurationSchema,
  providerRepairSchema,
  staffActionSchema,
  staffCommandSchema,
} from '../schemas/messages.js';
import type {
  MemberStanding,
  MembershipWorkflowInput,
  ProviderRepair,
  StaffCommand,
  StaffPreview,
} from './messages.js';
import { checkEvent, checkPayload, legacyEventProblem, payloadOrThrow } from './payload-checks.js';
import type { Verdict } from './payload-checks.js';
import { startProviderSenders as startSenders } from './provider-sync.js';
import { staffCommands, staffEvent } from './staff-events.js';
import type { StaffUpdate } from './staff-events.js';
import { PROVIDER_ACKS_MEMO, membershipSearchAttributes, searchAttributesOf } from './search-attributes.js';

const DEFAULT_CONTINUE_AS_NEW_AFTER = 1_000;
/** Warnings kept (the latest): a sender that keeps sending malformed events cannot grow the member without bound. */
export const MAX_WARNINGS = 50;

/**
 * Signals are checked against their schemas from this patch on. Runs recorded before it applied any
 * event with an id, a type, this member and a date (legacyEventProblem), and took configurations
 * and repairs unchecked; their histories replay that way.
 */
const VALIDATED_PAYLOADS = 'validated-payloads';

/**
 * From this patch on the member keeps what reconciliation compares in its memo (PROVIDER_ACKS_MEMO):
 * a memo upsert is a command, so histories recorded before it replay without.
 */
const RECONCILIATION_MEMO = 'reconciliation-memo';

/**
 * Every patch above, for a run this code (or later code) starts: one marker in its history instead
 * of one per patch (each marker also upserts Temporal's TemporalChangeVersion, a visibility write,
 * on every import and every continued run). A run whose history lacks it was started by older code
 * and asks each patch on its own, as it always did. With it, the run also takes the search
 * attributes and memo it was started with as already published, so it upserts only what differs.
 * The next patch is asked on its own (`current || patched(NEXT)` is wrong: a run started with this
 * baseline predates NEXT); the next baseline, when one is worth it, covers them all again.
 */
export const BASELINE = 'baseline-2026-11';

/**
 * From this patch on a `paymentReversed` signal is applied (spec v1.1, 4a). Before it the type was
 * unknown: the signal was refused with a warning and issued no command. Applying it now can issue
 * commands (a pastDue change and its provider deliveries, search attributes), so a history that
 * holds such a refused signal must replay it refused. Later than BASELINE, so asked on its own in
 * every run, and only when a reversal arrives, so no other history is marked.
 */
const PAYMENT_REVERSED = 'payment-reversed';

export class MembershipManager {
  private association: AssociationConfig;
  private configVersion: string | undefined;
  private readonly memberId: string;
  private readonly membership: Membership;
  /** Null for a run started before provider sync existed: its next run has it. */
  private readonly deliveries: ProviderDeliveries | null;
  private readonly warnings: string[];
  private readonly continueAsNewAfter: number;
  private eventsThisRun = 0;
  /** Search attributes as last upserted (name → value as text), so an unchanged one is not upserted again. */
  private readonly published = new Map<string, string>();
  /** The provider acknowledgements memo as last upserted (this run), so an unchanged one upserts nothing. */
  private memoPublished: string | undefined;
  private memoing: boolean;
  private validating: boolean;
  /** Set once PAYMENT_REVERSED is asked and holds in this run. */
  private reversing = false;
  private publishing = false;
  /** Set by every message; the workflow's wait for the next deadline ends on it. */
  woken = false;

  constructor(
    private readonly input: MembershipWorkflowInput,
    withProviderSync: boolean,
    /** Whether the run was started at BASELINE or later: every patch before it holds. */
    private readonly current = false,
  ) {
    this.memoing = current;
    this.validating = current;
    if (current) {
      // What the run was started with is published already (the client and continue-as-new set it).
      const started = workflowInfo().typedSearchAttributes;
      for (const key of Object.values(membershipSearchAttributes)) {
        // An attribute the run was not started with counts as published null: nothing to remove.
        this.published.set(key.name, textOf(started.get(key) ?? null));
      }
      const acks = workflowInfo().memo?.[PROVIDER_ACKS_MEMO];
      if (acks !== undefined) this.memoPublished = JSON.stringify(acks);
    }
    this.association = input.association;
    this.configVersion = input.configVersion;
    this.memberId = input.memberId;
    this.membership = input.carried
      ? Membership.restore(input.association, input.carried)
      : Membership.create(input.association, input.memberId);
    this.warnings = [...(input.warnings ?? [])].slice(-MAX_WARNINGS);
    this.continueAsNewAfter = input.continueAsNewAfter ?? DEFAULT_CONTINUE_AS_NEW_AFTER;
    this.deliveries = withProviderSync
      ? input.sync
        ? new ProviderDeliveries(input.sync)
        : ProviderDeliveries.startingAt(this.membership.changes.length)
      : null;
  }

  get hasProviderSync(): boolean {
    return this.deliveries !== null;
  }

  // Signals ------------------------------------------------------------------------------------

  /** One event (signal `lifecycleEvent`, or a start event), applied at its own moment. */
  receiveEvent(payload: unknown): void {
    this.applyOne(payload);
    this.woken = true;
    this.settle();
  }

  /** A member's events in `at` order (signal `lifecycleEvents`): each applied before timers fire up to now. */
  receiveEvents(payload: unknown): void {
    if (!Array.isArray(payload)) this.refuse('ignored a batch of events that is not an array');
    else for (const event of payload) this.applyOne(event);
    this.woken = true;
    this.settle();
  }

  /** A new association configuration (signal `configure`): applies from now on; timers are recomputed. */
  configure(payload: unknown): void {
    const verdict = this.validatesPayloads()
      ? checkPayload(buildConfigurationSchema(), payload)
      : { ok: true as const, value: payload as { association: AssociationConfig; version: string } };
    if (!verdict.ok) {
      this.refuse(`kept the previous configuration: ${verdict.problem}`);
    } else {
      const { association, version } = verdict.value;
      try {
        this.membership.reconfigure(association);
        this.association = association;
        this.configVersion = version;
        upsertMemo({ configVersion: version });
      } catch (error) {
        this.refuse(`kept the previous configuration: ${(error as Error).message}`);
      }
    }
    this.woken = true;
    this.settle();
  }

  /** Reconciliation's repair (signal `repairProvider`): the sender tells the provider again. */
  repairProvider(payload: unknown): void {
    const verdict = this.validatesPayloads()
      ? checkPayload(providerRepairSchema, payload)
      : { ok: true as const, value: payload as ProviderRepair };
    if (!verdict.ok) {
      this.refuse(`ignored a malformed provider repair: ${verdict.problem}`);
      return;
    }
    const refused = this.deliveries!.repair({
      ...verdict.value,
      at: new Date(Date.now()).toISOString(),
      keyBase: this.keyBase(),
      role: this.membership.role,
      address: addressAt(verdict.value.provider, this.stepContext()),
    });
    if (refused === null) this.publish();
  }

  // Updates ------------------------------------------------------------------------------------

  /** A staff Update's validator: refuses, naming the field or the reason, before anything reaches history. */
  validateStaffCommand(update: StaffUpdate, payload: unknown): void {
    const event = this.staffEvent(update, payloadOrThrow(staffCommands[update].schema, payload));
    const verdict = checkEvent(event, this.memberId);
    if (!verdict.ok) throw new Error(verdict.problem);
    const result = this.membership.check(verdict.value, Date.now());
    if (result.outcome === 'rejected') throw new Error(result.reason);
  }

  /** A staff Update that passed its validator: applied now; answers with the member. */
  applyStaffCommand(update: StaffUpdate, command: StaffCommand): MemberView {
    this.receiveEvent(this.staffEvent(update, command));
    return this.membership.view()!;
  }

  /** Sends again every provider command that was refused and is still that provider's latest word. */
  retryProviderSync(): { readonly retried: number } {
    const retried = this.deliveries!.retryFailed();
    this.publish();
    return { retried };
  }

  // Queries ------------------------------------------------------------------------------------

  view(): MemberStanding {
    const next = this.membership.nextDeadline();
    return {
      associationId: this.association.association.id,
      member: this.membership.view(),
      providerIds: this.membership.providerIds,
      nextDeadline: next && { name: next.name, at: new Date(next.at).toISOString() },
      providerSync: this.deliveries?.view() ?? null,
      warnings: this.warnings,
    };
  }

  /** A dry run on a copy of the member: what the command would do now, with nothing changed. */
  previewStaffCommand(action: unknown, command: unknown): StaffPreview {
    const update = payloadOrThrow(staffActionSchema, action, 'action');
    const event = this.staffEvent(update, payloadOrThrow(staffCommandSchema, command));
    const from = this.membership.state === 'none' ? null : this.membership.state;
    const verdict = checkEvent(event, this.memberId);
    if (!verdict.ok) return { outcome: 'rejected', reason: verdict.problem, from, to: from };
    // On a copy advanced exactly as the handler would advance the member: nothing changes.
    return this.membership.preview(verdict.value, Date.now());
  }

  // The workflow's own steps -------------------------------------------------------------------

  /** Fires what is due, hands the step's provider commands to the senders, and publishes. */
  settle(): void {
    this.membership.advanceTo(Date.now());
    this.deliveries?.addStep(this.membership.changes, this.stepContext());
    this.publish();
  }

  /** Where the member stands for its deliveries now: who, under which run, addressed by which ids. */
  private stepContext(): StepContext {
    return {
      keyBase: this.keyBase(),
      association: this.association,
      role: this.membership.role,
      memberId: this.memberId,
      providerIds: this.membership.providerIds,
      at: new Date(Date.now()).toISOString(),
    };
  }

  /** The earliest deadline; settle() fired everything due, so it lies ahead. */
  nextDeadline(): Deadline | null {
    return this.membership.nextDeadline();
  }

  /** One sender per provider, beside the member (provider-sync.ts); none for a run without provider sync. */
  startProviderSenders(): void {
    if (!this.deliveries) return;
    startSenders({
      memberId: this.memberId,
      deliveries: this.deliveries,
      // The member's state now, timers due up to now fired first.
      stateNow: () => {
        this.settle();
        return this.membership.state;
      },
      changed: () => this.publish(),
    });
  }

  shouldContinueAsNew(): boolean {
    return this.eventsThisRun >= this.continueAsNewAfter || workflowInfo().continueAsNewSuggested;
  }

  /** The next run's input: the member, its deadlines and the ids it has seen travel in the snapshot. */
  nextRunInput(): MembershipWorkflowInput {
    log.info('continuing as new', {
      memberId: this.memberId,
      eventsThisRun: this.eventsThisRun,
      historyLength: workflowInfo().historyLength,
    });
    return {
      association: this.association,
      ...(this.configVersion === undefined ? {} : { configVersion: this.configVersion }),
      memberId: this.memberId,
      carried: this.membership.snapshot(),
      warnings: this.warnings,
      ...(this.deliveries ? { sync: this.deliveries.save() } : {}),
      ...(this.input.continueAsNewAfter === undefined ? {} : { continueAsNewAfter: this.input.continueAsNewAfter }),
    };
  }

  /**
   * Tells visibility and the UI where the member stands: at once for a run from before BASELINE;
   * from BASELINE on once, at the end of the activation, however many steps it held (two provider
   * acknowledgements arriving together upsert once, not twice).
   */
  private publish(): void {
    if (!this.current) return this.publishNow();
    if (this.publishing) return;
    this.publishing = true;
    // A microtask: it runs before the activation completes, after the steps queued before it.
    void Promise.resolve().then(() => {
      this.publishing = false;
      this.publishNow();
    });
  }

  private publishNow(): void {
    const view = this.membership.view();
    const syncView = this.deliveries?.view() ?? null;
    const attributes = searchAttributesOf(this.association.association.id, this.memberId, view, syncView);
    // Only what changed since the last upsert (an upsert merges): less for visibility to index.
    const changed = attributes.filter(({ key, value }) => {
      const text = textOf(value);
      if (this.published.get(key.name) === text) return false;
      this.published.set(key.name, text);
      return true;
    });
    if (changed.length > 0) upsertSearchAttributes(changed);
    this.publishAcknowledgements();
    setCurrentDetails(
      standingInWords(view, this.membership.nextDeadline(), this.association.association.timezone, syncView),
    );
  }

  // Inside -------------------------------------------------------------------------------------

  /** Keeps the memo reconciliation reads in step with the deliveries (from patch RECONCILIATION_MEMO on). */
  private publishAcknowledgements(): void {
    // Once true, true for the rest of the run (patched() marks the history the first time).
    this.memoing ||= patched(RECONCILIATION_MEMO);
    if (!this.memoing) return;
    const acks = this.deliveries?.acknowledgements(this.memberId) ?? {};
    const fingerprint = JSON.stringify(acks);
    if (fingerprint === this.memoPublished) return;
    upsertMemo({ [PROVIDER_ACKS_MEMO]: acks });
    this.memoPublished = fingerprint;
  }

  /** Applies one event at its own moment (timers fire up to it, not further), or notes why not. */
  private applyOne(payload: unknown): void {
    const verdict = this.acceptEvent(payload);
    if (!verdict.ok) {
      this.refuse(`ignored a malformed event: ${verdict.problem}`);
      return;
    }
    // Once true, true for the rest of the run (patched() marks the history the first time).
    if (verdict.value.type === 'paymentReversed' && !(this.reversing ||= patched(PAYMENT_REVERSED))) {
      this.refuse(`ignored a malformed event: event ${verdict.value.id}: type: paymentReversed was not supported yet`);
      return;
    }
    this.eventsThisRun += 1;
    this.membership.apply(verdict.value, Date.now());
  }

  private acceptEvent(payload: unknown): Verdict<LifecycleEvent> {
    if (this.validatesPayloads()) return checkEvent(payload, this.memberId);
    const problem = legacyEventProblem(payload, this.memberId);
    return problem === null ? { ok: true, value: payload as LifecycleEvent } : { ok: false, problem };
  }

  /** Whether this point of the history validates signals: always, except where an older run is replayed. */
  private validatesPayloads(): boolean {
    // Once true, true for the rest of the run (patched() marks the history the first time).
    this.validating ||= patched(VALIDATED_PAYLOADS);
    return this.validating;
  }

  private staffEvent(update: StaffUpdate, command: StaffCommand): LifecycleEvent {
    return staffEvent(update, command, this.memberId, new Date(Date.now()).toISOString());
  }

  /** Input the workflow could not use: kept in the view (the latest MAX_WARNINGS) and logged. */
  private refuse(warning: string): void {
    this.warnings.push(warning);
    if (this.warnings.length > MAX_WARNINGS) this.warnings.splice(0, this.warnings.length - MAX_WARNINGS);
    log.warn(warning, { memberId: this.memberId });
  }

  private keyBase(): string {
    const { workflowId, firstExecutionRunId } = workflowInfo();
    return `${workflowId}/${firstExecutionRunId}`;
  }
}

/** A search attribute's value as published, comparable across runs (a date as its ISO instant). */
function textOf(value: unknown): string {
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}
