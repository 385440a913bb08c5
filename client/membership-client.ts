// The typed client into the membership workflows (the CLI's, the gateway's, and any in-process
// integration's): every event and staff command is validated with the schemas the workflow checks
// them with again on arrival; staff commands are Updates that come back with the member, or the
// reason they were refused.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { SearchAttributePair, UpdateDefinition } from '@temporalio/common';
import { Membership } from '../machines/membership.js';
import type { MemberView } from '../machines/view.js';
import type { Role } from '../machines/types.js';
import { rulesOf } from '../schemas/association.js';
import type { AssociationConfig } from '../schemas/association.js';
import { lifecycleEventSchema } from '../schemas/events.js';
import type { LifecycleEvent, LifecycleEventInput, ProviderIds } from '../schemas/events.js';
import {
  changeProviderIdsCommandSchema,
  changeRoleCommandSchema,
  changeTypeCommandSchema,
  staffCommandSchema,
} from '../schemas/messages.js';
import { check } from '../schemas/validate.js';
import type { FieldProblem } from '../schemas/validate.js';
import type { z } from '../schemas/zod-mini.js';
import { configVersion } from './config-version.js';
import { memberIdOf, visibilityQuery } from './member-filter.js';
import type { MemberFilter } from './member-filter.js';
import {
  associationTaskQueue,
  changeProviderIdsUpdate,
  changeRoleUpdate,
  changeTypeUpdate,
  configureSignal,
  dropUpdate,
  lifecycleEventSignal,
  lifecycleEventsSignal,
  membershipWorkflowId,
  previewStaffCommandQuery,
  reactivateUpdate,
  retryProviderSyncUpdate,
  suspendUpdate,
  viewQuery,
  workflowTypes,
} from '../workflows/messages.js';
import type {
  MemberStanding,
  MembershipWorkflowInput,
  StaffAction,
  StaffCommand,
  StaffPreview,
} from '../workflows/messages.js';
import type { membershipWorkflow } from '../workflows/membership-workflow.js';
import {
  PROVIDER_ACKS_MEMO,
  membershipSearchAttributes as keys,
  searchAttributesOf,
} from '../workflows/search-attributes.js';

/** An event that failed validation: every problem, each naming its field. */
export class InvalidEvent extends Error {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(`invalid event: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.name = 'InvalidEvent';
  }
}

/** A staff command that failed validation (nothing was sent): every problem, each naming its field. */
export class InvalidCommand extends Error {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(`invalid staff command: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.name = 'InvalidCommand';
  }
}

/** An event as the client sends it: valid, or an InvalidEvent naming every bad field. */
export function validateEvent(input: unknown): LifecycleEvent {
  const checked = check(lifecycleEventSchema, input);
  if (!checked.ok)
    throw new InvalidEvent(checked.problems.map((problem) => ({ ...problem, field: problem.field || '(event)' })));
  return checked.value;
}

export interface StaffOptions {
  readonly reason?: string;
  readonly by?: string;
  /** Makes a retried command apply once; a fresh one is made when left out. */
  readonly id?: string;
}

type ImportOutcome = 'started' | 'exists';

/** One membership as visibility lists it (its search attributes): no query to the workflow needed. */
export interface MemberSummary {
  readonly memberId: string;
  readonly workflowId: string;
  readonly state: string | null;
  readonly membershipType: string | null;
  readonly role: string | null;
  readonly memberStatus: string | null;
  readonly paidThrough: string | null;
  readonly providerSync: string | null;
}

export class MembershipClient {
  /** The rules only (rulesOf): what a workflow is given never says where the providers are or which keys they take. */
  private readonly association: AssociationConfig;

  /**
   * New memberships start on `taskQueue`: the association's own (its file's `temporal.taskQueue`,
   * else `standing/<id>`), where only workers holding its settings poll. Memberships already
   * running stay where they were started (the legacy `standing` queue, say).
   */
  constructor(
    private readonly client: Client,
    association: AssociationConfig,
    private readonly taskQueue: string = association.temporal?.taskQueue ??
      associationTaskQueue(association.association.id),
  ) {
    this.association = rulesOf(association);
  }

  get associationId(): string {
    return this.association.association.id;
  }

  workflowId(memberId: string): string {
    return membershipWorkflowId(this.associationId, memberId);
  }

  handle(memberId: string): WorkflowHandle<typeof membershipWorkflow> {
    return this.client.workflow.getHandle<typeof membershipWorkflow>(this.workflowId(memberId));
  }

