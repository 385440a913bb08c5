// The benchmarks' baselines: workflows that take signals (bench:runtime) or Updates
// (bench:mass-change) and do nothing else, or show themselves and expire on a timer (bench:scale), so the product's throughput can be read as a ratio of
// what Temporal itself allows here.
import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProviderActivities } from '../activities/providers.js';
import { membershipSearchAttributes } from '../workflows/search-attributes.js';

export const pingSignal = defineSignal('ping');
export const pingsQuery = defineQuery<number>('pings');

export async function noopWorkflow(): Promise<void> {
  let pings = 0;
  setHandler(pingSignal, () => {
    pings += 1;
  });
  setHandler(pingsQuery, () => pings);
  await condition(() => false);
}

export const noopUpdate = defineUpdate<number, [string]>('noop');

export async function noopUpdateWorkflow(): Promise<void> {
  let updates = 0;
  setHandler(noopUpdate, () => (updates += 1));
  await condition(() => false);
}

/** The trivial member bench:scale compares the membership with: the same search attributes, timer, upserts and two provider commands. */
export interface TrivialMemberInput {
  /** The instant its timer fires (an ISO timestamp); absent, it only starts and shows itself. */
  readonly expireAt?: string;
}

const { applyProviderStatus } = proxyActivities<ProviderActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function trivialMemberWorkflow(input: TrivialMemberInput = {}): Promise<void> {
  const { MembershipState, ProviderSync } = membershipSearchAttributes;
  upsertSearchAttributes([
    { key: MembershipState, value: 'active' },
    { key: ProviderSync, value: 'ok' },
  ]);
  if (input.expireAt !== undefined) {
    await sleep(Math.max(0, Date.parse(input.expireAt) - Date.now()));
    upsertSearchAttributes([
      { key: MembershipState, value: 'pastDue' },
      { key: ProviderSync, value: 'pending' },
    ]);
    const memberId = workflowInfo().workflowId.split('/').at(-1)!;
    await Promise.all(
      (['mls', 'lockbox'] as const).map((provider) =>
        applyProviderStatus({
          provider,
          memberId,
          status: 'Inactive',
          role: 'primary',
          idempotencyKey: `${workflowInfo().workflowId}/${provider}/pastDue`,
        }),
      ),
    );
    upsertSearchAttributes([{ key: ProviderSync, value: 'ok' }]);
  }
  await condition(() => false);
}
