// Reconciliation's look at the world: for the running memberships of an association, a page at a
// time, what each provider holds against what the member's workflow last had acknowledged (its
// memo, listed by visibility without waking the workflow), read in bulk. Finding drift is I/O
// (Temporal visibility, provider reads), so it is an activity; the repairs go back to the member
// workflows, whose senders deliver them in order with everything else.
import { Context } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { ApplicationFailure } from '@temporalio/common';
import pLimit from 'p-limit';
import { z } from 'zod';
import { memberIdOf, visibilityQuery } from '../client/member-filter.js';
import { ProviderDeliveries } from '../machines/deliveries.js';
import type { ProviderAcknowledgements } from '../machines/deliveries.js';
import { providerOrder } from '../machines/providers.js';
import type { ProviderName } from '../machines/types.js';
import { viewQuery } from '../workflows/messages.js';
import type { MemberStanding } from '../workflows/messages.js';
import { PROVIDER_ACKS_MEMO } from '../workflows/search-attributes.js';
import { MAX_IDS_PER_BULK_READ } from './providers.js';
import type { ProviderActivities, ProviderBulkReads, ProviderSettings } from './providers.js';

export interface Drift {
  readonly memberId: string;
  readonly workflowId: string;
  readonly provider: ProviderName;
  /** What the member's workflow last had acknowledged by the provider. */
  readonly expected: string;
  /** What the provider holds now (null: no record). */
  readonly found: string | null;
}

export interface DriftReport {
  readonly associationId: string;
  readonly membersChecked: number;
  readonly recordsChecked: number;
  /** Provider records left alone because a delivery is on its way or a refusal awaits staff. */
  readonly recordsUnsettled: number;
  readonly drift: readonly Drift[];
  /** Members or records that could not be read, with why. */
  readonly unreadable: readonly {
    readonly memberId: string;
    readonly provider?: ProviderName;
    readonly reason: string;
  }[];
}

export type Unreadable = DriftReport['unreadable'][number];

/** One page of reconciliation: where to start (null: the first page), and how many members. */
export interface DriftPageRequest {
  readonly associationId: string;
  /** The visibility page token of the page (base64), from the previous page's nextCursor; null: the first. */
  readonly cursor: string | null;
  readonly pageSize?: number;
}

export interface DriftPage extends DriftReport {
  /** Members without the memo (started before it, not stepped since): their `view` was queried. */
  readonly membersWithoutMemo: number;
  /** The next page's cursor; null: this was the last page. */
  readonly nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 1_000;

/** One member as a visibility page lists it, with its memo's acknowledgements (undefined: no memo). */
export interface ListedMember {
  readonly memberId: string;
  readonly workflowId: string;
  readonly acknowledgements: ProviderAcknowledgements | undefined;
}

/** One page of the association's running memberships, from `cursor` (null: the first). */
export type ListMembers = (request: {
  query: string;
  pageSize: number;
  cursor: string | null;
}) => Promise<{ members: ListedMember[]; nextCursor: string | null }>;

const acknowledgementsSchema = z.partialRecord(
  z.enum(providerOrder),
  z.object({ status: z.string(), address: z.string(), settled: z.boolean() }),
);

/** The memo's acknowledgements; undefined when it has none or they are malformed (then `view` is asked). */
export function acknowledgementsOf(
  execution: Pick<WorkflowExecutionInfo, 'memo'>,
): ProviderAcknowledgements | undefined {
  const parsed = acknowledgementsSchema.safeParse(execution.memo?.[PROVIDER_ACKS_MEMO]);
  return parsed.success ? parsed.data : undefined;
}

/** Visibility's list, a page at a time, through the client's service (the SDK's list() hides the page token). */
export function visibilityPages(client: Client): ListMembers {
  return async ({ query, pageSize, cursor }) => {
    const response = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize,
      nextPageToken: cursor === null ? null : Buffer.from(cursor, 'base64'),
    });
    const members: ListedMember[] = [];
    for (const raw of response.executions) {
      const execution = await executionInfoFromRaw(
        raw,
        client.options.loadedDataConverter,
        raw,
        client.options.namespace,
      );
      members.push({
        memberId: memberIdOf(execution),
        workflowId: execution.workflowId,
        acknowledgements: acknowledgementsOf(execution),
      });
    }
    const token = response.nextPageToken;
    return { members, nextCursor: token && token.length > 0 ? Buffer.from(token).toString('base64') : null };
  };
}

/**
 * What a page's activity heartbeats after each bulk read: the page it works on, per provider the
 * last address read (records are read in address order), and what those reads found. A retried
 * activity given these details lists the same page again and reads from where it stopped.
 */
