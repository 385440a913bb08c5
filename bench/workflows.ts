// The bench worker's workflows: the product's, and the no-op baseline.
export { membershipWorkflow } from '../workflows/membership-workflow.js';
export { noopWorkflow } from './noop-workflow.js';
