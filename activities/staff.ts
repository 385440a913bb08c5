// Staff commands sent by a mass change: one Update to one member's workflow. The Update id is the
// command id (`<batch>/<member>`), and the member ignores a command id it has seen, so a retried
// activity (a worker restarted mid-batch) changes the member once. A batch lists its members a page
// at a time from visibility and sends its commands a chunk per activity.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { memberFilterSchema, memberIdOf, visibilityQuery } from '../client/member-filter.js';
import { updateRefusal } from '../client/update-refusal.js';
import type { MemberView } from '../machines/view.js';
import { dropUpdate, membershipWorkflowId, reactivateUpdate, suspendUpdate } from '../workflows/messages.js';
import type { StaffAction, StaffCommand } from '../workflows/messages.js';

export type StaffOutcome =
  | { readonly memberId: string; readonly outcome: 'changed'; readonly from: string; readonly to: string }
  | { readonly memberId: string; readonly outcome: 'refused'; readonly reason: string };

const updates = { suspend: suspendUpdate, reactivate: reactivateUpdate, drop: dropUpdate } as const;
const changes = { suspend: 'suspended', reactivate: 'reactivated', drop: 'dropped' } as const;

interface StaffRequest {
  workflowId: string;
  memberId: string;
  action: StaffAction;
  command: StaffCommand;
}

export function createStaffActivities({ client }: { client: Client }) {
  /** One member's Update; `signal` cancelled (a worker shutting down), the wait for it ends. */
  async function send({ workflowId, memberId, action, command }: StaffRequest, signal: AbortSignal) {
    let view: MemberView;
    try {
      // Cancelled (a worker shutting down cancels its activities), the wait for the Update ends: a
      // member whose workflow runs on that same worker would otherwise keep the shutdown waiting
      // for ever. The retry sends the Update again under its id, so it still applies once.
      view = await client.connection.withAbortSignal(signal, () =>
        client.workflow.getHandle(workflowId).executeUpdate(updates[action], { args: [command], updateId: command.id }),
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const reason = updateRefusal(error);
      if (reason !== null) return { memberId, outcome: 'refused', reason } as const;
      if (error instanceof WorkflowNotFoundError)
        return { memberId, outcome: 'refused', reason: 'no running membership' } as const;
      throw error;
    }
    // The change this command made: the last of its kind on the timeline (a repeat finds the same one).
    const entry = view.timeline.findLast((e) => e.change === changes[action]);
    return { memberId, outcome: 'changed', from: entry?.from ?? view.state, to: entry?.to ?? view.state } as const;
  }

  return {
    async applyStaffCommand(request: StaffRequest): Promise<StaffOutcome> {
      return send(request, Context.current().cancellationSignal);
    },

    /**
     * One chunk of a batch: the command to each member in turn, `<batch>/<member>` its id. A
     * heartbeat after each member keeps a dead worker's chunk from waiting out the whole timeout;
     * the retry sends the chunk again, and a member that has seen its command reports the same change.
     */
    async applyStaffCommands({
      associationId,
      action,
      batch,
      memberIds,
      by,
      reason,
    }: {
      associationId: string;
      action: StaffAction;
      batch: string;
      memberIds: readonly string[];
      by: string;
      reason?: string;
    }): Promise<StaffOutcome[]> {
      const { cancellationSignal } = Context.current();
      const outcomes: StaffOutcome[] = [];
      for (const memberId of memberIds) {
        // A signal per Update, following the activity's: the connection leaves a listener on the
        // signal it is given, and a chunk's Updates would pile them up on one.
        const perUpdate = new AbortController();
        const abort = () => perUpdate.abort(cancellationSignal.reason);
        cancellationSignal.addEventListener('abort', abort, { once: true });
        try {
          if (cancellationSignal.aborted) throw cancellationSignal.reason;
          const request = {
            workflowId: membershipWorkflowId(associationId, memberId),
            memberId,
            action,
            command: { id: `${batch}/${memberId}`, by, ...(reason === undefined ? {} : { reason }) },
          };
          outcomes.push(await send(request, perUpdate.signal));
        } finally {
          cancellationSignal.removeEventListener('abort', abort);
        }
        Context.current().heartbeat(outcomes.length);
      }
      return outcomes;
    },

    /**
     * One page of the members a batch's filter selects, by visibility, and the token of the next
     * (null: the last page). Visibility pages by a cursor on the executions' start time and run id,
     * not by offset, so members the batch has already changed (and who leave the filter) do not
     * shift the pages still to come. The first page also counts the members, for progress.
     */
    async listMassChangePage({
      associationId,
      filter,
      pageSize,
      pageToken,
      count,
    }: {
      associationId: string;
      filter: Readonly<Record<string, string>>;
      pageSize: number;
      pageToken: string;
      count: boolean;
    }): Promise<{ memberIds: string[]; pageToken: string | null; count?: number }> {
      // Checked again here (the CLI checked it): its values go into the query unescaped.
      const query = visibilityQuery(associationId, memberFilterSchema.parse(filter));
      const response = await client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query,
        pageSize,
        nextPageToken: pageToken === '' ? undefined : Buffer.from(pageToken, 'base64'),
      });
      const memberIds = (response.executions ?? []).map((execution) =>
        memberIdOf({
          workflowId: execution.execution?.workflowId ?? '',
          typedSearchAttributes: decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields),
        }),
      );
      const next = response.nextPageToken?.length ? Buffer.from(response.nextPageToken).toString('base64') : null;
      return {
        memberIds,
        pageToken: next,
        ...(count ? { count: (await client.workflow.count(query)).count } : {}),
      };
    },
  };
}

export type StaffActivities = ReturnType<typeof createStaffActivities>;
