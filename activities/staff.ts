// Staff commands sent by a mass change: one Update to one member's workflow. The Update id is the
// command id (`<batch>/<member>`), and the member ignores a command id it has seen, so a retried
// activity (a worker restarted mid-batch) changes the member once. A batch lists its members a page
// at a time from visibility and sends its commands a chunk per activity.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { memberFilterSchema, memberIdOf, visibilityQuery } from '../client/member-filter.js';
import { updateRefusal } from '../client/update-refusal.js';
import type { MemberView } from '../machines/view.js';
import { dropUpdate, membershipWorkflowId, reactivateUpdate, suspendUpdate } from '../workflows/messages.js';
import type { StaffAction, StaffCommand } from '../workflows/messages.js';

/** The most a visibility page holds (the server's cap). */
const VISIBILITY_PAGE = 1_000;

/** A workflow id as a visibility query string literal (ids are ours: no quotes, but escape them anyway). */
const quoted = (value: string) => JSON.stringify(value);

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

  /**
   * Every running membership the query selects, sorted by workflow id (compared as strings, code
   * unit by code unit, as SQLite and Elasticsearch compare them). Heartbeats after each page.
   */
  async function listAll(query: string): Promise<{ workflowId: string; memberId: string }[]> {
    const listed: { workflowId: string; memberId: string }[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const response = await client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query,
        pageSize: VISIBILITY_PAGE,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      for (const execution of response.executions ?? []) {
        const workflowId = execution.execution?.workflowId ?? '';
        listed.push({
          workflowId,
          memberId: memberIdOf({
            workflowId,
            typedSearchAttributes: decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields),
          }),
        });
      }
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
      Context.current().heartbeat(listed.length);
    } while (nextPageToken);
    // Each id once, whatever the pages held.
    const unique = [...new Map(listed.map((m) => [m.workflowId, m])).values()];
    return unique.sort((a, b) => (a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0));
  }

  /**
   * The ranges between `cuts` share out the workflow ids only if visibility orders the cuts as they
   * were cut, by code unit (C collation). A SQL visibility store whose collation orders them
   * otherwise (PostgreSQL or MySQL created with a language's collation, which ignores case or
   * punctuation) would send some members twice and pass others by. Asked of the store itself: with
   * two cuts a < b, no workflow id is at least b and below a unless the store puts b before a.
   */
  async function checkOrderedAsCut(associationId: string, cuts: readonly string[]): Promise<void> {
    for (let i = 1; i < cuts.length; i += 1) {
      const [a, b] = [cuts[i - 1]!, cuts[i]!];
      const { count } = await client.workflowService.countWorkflowExecutions({
        namespace: client.options.namespace,
        query: `AssociationId = ${quoted(associationId)} AND WorkflowId >= ${quoted(b)} AND WorkflowId < ${quoted(a)}`,
      });
      if (Number(count ?? 0) > 0)
        throw ApplicationFailure.nonRetryable(
          `visibility orders workflow ids otherwise than by code unit (it puts ${b} before ${a}): a batch by filter needs a visibility store with C (binary) collation; nothing was sent (docs/decisions.md, "Mass changes of any size")`,
          'VisibilityCollation',
        );
    }
  }

  return {
    async applyStaffCommand(request: StaffRequest): Promise<StaffOutcome> {
      return send(request, Context.current().cancellationSignal);
    },

    /**
     * One chunk of a batch: the command to each member, `<batch>/<member>` its id, `inFlight` of them
     * at once (default 1: one after another, as chunks scheduled before `inFlight` existed expect).
     * A heartbeat after each member keeps a dead worker's chunk from waiting out the whole timeout;
     * the retry sends the chunk again, and a member that has seen its command reports the same
     * change. The outcomes are in the chunk's order, whatever order the Updates finished in.
     */
    async applyStaffCommands({
      associationId,
      action,
      batch,
      memberIds,
      by,
      reason,
      inFlight = 1,
    }: {
      associationId: string;
      action: StaffAction;
      batch: string;
      memberIds: readonly string[];
      by: string;
      reason?: string;
      inFlight?: number;
    }): Promise<StaffOutcome[]> {
      const { cancellationSignal } = Context.current();
      const outcomes: StaffOutcome[] = new Array<StaffOutcome>(memberIds.length);
      let finished = 0;
      let next = 0;
      // One Update failing (not a refusal: the server unreachable, say) fails the chunk: no further
      // Update starts, and the retry sends the whole chunk again under the same ids.
      let failed = false;
      const sendOne = async (memberId: string): Promise<StaffOutcome> => {
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
          return await send(request, perUpdate.signal);
        } finally {
          cancellationSignal.removeEventListener('abort', abort);
        }
      };
      const sender = async (): Promise<void> => {
        while (!failed && next < memberIds.length) {
          const index = next;
          next += 1;
          try {
            outcomes[index] = await sendOne(memberIds[index]!);
          } catch (error) {
            failed = true;
            throw error;
          }
          finished += 1;
          Context.current().heartbeat(finished);
        }
      };
      const senders = Math.max(1, Math.min(Math.floor(inFlight), memberIds.length));
      // allSettled first: every Update this attempt started has ended before the attempt does.
      const settled = await Promise.allSettled(Array.from({ length: senders }, sender));
      const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
      return outcomes;
    },

    /**
     * The plan of a batch by filter (patch `mass-change-key-ranges`): every member the filter selects
     * now, listed by visibility, cut into ranges of `pageSize` by workflow id. A range is then listed
     * again when its turn comes, by `WorkflowId >= … AND WorkflowId < …`: a member whose workflow
     * continues as new in the meantime keeps its id, so it stays in its range (a page token, which
     * follows start times, would pass it by). Returns the cuts (the first workflow id of each range
     * after the first), the count, and the first range's members (listed just now).
     */
    async planMassChange({
      associationId,
      filter,
      pageSize,
    }: {
      associationId: string;
      filter: Readonly<Record<string, string>>;
      pageSize: number;
    }): Promise<{ total: number; cuts: string[]; memberIds: string[] }> {
      const query = visibilityQuery(associationId, memberFilterSchema.parse(filter));
      const listed = await listAll(query);
      const cuts: string[] = [];
      for (let i = pageSize; i < listed.length; i += pageSize) cuts.push(listed[i]!.workflowId);
      await checkOrderedAsCut(associationId, cuts);
      // The first range listed again, by its ids: a member that continued as new while the pages
      // above were read may have been passed by them.
      const first = cuts.length === 0 ? query : `${query} AND WorkflowId < ${quoted(cuts[0]!)}`;
      return { total: listed.length, cuts, memberIds: (await listAll(first)).map((m) => m.memberId) };
    },

    /**
     * The members the filter selects now whose workflow id is at least `from` and below `to` (an
     * end left out: open), in workflow id order: one range of a batch's plan.
     */
    async listMassChangeRange({
      associationId,
      filter,
      from,
      to,
    }: {
      associationId: string;
      filter: Readonly<Record<string, string>>;
      from?: string;
      to?: string;
    }): Promise<{ memberIds: string[] }> {
      const query = [
        visibilityQuery(associationId, memberFilterSchema.parse(filter)),
        ...(from === undefined ? [] : [`WorkflowId >= ${quoted(from)}`]),
        ...(to === undefined ? [] : [`WorkflowId < ${quoted(to)}`]),
      ].join(' AND ');
      return { memberIds: (await listAll(query)).map((m) => m.memberId) };
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
