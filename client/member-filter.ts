// Which members a staff tool means: filters on the membership search attributes, validated, and the
// Temporal visibility query they make. `standing list`, mass status change and mass drop share it.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import type { SyncStatus } from '../machines/deliveries.js';
import type { AssociationConfig } from '../schemas/association.js';
import { memberStates } from '../schemas/events.js';
import { workflowTypes } from '../workflows/messages.js';
import { membershipSearchAttributes as keys } from '../workflows/search-attributes.js';

/** A membership's ProviderSync search attribute (undeliverable: a required provider id is missing or malformed). */
export const providerSyncStatuses = [
  'ok',
  'pending',
  'failed',
  'undeliverable',
] as const satisfies readonly SyncStatus[];

export const memberFilterSchema = z.strictObject({
  state: z.enum(memberStates, { error: `must be one of ${memberStates.join(', ')}` }).optional(),
  type: z.string().min(1).optional(),
  /** Members paid through a day before this one (or never paid). */
  paidThroughBefore: z.iso.date({ error: 'must be a date YYYY-MM-DD' }).optional(),
  providerSync: z.enum(providerSyncStatuses, { error: `must be one of ${providerSyncStatuses.join(', ')}` }).optional(),
});
export type MemberFilter = z.output<typeof memberFilterSchema>;

/** Option names as the CLI spells them, for error messages. */
const filterOptionNames: Record<keyof MemberFilter, string> = {
  state: '--state',
  type: '--type',
  paidThroughBefore: '--paid-through-before',
  providerSync: '--provider-sync',
};

/**
 * The visibility query for running memberships of the association matching the filter (every one
 * when the filter is empty). Values are validated against closed sets (or the association's own
 * type codes, or its id, which has no quotes or spaces), so none needs escaping.
 */
export function visibilityQuery(associationId: string, filter: MemberFilter = {}): string {
  const clauses = runningOf(workflowTypes.membership, associationId);
  if (filter.state) clauses.push(`${keys.MembershipState.name} = "${filter.state}"`);
  if (filter.type) clauses.push(`${keys.MembershipType.name} = "${filter.type}"`);
  if (filter.paidThroughBefore)
    clauses.push(
      `(${keys.PaidThrough.name} < "${filter.paidThroughBefore}T00:00:00Z" OR ${keys.PaidThrough.name} IS NULL)`,
    );
  if (filter.providerSync) clauses.push(`${keys.ProviderSync.name} = "${filter.providerSync}"`);
  return clauses.join(' AND ');
}

/** The clauses for the association's running workflows of one type (memberships, unmatched billing reports). */
export function runningOf(workflowType: string, associationId: string): string[] {
  return [
    `WorkflowType = "${workflowType}"`,
    `ExecutionStatus = "Running"`,
    `${keys.AssociationId.name} = "${associationId}"`,
  ];
}

/** The filter's problems, each naming its option; a type the association does not define is one. */
export function filterProblems(
  association: AssociationConfig,
  input: Record<string, unknown>,
): { option: string; message: string }[] {
  const parsed = memberFilterSchema.safeParse(input);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({
        option: filterOptionNames[issue.path[0] as keyof MemberFilter] ?? String(issue.path[0]),
        message: issue.message,
      }));
  const type = input.type;
  if (typeof type === 'string' && !association.membershipTypes.some((t) => t.code === type)) {
    problems.push({
      option: '--type',
      message: `${type} is not defined by association ${association.association.id} (types: ${association.membershipTypes.map((t) => t.code).join(', ')})`,
    });
  }
  return problems;
}

/** The member a listed membership workflow belongs to: its MemberId attribute, else its id's last part. */
export function memberIdOf(execution: Pick<WorkflowExecutionInfo, 'typedSearchAttributes' | 'workflowId'>): string {
  return execution.typedSearchAttributes.get(keys.MemberId) ?? execution.workflowId.split('/').at(-1)!;
}
