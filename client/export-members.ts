// Reading an association's memberships back from Temporal, one member at a time: the running
// memberships visibility lists (all, or by `list`'s filters), each one's continue-as-new chain read
// from its current run back to its first, turned into the member's history (member-history.ts) and
// its export lines. What it costs grows with the members listed and each one's own history, never
// with the life of the cluster: no namespace scan, no closed workflows but a member's own earlier runs.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import pLimit from 'p-limit';
import { memberIdOf, visibilityQuery } from './member-filter.js';
import type { MemberFilter } from './member-filter.js';
import { UnreadableHistory, readMemberHistory } from './member-history.js';
import type { MemberHistory } from './member-history.js';

export interface ListedMember {
  readonly workflowId: string;
  readonly runId: string;
}

/** A member whose chain cannot be read whole: its earliest runs are gone (the namespace's retention), or unreadable. */
export interface IncompleteMember {
  readonly workflowId: string;
  readonly reason: string;
}

export type ExportedMember =
  | { readonly kind: 'member'; readonly workflowId: string; readonly history: MemberHistory }
  | ({ readonly kind: 'incomplete' } & IncompleteMember);

/** How many running memberships the filter matches (for progress). */
export async function countMembers(client: Client, associationId: string, filter: MemberFilter = {}): Promise<number> {
  return (await client.workflow.count(visibilityQuery(associationId, filter))).count;
}

/**
 * Each running membership the filter matches, read whole, `concurrency` at a time, in the order
 * they are read; `skip` names members already exported (a resumed export).
 */
export async function* exportMembers(
  client: Client,
  associationId: string,
  options: { filter?: MemberFilter; skip?: ReadonlySet<string>; concurrency?: number } = {},
): AsyncGenerator<ExportedMember> {
  const concurrency = options.concurrency ?? 8;
  const limit = pLimit(concurrency);
  // Reads in listing order, `concurrency` at a time and a bounded window ahead: the listing is paged
  // lazily and each member is handed on, then dropped, as soon as it and those before it are read.
  const window: Promise<ExportedMember>[] = [];
  for await (const execution of client.workflow.list({ query: visibilityQuery(associationId, options.filter) })) {
    if (options.skip?.has(memberIdOf(execution))) continue;
    const read = limit(() => readMember(client, { workflowId: execution.workflowId, runId: execution.runId }));
    // Handled here so a failure waiting its turn is not reported unhandled; awaited below, it still throws.
    read.catch(() => undefined);
    window.push(read);
    if (window.length >= concurrency * 2) yield await window.shift()!;
  }
  while (window.length > 0) yield await window.shift()!;
}

/** One member's chain, from its current run back to its first, read whole. */
export async function readMember(client: Client, listed: ListedMember): Promise<ExportedMember> {
  const runs: temporal.api.history.v1.IHistory[] = [];
  let runId: string | undefined = listed.runId;
  while (runId) {
    let history: temporal.api.history.v1.IHistory;
    try {
      history = await client.workflow.getHandle(listed.workflowId, runId).fetchHistory();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) || runs.length === 0) throw error;
      return {
        kind: 'incomplete',
        workflowId: listed.workflowId,
        reason: `its run ${runId}, continued as new into a later one, is no longer kept (the namespace's retention): the events before it cannot be read`,
      };
    }
    runs.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  try {
    return { kind: 'member', workflowId: listed.workflowId, history: readMemberHistory(runs) };
  } catch (error) {
    // One history this reader cannot make sense of is that member's problem, not the export's.
    if (!(error instanceof UnreadableHistory)) throw error;
    return {
      kind: 'incomplete',
      workflowId: listed.workflowId,
      reason: `its history cannot be read: ${error.message}`,
    };
  }
}

/**
 * The member's export lines (schemas/export.ts): a `configuration` line for each version not in
 * `written` yet (added to it), then its `configured` lines and events merged in `at` order (a
 * configuration first on a tie; events with the same `at` in the order the workflow applied them).
 */
export function exportLines(member: MemberHistory, written: Set<string>): string[] {
  const lines: string[] = [];
  for (const ran of member.configurations) {
    if (written.has(ran.version)) continue;
    written.add(ran.version);
    lines.push(JSON.stringify({ configuration: { version: ran.version, association: ran.association } }));
  }
  const entries = [
    ...member.configurations.map((ran, order) => ({
      at: Date.parse(ran.at),
      rank: 0,
      order,
      line: JSON.stringify({ configured: { memberId: member.memberId, version: ran.version, at: ran.at } }),
    })),
    ...member.applied.map(({ event }, order) => ({
      at: Date.parse(event.at),
      rank: 1,
      order,
      line: JSON.stringify(event),
    })),
  ];
  entries.sort((a, b) => a.at - b.at || a.rank - b.rank || a.order - b.order);
  for (const entry of entries) lines.push(entry.line);
  return lines;
}
