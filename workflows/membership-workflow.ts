// The membership workflow: one per member, for years. Its handlers delegate to a MembershipManager
// (membership-manager.ts), which holds the member and checks every payload; this body registers
// them, applies the start events, and waits: for a message, or for the member's next deadline
// (one durable timer, re-armed after every step), until the run continues as new.
import { allHandlersFinished, condition, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { BASELINE, MembershipManager } from './membership-manager.js';
import {
  changeProviderIdsUpdate,
  changeRoleUpdate,
  changeTypeUpdate,
  configureSignal,
  dropUpdate,
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

export { MAX_WARNINGS } from './membership-manager.js';

export async function membershipWorkflow(input: MembershipWorkflowInput): Promise<void> {
  // A run started by this code marks its history once for every patch so far (BASELINE); a run
  // started by older code asks each patch on its own, as its history was recorded.
  const current = patched(BASELINE);
  // Provider sync sends each change's commands to the providers. Runs started before it existed
  // go on without it (their histories replay unchanged); their next run has it.
  const manager = new MembershipManager(input, current || patched('provider-sync'), current);

  // Start events (an import) must come before signals that arrived with the start: the SDK buffers
  // those and delivers them the moment their handler is registered. Workflows started before this
  // fix applied their start events after registering handlers; patched() keeps them replaying.
  const startEvents = input.events ?? [];
  const startEventsFirst = startEvents.length > 0 && (current || patched('start-events-before-handlers'));
  if (startEventsFirst) for (const event of startEvents) manager.receiveEvent(event);

  // Registered in this order since the first run: signals buffered at the start are delivered in it.
  setHandler(lifecycleEventSignal, (event) => manager.receiveEvent(event));
  setHandler(lifecycleEventsSignal, (events) => manager.receiveEvents(events));
  setHandler(configureSignal, (configuration) => manager.configure(configuration));
  const staffUpdates = [
    [suspendUpdate, 'suspend'],
    [reactivateUpdate, 'reactivate'],
    [dropUpdate, 'drop'],
    [changeTypeUpdate, 'changeType'],
    [changeRoleUpdate, 'changeRole'],
    [changeProviderIdsUpdate, 'changeProviderIds'],
  ] as const;
  for (const [update, name] of staffUpdates) {
    // An Update: the validator refuses what does not fit before anything reaches history.
    setHandler(update, (command: StaffCommand) => manager.applyStaffCommand(name, command), {
      validator: (command: unknown) => manager.validateStaffCommand(name, command),
    });
  }
  if (manager.hasProviderSync) {
    setHandler(retryProviderSyncUpdate, () => manager.retryProviderSync());
    setHandler(repairProviderSignal, (repair) => manager.repairProvider(repair));
  } else {
    setHandler(retryProviderSyncUpdate, () => ({ retried: 0 }), {
      validator: () => {
        throw new Error(
          'this membership run started before provider sync; it sends provider commands from its next run',
        );
      },
    });
  }
  setHandler(viewQuery, () => manager.view());
  setHandler(previewStaffCommandQuery, (action, command) => manager.previewStaffCommand(action, command));

  if (!startEventsFirst) for (const event of startEvents) manager.receiveEvent(event);
  manager.settle();
  manager.startProviderSenders();

  for (;;) {
    if (manager.shouldContinueAsNew()) {
      // Handlers finish first, so no Update is cut off.
      await condition(allHandlersFinished);
      await continueAsNew<typeof membershipWorkflow>(manager.nextRunInput());
    }
    const next = manager.nextDeadline();
    manager.woken = false;
    if (next === null) await condition(() => manager.woken);
    else await condition(() => manager.woken, Math.max(1, next.at - Date.now()));
    manager.settle();
  }
}
