// The membership workflow: one per member, for years. It drives the same Membership core that
// `standing simulate` runs; the core's deadlines become one durable timer, re-armed after every step.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ProviderDeliveries } from '../machines/deliveries.js';
import { Membership } from '../machines/membership.js';
import type { MemberView } from '../machines/view.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';
import { eventProblem } from './event-guard.js';
import {
  changeRoleUpdate,
  changeTypeUpdate,
  configureSignal,
  dropUpdate,
  historyQuery,
  lifecycleEventSignal,
  lifecycleEventsSignal,
  previewStaffCommandQuery,
  reactivateUpdate,
  repairProviderSignal,
  retryProviderSyncUpdate,
  suspendUpdate,
  viewQuery,
} from './messages.js';
import type { MembershipWorkflowInput, StaffCommand } from './messages.js';
import { startProviderSenders } from './provider-sync.js';
import { searchAttributesOf } from './search-attributes.js';
import { standingInWords } from '../machines/standing-in-words.js';

const DEFAULT_CONTINUE_AS_NEW_AFTER = 1_000;
/** Warnings kept (the latest): a sender that keeps sending malformed events cannot grow the member without bound. */
export const MAX_WARNINGS = 50;

export async function membershipWorkflow(input: MembershipWorkflowInput): Promise<void> {
  let association: AssociationConfig = input.association;
  let configVersion = input.configVersion;
  const membership = input.carried
    ? Membership.restore(association, input.carried)
    : Membership.create(association, input.memberId);
  const warnings: string[] = [...(input.warnings ?? [])].slice(-MAX_WARNINGS);
  const warn = (text: string): void => {
    warnings.push(text);
    if (warnings.length > MAX_WARNINGS) warnings.splice(0, warnings.length - MAX_WARNINGS);
  };
  const limit = input.continueAsNewAfter ?? DEFAULT_CONTINUE_AS_NEW_AFTER;
  let eventsThisRun = 0;
  let woken = false;
  let published = '';

  // Provider sync sends each change's commands to the providers. Runs started before it existed
  // go on without it (their histories replay unchanged); their next run has it.
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const sync = patched('provider-sync')
    ? input.sync
      ? new ProviderDeliveries(input.sync)
      : ProviderDeliveries.startingAt(membership.changes.length)
    : null;

  /** Tells visibility and the UI where the member stands. */
  const publish = (): void => {
    const view = membership.view();
    const syncView = sync?.view() ?? null;
    const attributes = searchAttributesOf(association.association.id, input.memberId, view, syncView);
    const fingerprint = JSON.stringify(attributes.map(({ key, value }) => [key.name, value]));
    if (fingerprint !== published) {
      upsertSearchAttributes(attributes);
      published = fingerprint;
    }
    setCurrentDetails(standingInWords(view, membership.nextDeadline(), association.association.timezone, syncView));
  };

  /** Fires what is due, hands the step's provider commands to the senders, and publishes. */
  const settle = (): void => {
    membership.advanceTo(Date.now());
    sync?.addStep(membership.changes, {
      keyBase: `${workflowId}/${firstExecutionRunId}`,
      association,
      role: membership.role,
    });
    publish();
  };

  /** Applies one event at its own moment (timers fire up to it, not further), or notes why not. */
  const applyOne = (event: LifecycleEvent): void => {
    const problem = eventProblem(event, input.memberId);
    if (problem) {
      warn(`ignored a malformed event: ${problem}`);
      return;
    }
    eventsThisRun += 1;
    membership.apply(event, Date.now());
  };

  const apply = (event: LifecycleEvent): void => {
    applyOne(event);
    woken = true;
    settle();
  };

  const staffEvent = (command: StaffCommand, body: Record<string, unknown>): LifecycleEvent =>
    ({
      id: command.id,
      memberId: input.memberId,
      at: new Date(Date.now()).toISOString(),
      reason: command.reason,
      by: command.by,
      ...body,
    }) as LifecycleEvent;

  /** An Update: the validator refuses what does not fit before anything reaches history. */
  const staffHandler = <C extends StaffCommand>(toEvent: (command: C) => LifecycleEvent) => ({
    handler: (command: C): MemberView => {
      apply(toEvent(command));
      return membership.view()!;
    },
    validator: (command: C): void => {
      if (typeof command?.id !== 'string' || command.id === '') throw new Error('id: must be a non-empty string');
      const event = toEvent(command);
      const problem = eventProblem(event, input.memberId);
      if (problem) throw new Error(problem);
      const result = membership.check(event, Date.now());
      if (result.outcome === 'rejected') throw new Error(result.reason);
    },
  });

  // Start events (an import) must come before signals that arrived with the start: the SDK buffers
  // those and delivers them the moment their handler is registered. Workflows started before this
  // fix applied their start events after registering handlers; patched() keeps them replaying.
  const startEvents = input.events ?? [];
  const startEventsFirst = startEvents.length > 0 && patched('start-events-before-handlers');
  if (startEventsFirst) for (const event of startEvents) apply(event);

  setHandler(lifecycleEventSignal, apply);

  setHandler(lifecycleEventsSignal, (events) => {
    if (!Array.isArray(events)) {
      warn('ignored a batch of events that is not an array');
    } else {
      for (const event of events) applyOne(event);
    }
    woken = true;
    settle();
  });

  setHandler(configureSignal, ({ association: next, version }) => {
    try {
      membership.reconfigure(next);
      association = next;
      configVersion = version;
      upsertMemo({ configVersion: version });
    } catch (error) {
      warn(`kept the previous configuration: ${(error as Error).message}`);
    }
    woken = true;
    settle();
  });

  const staffEvents = {
    suspend: (c: StaffCommand) => staffEvent(c, { type: 'suspended', reason: c.reason ?? 'nonpayment' }),
    reactivate: (c: StaffCommand) => staffEvent(c, { type: 'reactivated' }),
    drop: (c: StaffCommand) => staffEvent(c, { type: 'dropped' }),
  };
  const suspend = staffHandler(staffEvents.suspend);
  const reactivate = staffHandler(staffEvents.reactivate);
  const drop = staffHandler(staffEvents.drop);
  const changeType = staffHandler((c: StaffCommand & { membershipType: string }) =>
    staffEvent(c, { type: 'membershipTypeChanged', membershipType: c.membershipType }),
  );
  const changeRole = staffHandler((c: StaffCommand & { role: 'primary' | 'secondary' }) =>
    staffEvent(c, { type: 'roleChanged', role: c.role }),
  );
  setHandler(suspendUpdate, suspend.handler, { validator: suspend.validator });
  setHandler(reactivateUpdate, reactivate.handler, { validator: reactivate.validator });
  setHandler(dropUpdate, drop.handler, { validator: drop.validator });
  setHandler(changeTypeUpdate, changeType.handler, { validator: changeType.validator });
  setHandler(changeRoleUpdate, changeRole.handler, { validator: changeRole.validator });

  if (sync) {
    setHandler(retryProviderSyncUpdate, () => {
      const retried = sync.retryFailed();
      publish();
      return { retried };
    });
    setHandler(repairProviderSignal, (repair) => {
      const refused = sync.repair({
        ...repair,
        at: new Date(Date.now()).toISOString(),
        keyBase: `${workflowId}/${firstExecutionRunId}`,
        role: membership.role,
      });
      if (refused === null) publish();
    });
  } else {
    setHandler(retryProviderSyncUpdate, () => ({ retried: 0 }), {
      validator: () => {
        throw new Error(
          'this membership run started before provider sync; it sends provider commands from its next run',
        );
      },
    });
  }

  setHandler(viewQuery, () => {
    const next = membership.nextDeadline();
    return {
      associationId: association.association.id,
      member: membership.view(),
      nextDeadline: next && { name: next.name, at: new Date(next.at).toISOString() },
      providerSync: sync?.view() ?? null,
      warnings,
    };
  });
  setHandler(historyQuery, () => membership.view()?.timeline ?? []);
  // A dry run on a copy of the member: what the command would do now, with nothing changed.
  setHandler(previewStaffCommandQuery, (action, command) => {
    const from = membership.state === 'none' ? null : membership.state;
    const event = staffEvents[action](command);
    const problem = eventProblem(event, input.memberId);
    if (problem) return { outcome: 'rejected', reason: problem, from, to: from };
    const copy = Membership.restore(association, membership.snapshot());
    const result = copy.apply(event, Date.now());
    if (result.outcome !== 'applied')
      return {
        outcome: result.outcome,
        ...(result.outcome === 'rejected' ? { reason: result.reason } : {}),
        from,
        to: from,
      };
    copy.advanceTo(Date.now());
    return { outcome: 'applied', from, to: copy.state === 'none' ? null : copy.state };
  });

  if (!startEventsFirst) for (const event of startEvents) apply(event);
  settle();
  if (sync) {
    startProviderSenders({
      memberId: input.memberId,
      deliveries: sync,
      stateNow: () => {
        settle();
        return membership.state;
      },
      changed: publish,
    });
  }

  for (;;) {
    if (eventsThisRun >= limit || workflowInfo().continueAsNewSuggested) {
      // Handlers finish first, so no Update is cut off; the member, its deadlines and the ids it
      // has seen travel in the snapshot.
      await condition(allHandlersFinished);
      await continueAsNew<typeof membershipWorkflow>({
        association,
        ...(configVersion === undefined ? {} : { configVersion }),
        memberId: input.memberId,
        carried: membership.snapshot(),
        warnings,
        ...(sync ? { sync: sync.save() } : {}),
        ...(input.continueAsNewAfter === undefined ? {} : { continueAsNewAfter: input.continueAsNewAfter }),
      });
    }
    // settle() fired everything due, so the next deadline lies ahead: one durable timer for it.
    const next = membership.nextDeadline();
    woken = false;
    if (next === null) await condition(() => woken);
    else await condition(() => woken, Math.max(1, next.at - Date.now()));
    settle();
  }
}
