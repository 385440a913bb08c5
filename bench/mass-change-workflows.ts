// The workflows bench:mass-change runs: the product's membership and mass-change workflows, and a
// no-op workflow whose Update does nothing, the baseline a batch's Updates are measured against.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export { membershipWorkflow } from '../workflows/membership-workflow.js';
export { massChangeWorkflow } from '../workflows/mass-change.js';

export const noopUpdate = defineUpdate<number, [string]>('noop');

export async function noopUpdateWorkflow(): Promise<void> {
  let updates = 0;
  setHandler(noopUpdate, () => (updates += 1));
  await condition(() => false);
}