  private startOptions(memberId: string, input: Omit<MembershipWorkflowInput, 'association' | 'memberId'> = {}) {
    const version = configVersion(this.association);
    const expected = this.expectedAttributes(memberId, input.events ?? []);
    return {
      workflowId: this.workflowId(memberId),
      taskQueue: this.taskQueue,
      args: [{ association: this.association, configVersion: version, memberId, ...input }] as [
        MembershipWorkflowInput,
      ],
      // Visible at once, so a configuration broadcast racing an import skips members started on it.
      // No provider acknowledged yet: what reconciliation reads, there from the start.
      memo: { configVersion: version, [PROVIDER_ACKS_MEMO]: {} },
      // Findable from the first moment, before the workflow has run at all; an imported member
      // with all it will show, so the workflow has nothing to upsert (it upserts only what differs).
      typedSearchAttributes: new TypedSearchAttributes(expected),
      staticSummary: `Membership of ${memberId} in ${this.association.association.name ?? this.associationId}`,
    };
  }

  /**
   * The search attributes a member started with `events` will show once its workflow has run them:
   * the rules worked out here as the workflow will (the same Membership), the providers in sync
   * unless a change was due. A guess at worst: the workflow upserts whatever differs.
   */
  private expectedAttributes(memberId: string, events: readonly LifecycleEvent[]): SearchAttributePair[] {
    const known: SearchAttributePair[] = [
      { key: keys.AssociationId, value: this.associationId },
      { key: keys.MemberId, value: memberId },
    ];
    if (events.length === 0) return known;
    const member = Membership.create(this.association, memberId);
    const now = Date.now();
    for (const event of events) member.apply(event, now);
    member.advanceTo(now);
    const sync = member.changes.length === 0 ? { status: 'ok' as const, deliveries: [] } : null;
    return searchAttributesOf(this.associationId, memberId, member.view(), sync).filter(
      (pair): pair is SearchAttributePair => pair.value !== null,
    );
  }

  /** Validates and signals one event, starting the member's workflow if it has none. */
  async send(input: LifecycleEventInput | unknown): Promise<{ workflowId: string; event: LifecycleEvent }> {
    const event = validateEvent(input);
    await this.client.workflow.signalWithStart<typeof membershipWorkflow, [LifecycleEvent]>(workflowTypes.membership, {
      ...this.startOptions(event.memberId),
      signal: lifecycleEventSignal,
      signalArgs: [event],
    });
    return { workflowId: this.workflowId(event.memberId), event };
  }

  /**
   * Sends a billing history: every event validated first (nothing is sent if one is invalid), then
   * each member's events in `at` order as one signal, so timers fire between them exactly as
   * simulate fires them. Returns the workflow ids, in first-appearance order.
   */
  async sendHistory(inputs: readonly unknown[]): Promise<string[]> {
    const events = inputs.map((input) => validateEvent(input));
    const byMember = new Map<string, LifecycleEvent[]>();
    for (const event of events) {
      const memberEvents = byMember.get(event.memberId);
      if (memberEvents) memberEvents.push(event);
      else byMember.set(event.memberId, [event]);
    }
    for (const [memberId, memberEvents] of byMember) {
      const ordered = memberEvents
        .map((event, index) => ({ event, index, at: Date.parse(event.at) }))
        .sort((a, b) => a.at - b.at || a.index - b.index);
      await this.client.workflow.signalWithStart<typeof membershipWorkflow, [readonly LifecycleEvent[]]>(
        workflowTypes.membership,
        {
          ...this.startOptions(memberId),
          signal: lifecycleEventsSignal,
          signalArgs: [ordered.map(({ event }) => event)],
        },
      );
    }
    return [...byMember.keys()].map((memberId) => this.workflowId(memberId));
  }

  /** Onboards one member from an `imported` event, unless the member already has a workflow. */
  async importMember(input: LifecycleEventInput | unknown): Promise<ImportOutcome> {
    const event = validateEvent(input);
    if (event.type !== 'imported') throw new InvalidEvent([{ field: 'type', message: 'must be imported' }]);
    try {
      await this.client.workflow.start<typeof membershipWorkflow>(workflowTypes.membership, {
        ...this.startOptions(event.memberId, { events: [event] }),
        workflowIdConflictPolicy: 'FAIL',
      });
      return 'started';
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return 'exists';
      throw error;
    }
  }