export interface PageProgress {
  readonly cursor: string | null;
  readonly readThrough: Partial<Record<ProviderName, string>>;
  readonly recordsChecked: number;
  readonly drift: readonly Drift[];
  readonly unreadable: readonly Unreadable[];
}

/** A record to compare: the member, what its provider last acknowledged, and where. */
interface Check {
  readonly memberId: string;
  readonly workflowId: string;
  readonly expected: string;
  readonly address: string;
}

export function createReconciliationActivities({
  client,
  providers,
  bulkReads,
  settings,
  listMembers = visibilityPages(client),
  concurrency = 8,
}: {
  client: Client;
  providers: Pick<ProviderActivities, 'readProviderStatus'>;
  bulkReads?: ProviderBulkReads;
  settings: ProviderSettings;
  listMembers?: ListMembers;
  concurrency?: number;
}) {
  return {
    /**
     * One page of members: their acknowledgements from the memo (a `view` query for a member
     * without one), the records compared read in bulk per provider (MAX_IDS_PER_BULK_READ at a
     * time, providers in parallel). Heartbeats a PageProgress after each read; resumes from one.
     */
    async findProviderDriftPage({
      associationId,
      cursor,
      pageSize = DEFAULT_PAGE_SIZE,
    }: DriftPageRequest): Promise<DriftPage> {
      if (!bulkReads) throw ApplicationFailure.nonRetryable('no bulk reads configured', 'BulkReadsMissing');
      const context = Context.current();
      const { cancellationSignal } = context;
      const resumed = context.info.heartbeatDetails as PageProgress | undefined;
      const progress =
        resumed?.cursor === cursor
          ? {
              ...resumed,
              readThrough: { ...resumed.readThrough },
              drift: [...resumed.drift],
              unreadable: [...resumed.unreadable],
            }
          : { cursor, readThrough: {}, recordsChecked: 0, drift: [] as Drift[], unreadable: [] as Unreadable[] };

      const page = await listMembers({ query: visibilityQuery(associationId), pageSize, cursor });
      cancellationSignal.throwIfAborted();
      // What the page's members acknowledged: the memo, or (a member from before it) its view.
      const limit = pLimit(concurrency);
      let membersWithoutMemo = 0;
      const queryFailures: Unreadable[] = [];
      const members = await Promise.all(
        page.members.map((member) =>
          member.acknowledgements !== undefined
            ? member
            : limit(async () => {
                membersWithoutMemo += 1;
                cancellationSignal.throwIfAborted();
                const standing = await client.workflow
                  .getHandle(member.workflowId)
                  .query(viewQuery)
                  .catch((error: unknown) => {
                    queryFailures.push({
                      memberId: member.memberId,
                      reason: `query failed: ${(error as Error).message}`,
                    });
                    return null;
                  });
                return {
                  ...member,
                  acknowledgements: standing ? acknowledgementsInView(standing, member.memberId) : {},
                };
              }),
        ),
      );

      const checks = new Map<ProviderName, Check[]>();
      let recordsUnsettled = 0;
      for (const member of members)
        for (const provider of providerOrder) {
          const ack = member.acknowledgements?.[provider];
          if (ack === undefined || settings[provider] === undefined) continue;
          if (!ack.settled) {
            recordsUnsettled += 1;
            continue;
          }
          const list = checks.get(provider) ?? [];
          list.push({
            memberId: member.memberId,
            workflowId: member.workflowId,
            expected: ack.status,
            address: ack.address,
          });
          checks.set(provider, list);
        }

      // A retryable failure of one provider's reads ends the others' too: the activity is retried
      // and resumes from its heartbeat.
      const stop = new AbortController();
      const signal = AbortSignal.any([cancellationSignal, stop.signal]);
      await Promise.all(
        [...checks].map(async ([provider, list]) => {
          const byAddress = new Map<string, Check[]>();
          for (const check of list) byAddress.set(check.address, [...(byAddress.get(check.address) ?? []), check]);
          const done = progress.readThrough[provider];
          const addresses = [...byAddress.keys()].sort().filter((a) => done === undefined || a > done);
          for (let i = 0; i < addresses.length; i += MAX_IDS_PER_BULK_READ) {
            signal.throwIfAborted();
            const batch = addresses.slice(i, i + MAX_IDS_PER_BULK_READ);
            let found: Record<string, string> | null = null;
            let reason = '';
            try {
              found = await bulkReads.readProviderStatuses({ provider, ids: batch, signal });
            } catch (error) {
              if (signal.aborted || !(error instanceof ApplicationFailure) || !error.nonRetryable) {
                stop.abort(error);
                throw error;
              }
              // A refusal (a key refused, a malformed answer): these records are unreadable; the rest go on.
              reason = error.message;
            }
            for (const address of batch)
              for (const check of byAddress.get(address)!) {
                progress.recordsChecked += 1;
                if (found === null) {
                  progress.unreadable.push({ memberId: check.memberId, provider, reason });
                  continue;
                }
                const now = found[address] ?? null;
                if (now !== check.expected)
                  progress.drift.push({
                    memberId: check.memberId,
                    workflowId: check.workflowId,
                    provider,
                    expected: check.expected,
                    found: now,
                  });
              }
            progress.readThrough[provider] = batch.at(-1)!;
            context.heartbeat(progress satisfies PageProgress);
          }
        }),
      );
      cancellationSignal.throwIfAborted();
      const byMember = (a: { memberId: string }, b: { memberId: string }) => a.memberId.localeCompare(b.memberId);
      return {
        associationId,
        membersChecked: members.length,
        membersWithoutMemo,
        recordsChecked: progress.recordsChecked,
        recordsUnsettled,
        drift: progress.drift.sort(byMember),
        unreadable: [...queryFailures, ...progress.unreadable].sort(byMember),
        nextCursor: page.nextCursor,
      };
    },

    /**
     * The whole association in one activity, a `view` query and a read per member: what runs
     * recorded before paged reconciliation (patch `paged-reconciliation`) call, so they replay.
     */
    async findProviderDrift({ associationId }: { associationId: string }): Promise<DriftReport> {
      const limit = pLimit(concurrency);
      const drift: Drift[] = [];
      const unreadable: { memberId: string; provider?: ProviderName; reason: string }[] = [];
      let membersChecked = 0;
      let recordsChecked = 0;
      let recordsUnsettled = 0;
      const checks: Promise<void>[] = [];
      // Cancelled (the run was cancelled, or the worker is shutting down): read nothing more; the
      // report of a cancelled run is not used, and the next run starts afresh.
      const { cancellationSignal } = Context.current();
      for await (const execution of client.workflow.list({ query: visibilityQuery(associationId) })) {
        cancellationSignal.throwIfAborted();
        const memberId = memberIdOf(execution);
        checks.push(
          limit(async () => {
            if (cancellationSignal.aborted) return;
            const standing = await client.workflow
              .getHandle(execution.workflowId)
              .query(viewQuery)
              .catch((error: unknown) => {
                unreadable.push({ memberId, reason: `query failed: ${(error as Error).message}` });
                return null;
              });
            membersChecked += 1;
            Context.current().heartbeat(membersChecked);
            if (!standing?.providerSync) return;
            const deliveries = new ProviderDeliveries({
              deliveries: standing.providerSync.deliveries,
              syncedThrough: 0,
              repairs: [],
            });
            for (const provider of providerOrder) {
              const expected = deliveries.expected(provider);
              if (expected === null || settings[provider] === undefined) continue;
              if (!deliveries.settled(provider)) {
                recordsUnsettled += 1;
                continue;
              }
              recordsChecked += 1;
              try {
                // The member's current id there (a view from before provider ids has none: memberId).
                const providerId = standing.providerIds?.[provider];
                const found = await providers.readProviderStatus({
                  provider,
                  memberId,
                  ...(providerId === undefined ? {} : { providerId }),
                });
                if (found !== expected)
                  drift.push({ memberId, workflowId: execution.workflowId, provider, expected, found });
              } catch (error) {
                unreadable.push({ memberId, provider, reason: (error as Error).message });
              }
            }
          }),
        );
      }
      await Promise.all(checks);
      cancellationSignal.throwIfAborted();
      const byMember = (a: { memberId: string }, b: { memberId: string }) => a.memberId.localeCompare(b.memberId);
      return {
        associationId,
        membersChecked,
        recordsChecked,
        recordsUnsettled,
        drift: drift.sort(byMember),
        unreadable: unreadable.sort(byMember),
      };
    },
  };
}

/** What a member's view says reconciliation compares (a member without the memo). */
function acknowledgementsInView(standing: MemberStanding, memberId: string): ProviderAcknowledgements {
  if (!standing.providerSync) return {};
  const deliveries = new ProviderDeliveries({
    deliveries: standing.providerSync.deliveries,
    syncedThrough: 0,
    repairs: [],
  });
  const acks = deliveries.acknowledgements(memberId);
  // As before the memo: the record at the member's current id there.
  return Object.fromEntries(
    Object.entries(acks).map(([provider, ack]) => [
      provider,
      { ...ack, address: standing.providerIds?.[provider as ProviderName] ?? memberId },
    ]),
  );
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
