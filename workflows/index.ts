// The workflows a standing worker runs (the bundle's entry point).
export { membershipWorkflow } from './membership-workflow.js';
export { reconciliationWorkflow } from './reconciliation.js';
export { massChangeWorkflow } from './mass-change.js';
