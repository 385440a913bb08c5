// Nightly reconciliation (run by a Temporal Schedule): finds provider records that drifted from what
// each member's workflow last had acknowledged, asks those workflows to send their status again,
// and reports what it found. It goes a page of members at a time (an activity each), repairing as
// it goes, and continues as new with its cursor and counts when its history grows. The repair goes
// through the member's own sender, so it is ordered with the member's other commands and recorded
// in its view.
import {
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { Drift, DriftReport, ReconciliationActivities } from '../activities/reconciliation.js';
import { repairProviderSignal } from './messages.js';

const { findProviderDrift } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '2 hours',
  // Heartbeats every member checked: a worker that dies mid-way is noticed in a minute.
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 5 },
});

const { findProviderDriftPage } = proxyActivities<ReconciliationActivities>({
  // A page is at most a few thousand bulk-read records; a retry resumes from its heartbeat.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/** Runs recorded before it found all drift in one activity (findProviderDrift); they replay so. */
const PAGED_RECONCILIATION = 'paged-reconciliation';
/** Drift, unreadable records and failed repairs kept in the result (the first ones); the counts cover all. */
export const MAX_LISTED = 1_000;
/** Continue as new past this many history events (well before Temporal's suggestion at 10 Ki events or 10 MB). */
const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 5_000;

export interface ReconciliationReport extends DriftReport {
  /** All drift found (`drift` lists the first MAX_LISTED). */
  readonly driftFound: number;
  /** All records or members that could not be read (`unreadable` lists the first MAX_LISTED). */
  readonly unreadableFound: number;
  /** Members without the memo (started before it and not stepped since), whose `view` was queried. */
  readonly membersWithoutMemo: number;
  readonly pages: number;
  readonly repairsRequested: number;
  /** Drift whose member workflow could not be signalled (it ended meanwhile); the first MAX_LISTED. */
  readonly repairsNotRequested: readonly { readonly memberId: string; readonly reason: string }[];
}

/** What a run hands the next when it continues as new: where to go on, and the report so far. */
export interface ReconciliationProgress {
  readonly cursor: string;
  readonly report: ReconciliationReport;
  /** The first run's id: repair ids stay the same across the runs of one reconciliation. */
  readonly repairBase: string;
}

export async function reconciliationWorkflow({
  associationId,
  pageSize,
  continueAsNewAfterEvents = DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS,
  carried,
}: {
  associationId: string;
  /** Members per page (activities' default: 1,000). */
  pageSize?: number;
  /** History events past which a run hands on to the next (tests make it small). */
  continueAsNewAfterEvents?: number;
  carried?: ReconciliationProgress;
}): Promise<ReconciliationReport> {
  if (carried === undefined && !patched(PAGED_RECONCILIATION)) return reconcileInOneActivity(associationId);
  const repairBase = carried?.repairBase ?? workflowInfo().runId;
  let report: ReconciliationReport = carried?.report ?? {
    associationId,
    membersChecked: 0,
    recordsChecked: 0,
    recordsUnsettled: 0,
    drift: [],
    unreadable: [],
    driftFound: 0,
    unreadableFound: 0,
    membersWithoutMemo: 0,
    pages: 0,
    repairsRequested: 0,
    repairsNotRequested: [],
  };
  let cursor: string | null = carried?.cursor ?? null;
  setCurrentDetails(`Checking every running membership of ${associationId} against the providers…`);
  for (;;) {
    const page = await findProviderDriftPage({ associationId, cursor, ...(pageSize ? { pageSize } : {}) });
    const repairs = await requestRepairs(page.drift, repairBase);
    report = {
      ...report,
      membersChecked: report.membersChecked + page.membersChecked,
      recordsChecked: report.recordsChecked + page.recordsChecked,
      recordsUnsettled: report.recordsUnsettled + page.recordsUnsettled,
      membersWithoutMemo: report.membersWithoutMemo + page.membersWithoutMemo,
      driftFound: report.driftFound + page.drift.length,
      unreadableFound: report.unreadableFound + page.unreadable.length,
      drift: firstOf(report.drift, page.drift),
      unreadable: firstOf(report.unreadable, page.unreadable),
      pages: report.pages + 1,
      repairsRequested: report.repairsRequested + repairs.requested,
      repairsNotRequested: firstOf(report.repairsNotRequested, repairs.notRequested),
    };
    cursor = page.nextCursor;
    if (cursor === null) break;
    setCurrentDetails(`${reportInWords(report)}\n\nGoing on (page ${report.pages + 1})…`);
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > continueAsNewAfterEvents)
      return continueAsNew<typeof reconciliationWorkflow>({
        associationId,
        ...(pageSize ? { pageSize } : {}),
        continueAsNewAfterEvents,
        carried: { cursor, report, repairBase },
      });
  }
  setCurrentDetails(reportInWords(report));
  return report;
}

/** A page's repairs, signalled together (one workflow task for the lot). */
async function requestRepairs(
  drift: readonly Drift[],
  repairBase: string,
): Promise<{ requested: number; notRequested: { memberId: string; reason: string }[] }> {
  const outcomes = await Promise.allSettled(
    drift.map((d) =>
      getExternalWorkflowHandle(d.workflowId).signal(repairProviderSignal, {
        id: `${repairBase}/${d.provider}`,
        provider: d.provider,
        status: d.expected,
        found: d.found,
      }),
    ),
  );
  const notRequested: { memberId: string; reason: string }[] = [];
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'rejected')
      notRequested.push({ memberId: drift[i]!.memberId, reason: (outcome.reason as Error).message });
  });
  return { requested: drift.length - notRequested.length, notRequested };
}

function firstOf<T>(kept: readonly T[], more: readonly T[]): readonly T[] {
  return kept.length >= MAX_LISTED ? kept : [...kept, ...more.slice(0, MAX_LISTED - kept.length)];
}

/** Runs from before paged reconciliation: every member in one activity, repairs one at a time. */
async function reconcileInOneActivity(associationId: string): Promise<ReconciliationReport> {
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
  const report: ReconciliationReport = {
    ...found,
    driftFound: found.drift.length,
    unreadableFound: found.unreadable.length,
    membersWithoutMemo: found.membersChecked,
    pages: 1,
    repairsRequested,
    repairsNotRequested,
  };
  setCurrentDetails(reportInWords(report));
  return report;
}

function reportInWords(report: ReconciliationReport): string {
  const lines = [
    `**${report.driftFound} drifted record(s)** among ${report.recordsChecked} checked for ${report.membersChecked} membership(s); ${report.repairsRequested} repair(s) requested.`,
    ...report.drift
      .slice(0, 20)
      .map((d) => `- ${d.memberId} ${d.provider}: expected ${d.expected}, found ${d.found ?? 'no record'}`),
  ];
  if (report.driftFound > 20) lines.push(`- … and ${report.driftFound - 20} more (see the result)`);
  if (report.recordsUnsettled > 0)
    lines.push(
      `${report.recordsUnsettled} record(s) skipped: a delivery on its way, or a refusal or a missing provider id awaiting staff.`,
    );
  if (report.unreadableFound > 0) lines.push(`${report.unreadableFound} could not be read (see the result).`);
  return lines.join('\n');
}
