// A billing event naming no member stays reported, once per event, until staff dismiss it (the
// dismissal checked like any staff Update) or it has waited its time.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnmatchedBillingClient } from '../../client/unmatched-billing.js';
import type { UnmatchedBillingReport } from '../../schemas/unmatched-billing.js';
import { unmatchedBillingWorkflowId } from '../../workflows/messages.js';
import { dismissUnmatchedUpdate } from '../../workflows/unmatched-billing.js';
import type { UnmatchedBillingOutcome } from '../../workflows/unmatched-billing.js';
import { timeSkippingWorker } from './environment.js';
import type { RunningWorker } from './environment.js';

const taskQueue = 'unmatched-billing';

describe('unmatched billing reports', () => {
  let env: TestWorkflowEnvironment;
  let running: RunningWorker;
  let reports: UnmatchedBillingClient;

  beforeAll(async () => {
    running = await timeSkippingWorker(taskQueue);
    env = running.env;
    reports = new UnmatchedBillingClient(env.client, 'TEST', taskQueue);
  });

  afterAll(async () => {
    await running?.stop();
  });

  const report = (eventId: string): UnmatchedBillingReport => ({
    associationId: 'TEST',
    source: 'stripe',
    eventId,
    eventType: 'charge.refunded',
    reason: `charge.refunded ${eventId}: charge ch_1 names no member`,
    receivedAt: '2026-11-23T12:00:00.000Z',
  });
  const handleOf = (eventId: string) => env.client.workflow.getHandle(unmatchedBillingWorkflowId('TEST', eventId));

  it('opens one report per event: a retry finds it open, and after dismissal it is not reopened', async () => {
    expect(await reports.report(report('evt_once'))).toBe('reported');
    expect(await reports.report(report('evt_once'))).toBe('reported');
    const outcome = await reports.dismiss('evt_once', { by: 'dana', reason: 'sent for member M7 on /events' });
    expect(outcome).toEqual({
      report: report('evt_once'),
      dismissed: { by: 'dana', reason: 'sent for member M7 on /events', at: expect.any(String) },
    });
    expect(await handleOf('evt_once').result()).toEqual(outcome);
    expect(await reports.report(report('evt_once'))).toBe('already reported');
    // One run only: the retry while open joined it, the one after dismissal started none.
    const runs = await handleOf('evt_once').describe();
    expect(runs.runId).toBe(runs.raw.workflowExecutionInfo?.firstRunId);
  });

  it('refuses a dismissal whose fields do not fit, naming the field, and stays open', async () => {
    await reports.report(report('evt_bad_dismissal'));
    const refused = handleOf('evt_bad_dismissal').executeUpdate(dismissUnmatchedUpdate, {
      args: [{ by: 7 } as unknown as { by: string }],
    });
    await expect(refused).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(refused).rejects.toMatchObject({ cause: { message: expect.stringContaining('by:') } });
    expect((await handleOf('evt_bad_dismissal').describe()).status.name).toBe('RUNNING');
  });

  it('refuses to open a report for another association, or one missing a field', async () => {
    await expect(reports.report({ ...report('evt_other'), associationId: 'LAKE' })).rejects.toThrow(
      'a report of association LAKE cannot be opened for TEST',
    );
    const { reason: _reason, ...noReason } = report('evt_no_reason');
    await expect(reports.report(noReason as UnmatchedBillingReport)).rejects.toThrow(/reason/);
  });

  it('closes by itself, undismissed, after 90 days', async () => {
    await reports.report(report('evt_unanswered'));
    const started = await env.currentTimeMs();
    const outcome: UnmatchedBillingOutcome = await handleOf('evt_unanswered').result();
    expect(outcome).toEqual({ report: report('evt_unanswered'), dismissed: null });
    expect((await env.currentTimeMs()) - started).toBeGreaterThanOrEqual(90 * 24 * 3600 * 1000);
  });
});
