// The nightly reconciliation as a Temporal Schedule, one per association in its namespace, starting
// runs on its task queue, kept in step with the worker's settings: STANDING_RECONCILE_CRON (default
// "0 3 * * *", 03:00 in the association's time zone), or "off" to pause it. Staff see it, pause it
// and trigger it in the UI's Schedules page.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client, ScheduleOptions, ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { AssociationConfig } from '../schemas/association.js';
import { associationTaskQueue, workflowTypes } from '../workflows/messages.js';
import type { reconciliationWorkflow } from '../workflows/reconciliation.js';

export const DEFAULT_RECONCILE_CRON = '0 3 * * *';

export function reconciliationScheduleId(associationId: string): string {
  return `reconcile-providers/${associationId}`;
}

/** `client` is of the association's namespace. */
export async function ensureReconciliationSchedule(
  client: Client,
  association: AssociationConfig,
  cron: string = process.env.STANDING_RECONCILE_CRON ?? DEFAULT_RECONCILE_CRON,
): Promise<string> {
  const associationId = association.association.id;
  const scheduleId = reconciliationScheduleId(associationId);
  const paused = cron === 'off';
  const action: ScheduleOptionsStartWorkflowAction<typeof reconciliationWorkflow> = {
    type: 'startWorkflow',
    workflowType: workflowTypes.reconciliation,
    // A schedule appends the run's moment to this id (`-2026-07-01T03:00:00Z`): after a slash, so
    // the id still names the association second (associationOfWorkflowId), as activities require.
    workflowId: `reconcile-providers/${associationId}/nightly`,
    taskQueue: association.temporal?.taskQueue ?? associationTaskQueue(associationId),
    args: [{ associationId }],
  };
  const options: ScheduleOptions<typeof action> & { state: { paused: boolean; note: string } } = {
    scheduleId,
    spec: { cronExpressions: [paused ? DEFAULT_RECONCILE_CRON : cron], timezone: association.association.timezone },
    action,
    // A night's run still going (a large association, a slow provider) is not started twice.
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    state: {
      paused,
      note: paused ? 'STANDING_RECONCILE_CRON=off' : `nightly provider reconciliation for ${associationId}`,
    },
  };
  try {
    await client.schedule.create(options);
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    const handle = client.schedule.getHandle(scheduleId);
    await handle.update((previous) => ({
      ...previous,
      spec: options.spec,
      action,
      policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP },
    }));
    if (paused) await handle.pause(options.state.note);
    else await handle.unpause(options.state.note);
  }
  return scheduleId;
}
