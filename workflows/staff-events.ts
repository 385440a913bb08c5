// The staff commands: each an Update of the membership workflow, how its payload is checked and
// the lifecycle event it becomes. The workflow applies that event; `standing export` rebuilds the
// same event from the Update in the workflow's history, so both read it from here.
import type { LifecycleEvent, ProviderIds } from '../schemas/events.js';
import {
  changeProviderIdsCommandSchema,
  changeRoleCommandSchema,
  changeTypeCommandSchema,
  staffCommandSchema,
} from '../schemas/messages.js';
import type { StaffCommand } from '../schemas/messages.js';

/** The staff commands, each an Update: how its payload is checked and the event it becomes. */
export const staffCommands = {
  suspend: {
    schema: staffCommandSchema,
    event: (c: StaffCommand) => ({ type: 'suspended' as const, reason: c.reason ?? 'nonpayment' }),
  },
  reactivate: { schema: staffCommandSchema, event: () => ({ type: 'reactivated' as const }) },
  drop: { schema: staffCommandSchema, event: () => ({ type: 'dropped' as const }) },
  changeType: {
    schema: changeTypeCommandSchema,
    event: (c: StaffCommand & { membershipType: string }) => ({
      type: 'membershipTypeChanged' as const,
      membershipType: c.membershipType,
    }),
  },
  changeRole: {
    schema: changeRoleCommandSchema,
    event: (c: StaffCommand & { role: string }) => ({ type: 'roleChanged' as const, role: c.role }),
  },
  changeProviderIds: {
    schema: changeProviderIdsCommandSchema,
    event: (c: StaffCommand & { providerIds: ProviderIds }) => ({
      type: 'providerIdsChanged' as const,
      providerIds: c.providerIds,
    }),
  },
} as const;

export type StaffUpdate = keyof typeof staffCommands;

/** The event a staff command is: the member's, at the moment the Update ran (the workflow's clock). */
export function staffEvent(update: StaffUpdate, command: StaffCommand, memberId: string, at: string): LifecycleEvent {
  const body = (staffCommands[update].event as (c: StaffCommand) => object)(command);
  return { id: command.id, memberId, at, reason: command.reason, by: command.by, ...body } as LifecycleEvent;
}

export function isStaffUpdate(name: string): name is StaffUpdate {
  return Object.hasOwn(staffCommands, name);
}
