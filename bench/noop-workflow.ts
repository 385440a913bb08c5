// The benchmarks' baselines: workflows that take signals (bench:runtime) or Updates
// (bench:mass-change) and do nothing else, so the product's throughput can be read as a ratio of
// what Temporal itself allows here.
import { condition, defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

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
