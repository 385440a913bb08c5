// The bench worker's workflows: the product's membership and mass-change workflows, and the no-op baselines.
export { membershipWorkflow } from '../workflows/membership-workflow.js';
export { massChangeWorkflow } from '../workflows/mass-change.js';
export { noopUpdateWorkflow, noopWorkflow, trivialMemberWorkflow } from './noop-workflow.js';
