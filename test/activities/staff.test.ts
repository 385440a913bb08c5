// The mass-change activity on MockActivityEnvironment, sending its Updates to real membership
// workflows on the time-skipping server: the change it reports, a retry that changes nothing more,
// a refusal in the member's words, a member with no workflow, and a cancelled attempt (a worker
// shutting down) that stops waiting for its Update, whose retry then applies it once; and a batch's
// chunk, each member in turn or several at once, retried without changing anyone twice.
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffActivities } from '../../activities/staff.js';
import { MembershipClient } from '../../client/membership-client.js';
import { association, paidMemberEvents } from '../helpers.js';
import { recordingLogger } from '../quiet-logs.js';
import { testWorker, timeSkippingWorker } from '../workflow/environment.js';
import type { RunningWorker } from '../workflow/environment.js';
import { providersSettled, untilStanding } from '../workflow/until.js';

const taskQueue = 'staff-activity';
const config = association();

describe('applyStaffCommand', () => {
  let env: TestWorkflowEnvironment;
  let running: RunningWorker;
  let client: MembershipClient;
  let applyStaffCommand: ReturnType<typeof createStaffActivities>['applyStaffCommand'];
  let applyStaffCommands: ReturnType<typeof createStaffActivities>['applyStaffCommands'];

  beforeAll(async () => {
    running = await timeSkippingWorker(taskQueue);
    env = running.env;
    client = new MembershipClient(env.client, config, taskQueue);
    ({ applyStaffCommand, applyStaffCommands } = createStaffActivities({ client: env.client }));
  });

  afterAll(async () => {
    await running?.stop();
  });

  /** A member who joined a moment ago (by the server's clock) on `queue`'s task queue, and paid a year's dues unless `pays` is false. */
  async function member(memberId: string, { queue = client, pays = true } = {}): Promise<void> {
    const events = paidMemberEvents(memberId, { now: await env.currentTimeMs() });
    for (const event of pays ? events : events.slice(0, 1)) await queue.send(event);
  }
  const activity = () => new MockActivityEnvironment(undefined, { logger: recordingLogger });
  const command = (id: string, action: 'suspend' | 'reactivate' | 'drop', memberId: string) => ({
    workflowId: client.workflowId(memberId),
    memberId,
    action,
    command: { id, by: 'board', reason: 'audit' },
  });

  it('reports the change its Update made, and the same change again on a retry, which changes nothing more', async () => {
    await member('SA1');
    await untilStanding(client, 'SA1', (s) => s?.member?.state === 'active', 'SA1 active');
    const outcome = await activity().run(applyStaffCommand, command('batch-1/SA1', 'drop', 'SA1'));
    expect(outcome).toEqual({ memberId: 'SA1', outcome: 'changed', from: 'active', to: 'terminated' });
    expect(await activity().run(applyStaffCommand, command('batch-1/SA1', 'drop', 'SA1'))).toEqual(outcome);
    const view = await client.view('SA1');
    expect(view?.member?.timeline.filter((e) => e.change === 'dropped')).toHaveLength(1);
    await providersSettled(client, ['SA1']);
  });

  it('reports a refusal in the member’s own words, and a member with no workflow as refused', async () => {
    await member('SA2', { pays: false });
    expect(await activity().run(applyStaffCommand, command('batch-2/SA2', 'reactivate', 'SA2'))).toEqual({
      memberId: 'SA2',
      outcome: 'refused',
      reason: 'reactivated does not fit a member who is pending: only a suspended member can be reactivated',
    });
    expect(await activity().run(applyStaffCommand, command('batch-2/NOBODY', 'drop', 'NOBODY'))).toEqual({
      memberId: 'NOBODY',
      outcome: 'refused',
      reason: 'no running membership',
    });
    expect((await client.view('SA2'))?.member?.state).toBe('pending');
    await providersSettled(client, ['SA2']);
  });

  it('stops waiting for its Update when cancelled, and its retry applies the Update once', async () => {
    // A member whose workflow no worker runs yet: the Update cannot complete.
    const idleQueue = 'staff-activity-idle';
    const idle = new MembershipClient(env.client, config, idleQueue);
    await member('SA3', { queue: idle });
    const cancelled = activity();
    const attempt = cancelled.run(applyStaffCommand, command('batch-3/SA3', 'suspend', 'SA3'));
    let settled = false;
    void attempt.then(
      () => (settled = true),
      () => (settled = true),
    );
    // A round trip to the server: the Update request went out before it, and is still waiting.
    await idle.handle('SA3').describe();
    expect(settled).toBe(false);
    cancelled.cancel('WORKER_SHUTDOWN');
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect((error as CancelledFailure).message).toBe('WORKER_SHUTDOWN');

    // A worker for the member comes; the retry (the same command id) finds the member suspended once.
    const memberWorker = await testWorker(env, idleQueue);
    await memberWorker.runUntil(async () => {
      expect(await activity().run(applyStaffCommand, command('batch-3/SA3', 'suspend', 'SA3'))).toEqual({
        memberId: 'SA3',
        outcome: 'changed',
        from: 'active',
        to: 'suspended',
      });
      expect((await idle.view('SA3'))?.member?.timeline.filter((e) => e.change === 'suspended')).toHaveLength(1);
      await providersSettled(idle, ['SA3']);
    });
  });

  it('sends a chunk’s command to each member in turn, under `<batch>/<member>`; the chunk retried changes nobody again', async () => {
    for (const memberId of ['SC1', 'SC2']) await member(memberId);
    for (const memberId of ['SC1', 'SC2'])
      await untilStanding(client, memberId, (s) => s?.member?.state === 'active', `${memberId} active`);
    const chunk = {
      associationId: config.association.id,
      action: 'drop' as const,
      batch: 'batch-4',
      memberIds: ['SC1', 'NOBODY', 'SC2'],
      by: 'board',
      reason: 'lapsed',
    };
    const outcomes = await activity().run(applyStaffCommands, chunk);
    expect(outcomes).toEqual([
      { memberId: 'SC1', outcome: 'changed', from: 'active', to: 'terminated' },
      { memberId: 'NOBODY', outcome: 'refused', reason: 'no running membership' },
      { memberId: 'SC2', outcome: 'changed', from: 'active', to: 'terminated' },
    ]);
    expect(await activity().run(applyStaffCommands, chunk)).toEqual(outcomes);
    for (const memberId of ['SC1', 'SC2']) {
      const timeline = (await client.view(memberId))?.member?.timeline ?? [];
      expect(
        timeline.filter((e) => e.change === 'dropped'),
        memberId,
      ).toHaveLength(1);
    }
    await providersSettled(client, ['SC1', 'SC2']);
  });

  it('sends a chunk’s Updates several at once, reporting them in the chunk’s order; retried, it changes nobody again', async () => {
    const members = ['SD1', 'SD2', 'SD3', 'SD4'];
    for (const memberId of members) await member(memberId);
    for (const memberId of members)
      await untilStanding(client, memberId, (s) => s?.member?.state === 'active', `${memberId} active`);
    const chunk = {
      associationId: config.association.id,
      action: 'suspend' as const,
      batch: 'batch-5',
      memberIds: ['SD1', 'SD2', 'NOBODY', 'SD3', 'SD4'],
      by: 'board',
      reason: 'audit',
      inFlight: 3,
    };
    const suspended = (memberId: string) => ({ memberId, outcome: 'changed', from: 'active', to: 'suspended' });
    const outcomes = await activity().run(applyStaffCommands, chunk);
    expect(outcomes).toEqual([
      suspended('SD1'),
      suspended('SD2'),
      { memberId: 'NOBODY', outcome: 'refused', reason: 'no running membership' },
      suspended('SD3'),
      suspended('SD4'),
    ]);
    expect(await activity().run(applyStaffCommands, { ...chunk, inFlight: 5 })).toEqual(outcomes);
    for (const memberId of members) {
      const timeline = (await client.view(memberId))?.member?.timeline ?? [];
      expect(
        timeline.filter((e) => e.change === 'suspended'),
        memberId,
      ).toHaveLength(1);
    }
    await providersSettled(client, members);
  });
});
