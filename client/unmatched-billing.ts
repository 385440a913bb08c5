// Reports of billing events standing could not apply, for one association: the gateway opens one
// per event (a retry of the same event finds it open, or dismissed, and opens none), staff list
// them (`standing unmatched`, or the Temporal UI) and dismiss them once dealt with.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { dismissUnmatchedSchema, unmatchedBillingReportSchema } from '../schemas/unmatched-billing.js';
import type { DismissUnmatched, UnmatchedBillingReport } from '../schemas/unmatched-billing.js';
import { check, inWords } from '../schemas/validate.js';
import { membershipSearchAttributes as keys } from '../workflows/search-attributes.js';
import { runningOf } from './member-filter.js';
import { unmatchedBillingWorkflowId, workflowTypes } from '../workflows/messages.js';
import { dismissUnmatchedUpdate } from '../workflows/unmatched-billing.js';
import type { UnmatchedBillingOutcome, unmatchedBillingWorkflow } from '../workflows/unmatched-billing.js';

/** The memo key a report keeps itself under, so a listing needs no query. */
const REPORT_MEMO = 'unmatched';

export interface OpenUnmatchedReport extends UnmatchedBillingReport {
  readonly workflowId: string;
}

export class UnmatchedBillingClient {
  constructor(
    private readonly client: Client,
    private readonly associationId: string,
    private readonly taskQueue: string,
  ) {}

  /**
   * Opens the report of one billing event, unless it has one already (open, or dismissed: a billing
   * system retrying the event does not reopen what staff closed). Refuses a report for another association.
   */
  async report(input: UnmatchedBillingReport): Promise<'reported' | 'already reported'> {
    const checked = check(unmatchedBillingReportSchema, input);
    if (!checked.ok) throw new Error(`unmatched billing report: ${inWords(checked.problems)}`);
    const report = checked.value;
    if (report.associationId !== this.associationId)
      throw new Error(`a report of association ${report.associationId} cannot be opened for ${this.associationId}`);
    const workflowId = unmatchedBillingWorkflowId(this.associationId, report.eventId);
    try {
      await this.client.workflow.start<typeof unmatchedBillingWorkflow>(workflowTypes.unmatchedBilling, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [report],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { [REPORT_MEMO]: report },
        typedSearchAttributes: new TypedSearchAttributes([{ key: keys.AssociationId, value: this.associationId }]),
        staticSummary: `Unmatched ${report.source} ${report.eventType} ${report.eventId}: ${report.reason}`,
      });
      return 'reported';
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already reported';
      throw error;
    }
  }

  /** The reports still open, oldest first. */
  async open(): Promise<OpenUnmatchedReport[]> {
    const reports: OpenUnmatchedReport[] = [];
    const query = runningOf(workflowTypes.unmatchedBilling, this.associationId).join(' AND ');
    for await (const execution of this.client.workflow.list({ query })) {
      const report = execution.memo?.[REPORT_MEMO] as UnmatchedBillingReport | undefined;
      if (report) reports.push({ ...report, workflowId: execution.workflowId });
    }
    return reports.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.eventId.localeCompare(b.eventId));
  }

  /** Closes the report of `eventId` as dealt with. */
  async dismiss(eventId: string, command: DismissUnmatched = {}): Promise<UnmatchedBillingOutcome> {
    const checked = check(dismissUnmatchedSchema, command);
    if (!checked.ok) throw new Error(`dismiss: ${inWords(checked.problems)}`);
    return this.client.workflow
      .getHandle(unmatchedBillingWorkflowId(this.associationId, eventId))
      .executeUpdate(dismissUnmatchedUpdate, { args: [checked.value] });
  }
}
