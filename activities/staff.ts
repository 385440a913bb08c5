// Staff commands sent by a mass change: one Update to one member's workflow. The Update id is the
// command id (`<batch>/<member>`), and the member ignores a command id it has seen, so a retried
// activity (a worker restarted mid-batch) changes the member once.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { updateRefusal } from '../client/update-refusal.js';
import type { MemberView } from '../machines/view.js';
import { dropUpdate, reactivateUpdate, suspendUpdate } from '../workflows/messages.js';
import type { StaffAction, StaffCommand } from '../workflows/messages.js';

export type StaffOutcome =
  | { readonly memberId: string; readonly outcome: 'changed'; readonly from: string; readonly to: string }
  | { readonly memberId: string; readonly outcome: 'refused'; readonly reason: string };

const updates = { suspend: suspendUpdate, reactivate: reactivateUpdate, drop: dropUpdate } as const;
const changes = { suspend: 'suspended', reactivate: 'reactivated', drop: 'dropped' } as const;

export function createStaffActivities({ client }: { client: Client }) {
  return {
    async applyStaffCommand({
      workflowId,
      memberId,
      action,
      command,
    }: {
      workflowId: string;
      memberId: string;
      action: StaffAction;
      command: StaffCommand;
    }): Promise<StaffOutcome> {
      const { cancellationSignal } = Context.current();
      let view: MemberView;
      try {
        // Cancelled (a worker shutting down cancels its activities), the wait for the Update ends: a
        // member whose workflow runs on that same worker would otherwise keep the shutdown waiting
        // for ever. The retry sends the Update again under its id, so it still applies once.
        view = await client.connection.withAbortSignal(cancellationSignal, () =>
          client.workflow
            .getHandle(workflowId)
            .executeUpdate(updates[action], { args: [command], updateId: command.id }),
        );
      } catch (error) {
        if (cancellationSignal.aborted) throw cancellationSignal.reason;
        const reason = updateRefusal(error);
        if (reason !== null) return { memberId, outcome: 'refused', reason };
        if (error instanceof WorkflowNotFoundError)
          return { memberId, outcome: 'refused', reason: 'no running membership' };
        throw error;
      }
      // The change this command made: the last of its kind on the timeline (a repeat finds the same one).
      const entry = view.timeline.findLast((e) => e.change === changes[action]);
      return { memberId, outcome: 'changed', from: entry?.from ?? view.state, to: entry?.to ?? view.state };
    },
  };
}

export type StaffActivities = ReturnType<typeof createStaffActivities>;
