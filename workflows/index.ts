// The workflows a standing worker runs (the bundle's entry point).
import type { WorkflowTypeName } from './messages.js';
import type * as exported from './index.js';

export { membershipWorkflow } from './membership-workflow.js';
export { reconciliationWorkflow } from './reconciliation.js';
export { massChangeWorkflow } from './mass-change.js';
export { unmatchedBillingWorkflow } from './unmatched-billing.js';

/**
 * Clients start workflows by the names in messages.ts (workflowTypes): this fails to compile when
 * an exported function and those names differ, either way.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _WorkflowTypesMatchExports = Holds<Same<keyof typeof exported, WorkflowTypeName>>;