  /**
   * The member's standing (the `view` query): the member of spec section 8, its next deadline, its
   * provider deliveries and any warnings; null when the member has no workflow.
   */
  async view(memberId: string): Promise<MemberStanding | null> {
    try {
      return await this.handle(memberId).query(viewQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  suspend(memberId: string, options: StaffOptions = {}): Promise<MemberView> {
    return this.staff(memberId, suspendUpdate, staffCommandSchema, staffCommand(options));
  }

  reactivate(memberId: string, options: StaffOptions = {}): Promise<MemberView> {
    return this.staff(memberId, reactivateUpdate, staffCommandSchema, staffCommand(options));
  }

  drop(memberId: string, options: StaffOptions = {}): Promise<MemberView> {
    return this.staff(memberId, dropUpdate, staffCommandSchema, staffCommand(options));
  }

  changeType(memberId: string, membershipType: string, options: StaffOptions = {}): Promise<MemberView> {
    return this.staff(memberId, changeTypeUpdate, changeTypeCommandSchema, {
      ...staffCommand(options),
      membershipType,
    });
  }

  changeRole(memberId: string, role: Role, options: StaffOptions = {}): Promise<MemberView> {
    return this.staff(memberId, changeRoleUpdate, changeRoleCommandSchema, { ...staffCommand(options), role });
  }

  /**
   * Sets the member's ids at the providers the command names (the others are kept); each new id
   * gets the member's current status at its provider. The old id is told nothing.
   */
  changeProviderIds(memberId: string, providerIds: ProviderIds, options: StaffOptions = {}): Promise<MemberView> {
    return this.staff(memberId, changeProviderIdsUpdate, changeProviderIdsCommandSchema, {
      ...staffCommand(options),
      providerIds,
    });
  }

  /** Sends a configuration to one running member; it applies from now on and re-arms the timers. */
  async configure(memberId: string, configuration: AssociationConfig): Promise<void> {
    const association = rulesOf(configuration);
    await this.handle(memberId).signal(configureSignal, { association, version: configVersion(association) });
  }

  /**
   * Sends the configuration to every running member of the association that is not on it yet
   * (their memo says which version they run). Returns how many were told and how many were current.
   */
  async broadcastConfiguration(
    configuration: AssociationConfig = this.association,
  ): Promise<{ signalled: number; current: number }> {
    const association = rulesOf(configuration);
    const version = configVersion(association);
    const query = visibilityQuery(association.association.id);
    let signalled = 0;
    let current = 0;
    for await (const execution of this.client.workflow.list({ query })) {
      if (execution.memo?.configVersion === version) {
        current += 1;
        continue;
      }
      await this.client.workflow.getHandle(execution.workflowId).signal(configureSignal, { association, version });
      signalled += 1;
    }
    return { signalled, current };
  }

  /** What a staff command would do to the member now (a dry run: nothing changes). */
  async preview(memberId: string, action: StaffAction, options: StaffOptions = {}): Promise<StaffPreview> {
    return this.handle(memberId).query(previewStaffCommandQuery, action, staffCommand(options));
  }

  /** Sends again the member's refused provider commands (each under a new idempotency key). */
  async retryProviderSync(memberId: string): Promise<{ readonly retried: number }> {
    return this.handle(memberId).executeUpdate(retryProviderSyncUpdate, { args: [] });
  }

  /** Members whose ProviderSync is `failed`, by member id, as visibility lists them. */
  async membersWithFailedSync(): Promise<string[]> {
    return (await this.list({ providerSync: 'failed' })).map((member) => member.memberId);
  }

  /**
   * The member ids of running memberships matching the filter, as visibility lists them, a page at a
   * time (nothing held beyond the page being read): for passes over every member of a large board.
   */
  async *memberIds(filter: MemberFilter = {}): AsyncGenerator<string> {
    for await (const execution of this.client.workflow.list({ query: visibilityQuery(this.associationId, filter) }))
      yield memberIdOf(execution);
  }

  /** Running memberships matching the filter, by member id, from visibility (eventually consistent: seconds). */
  async list(filter: MemberFilter = {}): Promise<MemberSummary[]> {
    const members: MemberSummary[] = [];
    for await (const execution of this.client.workflow.list({ query: visibilityQuery(this.associationId, filter) })) {
      const attributes = execution.typedSearchAttributes;
      const paidThrough = attributes.get(keys.PaidThrough);
      members.push({
        memberId: memberIdOf(execution),
        workflowId: execution.workflowId,
        state: attributes.get(keys.MembershipState) ?? null,
        membershipType: attributes.get(keys.MembershipType) ?? null,
        role: attributes.get(keys.AgentRole) ?? null,
        memberStatus: attributes.get(keys.MemberStatus) ?? null,
        paidThrough: paidThrough ? paidThrough.toISOString().slice(0, 10) : null,
        providerSync: attributes.get(keys.ProviderSync) ?? null,
      });
    }
    return members.sort((a, b) => a.memberId.localeCompare(b.memberId));
  }

  /**
   * Checked first, as the workflow's validator checks it (a caller without types gets the field
   * named without a round trip). The Update id is the command id, so Temporal itself applies a
   * retried command once.
   */
  private async staff<C extends StaffCommand>(
    memberId: string,
    update: UpdateDefinition<MemberView, [C]>,
    schema: z.core.$ZodType<unknown, C>,
    command: C,
  ): Promise<MemberView> {
    const checked = check(schema, command);
    if (!checked.ok) throw new InvalidCommand(checked.problems);
    return this.handle(memberId).executeUpdate(update, { args: [command], updateId: command.id });
  }
}

function staffCommand(options: StaffOptions): StaffCommand {
  return {
    id: options.id ?? `staff-${randomUUID()}`,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.by === undefined ? {} : { by: options.by }),
  };
}
