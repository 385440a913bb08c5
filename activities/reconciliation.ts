// Reconciliation's look at the world: for every running membership of an association, what each
// provider holds against what the member's workflow last had acknowledged. Finding drift is I/O
// (Temporal visibility, queries, provider reads), so it is an activity; the repairs go back to the
// member workflows, whose senders deliver them in order with everything else.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import pLimit from 'p-limit';
import { memberIdOf, visibilityQuery } from '../client/member-filter.js';
import { ProviderDeliveries } from '../machines/deliveries.js';
import { providerOrder } from '../machines/providers.js';
import type { ProviderName } from '../machines/types.js';
import { viewQuery } from '../workflows/messages.js';
import type { ProviderActivities, ProviderSettings } from './providers.js';

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

export function createReconciliationActivities({
  client,
  providers,
  settings,
  concurrency = 8,
}: {
  client: Client;
  providers: Pick<ProviderActivities, 'readProviderStatus'>;
  settings: ProviderSettings;
  concurrency?: number;
}) {
  return {
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

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
