// The baseline for bench:runtime: a workflow that takes signals and does nothing else, so the
// membership workflow's throughput can be read as a ratio of what Temporal itself allows here.
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

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
