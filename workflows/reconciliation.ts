// Nightly reconciliation (run by a Temporal Schedule): finds provider records that drifted from what
// each member's workflow last had acknowledged, asks those workflows to send their status again,
// and reports what it found. The repair goes through the member's own sender, so it is ordered
// with the member's other commands and recorded in its view.
import { getExternalWorkflowHandle, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { DriftReport, ReconciliationActivities } from '../activities/reconciliation.js';
import { repairProviderSignal } from './messages.js';

const { findProviderDrift } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '2 hours',
  // Heartbeats every member checked: a worker that dies mid-way is noticed in a minute.
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 5 },
});

export interface ReconciliationReport extends DriftReport {
  readonly repairsRequested: number;
  /** Drift whose member workflow could not be signalled (it ended meanwhile). */
  readonly repairsNotRequested: readonly { readonly memberId: string; readonly reason: string }[];
}

export async function reconciliationWorkflow({
  associationId,
}: {
  associationId: string;
}): Promise<ReconciliationReport> {
  setCurrentDetails(`Checking every running membership of ${associationId} against the providers…`);
  const found = await findProviderDrift({ associationId });
  const { runId } = workflowInfo();
  let repairsRequested = 0;
  const repairsNotRequested: { memberId: string; reason: string }[] = [];
  for (const drift of found.drift) {
    try {
      await getExternalWorkflowHandle(drift.workflowId).signal(repairProviderSignal, {
        id: `${runId}/${drift.provider}`,
        provider: drift.provider,
        status: drift.expected,
        found: drift.found,
      });
      repairsRequested += 1;
    } catch (error) {
      repairsNotRequested.push({ memberId: drift.memberId, reason: (error as Error).message });
    }
  }
  const report: ReconciliationReport = { ...found, repairsRequested, repairsNotRequested };
  setCurrentDetails(reportInWords(report));
  return report;
}

function reportInWords(report: ReconciliationReport): string {
  const lines = [
    `**${report.drift.length} drifted record(s)** among ${report.recordsChecked} checked for ${report.membersChecked} membership(s); ${report.repairsRequested} repair(s) requested.`,
    ...report.drift
      .slice(0, 20)
      .map((d) => `- ${d.memberId} ${d.provider}: expected ${d.expected}, found ${d.found ?? 'no record'}`),
  ];
  if (report.drift.length > 20) lines.push(`- … and ${report.drift.length - 20} more (see the result)`);
  if (report.recordsUnsettled > 0)
    lines.push(
      `${report.recordsUnsettled} record(s) skipped: a delivery on its way, or a refusal or a missing provider id awaiting staff.`,
    );
  if (report.unreadable.length > 0) lines.push(`${report.unreadable.length} could not be read (see the result).`);
  return lines.join('\n');
}
