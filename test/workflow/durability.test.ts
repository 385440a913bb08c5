// What makes the workflow durable: a deadline survives continue-as-new and a worker restart, and a
// staff Update that does not fit is refused before anything reaches history.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { MAX_WARNINGS } from '../../workflows/membership-workflow.js';
import { lifecycleEventSignal, workflowTypes } from '../../workflows/messages.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import { activeInJune, association, EventLog } from '../helpers.js';
import { deliverInTime, shiftInstant, shiftYears, simulated, yearsIntoFuture } from './deliver.js';
import { providersSettled, testWorker, timeSkippingEnvironment } from './environment.js';

const config = association();

/** Active in June; past due from July 1; grace (20 days) ends at the start of July 21. */
function pastDueInJuly(memberId: string): EventLog {
  return activeInJune(memberId).dues('2026-07');
}

describe('durability', () => {
  let env: TestWorkflowEnvironment;
  /** Whole years each test's 2026 events move, so they lie ahead of the server's clock. */
  let years: number;

  beforeAll(async () => {
    env = await timeSkippingEnvironment();
  });

  beforeEach(async () => {
    // The tests share one server clock: each starts from wherever the previous one left it.
    years = yearsIntoFuture(pastDueInJuly('X').events, await env.currentTimeMs());
  });

  afterAll(async () => {
    await env?.teardown();
  });

  const shift = (events: readonly LifecycleEvent[]) => shiftYears(events, years);
  const at = (iso: string) => shiftInstant(iso, years);

  /** Runs `body` with a client of `taskQueue`, a queue of the test's own, while a worker polls it. */
  async function onOwnQueue(taskQueue: string, body: (client: MembershipClient) => Promise<void>): Promise<void> {
    const client = new MembershipClient(env.client, config, taskQueue);
    const worker = await testWorker(env, taskQueue);
    await worker.runUntil(() => body(client));
  }

  it('keeps a grace deadline across continue-as-new', async () => {
    const taskQueue = 'continue-as-new';
    const client = new MembershipClient(env.client, config, taskQueue);
    // The fifth event lands on July 10, in the grace period, and makes the run continue as new.
    const events = shift(
      pastDueInJuly('CAN1').add('invoiceIssued', '2026-07-10', { invoiceId: 'FEE', amount: 5 }).events,
    );
    const worker = await testWorker(env, taskQueue);
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(workflowTypes.membership, {
        workflowId: client.workflowId('CAN1'),
        taskQueue,
        args: [{ association: config, memberId: 'CAN1', continueAsNewAfter: 5 }],
      });
      await deliverInTime(env, client, events, at('2026-07-10T13:00:00Z'));
      const continued = await env.client.workflow.getHandle(handle.workflowId).describe();
      expect(continued.runId).not.toBe(handle.firstExecutionRunId);
      expect((await client.view('CAN1'))?.nextDeadline).toEqual({
        name: 'graceEnded',
        at: at('2026-07-21T00:00:00.000Z'),
      });
      await env.sleep(Date.parse(at('2026-07-22T00:00:00Z')) - (await env.currentTimeMs()));
      const standing = await client.view('CAN1');
      expect(standing?.member?.timeline.at(-1)).toMatchObject({
        at: at('2026-07-21T00:00:00.000Z'),
        change: 'suspended',
        cause: 'timer:graceEnded',
      });
      expect(standing?.member).toEqual(simulated(config, events, at('2026-07-22T00:00:00Z'))[0]);
      await providersSettled(client, ['CAN1']);
    });
  });

  it('is picked up by a new worker after the old one stops, timers included', async () => {
    const taskQueue = 'restart';
    const client = new MembershipClient(env.client, config, taskQueue);
    const events = shift(pastDueInJuly('R1').events);
    const [beforeStop, afterStop] = [events.slice(0, 3), events.slice(3)];
    // No sticky cache on the first worker: this test server neither hears of a worker's shutdown
    // nor times its sticky queue out while the clock is held, so tasks would wait for it forever.
    // The second worker has nothing cached either way: it rebuilds the member from history.
    const first = await testWorker(env, taskQueue, { maxCachedWorkflows: 0 });
    await first.runUntil(deliverInTime(env, client, beforeStop, at('2026-06-15T00:00:00Z')));
    // The first worker armed the expiry timer (July 1) and is gone; time runs on without a worker
    // (this server stops skipping while a workflow task waits for one, so it stops short of it).
    await env.sleep(Date.parse(at('2026-06-30T23:00:00Z')) - (await env.currentTimeMs()));
    const second = await testWorker(env, taskQueue);
    await second.runUntil(async () => {
      await deliverInTime(env, client, afterStop, at('2026-07-25T00:00:00Z'));
      const standing = await client.view('R1');
      expect(standing?.member?.state).toBe('suspended');
      expect(standing?.member).toEqual(simulated(config, events, at('2026-07-25T00:00:00Z'))[0]);
      await providersSettled(client, ['R1']);
    });
  });

  it('refuses an Update that does not fit the state, with the reason, and leaves history unchanged', async () => {
    await onOwnQueue('updates', async (client) => {
      await client.send(shift(new EventLog('U1').join('2026-06-01').events)[0]);
      await client.view('U1');
      const before = (await client.handle('U1').fetchHistory()).events ?? [];
      const refused = await client.reactivate('U1', { reason: 'appeal', by: 'staff' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((refused as WorkflowUpdateFailedError).cause?.message)).toBe(
        'reactivated does not fit a member who is pending: only a suspended member can be reactivated',
      );
      // A real server drops the speculative workflow task of a refused Update (the dev-server
      // integration test checks the history is unchanged); this test server keeps the task's own
      // three events, and nothing else: no Update accepted, nothing applied.
      const added = ((await client.handle('U1').fetchHistory()).events ?? [])
        .slice(before.length)
        .map((event) => event.eventType);
      const { EventType } = proto.temporal.api.enums.v1;
      expect(
        added.every(
          (type) =>
            type === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED ||
            type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED ||
            type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        ),
      ).toBe(true);
      expect((await client.view('U1'))?.member?.rejected).toEqual([]);
      await providersSettled(client, ['U1']);
    });
  });

  it('applies an Update that fits and answers with the member', async () => {
    await onOwnQueue('updates-ok', async (client) => {
      for (const event of shift(
        new EventLog('U2').join('2026-06-01').dues('2026-06').pay('2026-06-01T13:00:00Z', 'INV-2026-06').events,
      ))
        await client.send(event);
      const view = await client.suspend('U2', { reason: 'conduct', by: 'ethics committee', id: 'cmd-1' });
      expect(view.state).toBe('suspended');
      expect(view.timeline.at(-1)).toMatchObject({ cause: 'suspended', change: 'suspended', from: 'active' });
      // The same command id again (a retry) applies once.
      const again = await client.suspend('U2', { reason: 'conduct', id: 'cmd-1' });
      expect(again.timeline).toHaveLength(view.timeline.length);
      await providersSettled(client, ['U2']);
    });
  });

  it('refuses an Update with a membership type the association does not define', async () => {
    await onOwnQueue('updates-type', async (client) => {
      await client.send(shift(new EventLog('U3').join('2026-06-01').events)[0]);
      const refused = await client.changeType('U3', 'BROKER').catch((error: unknown) => error);
      expect(String((refused as WorkflowUpdateFailedError).cause?.message)).toBe(
        'membershipType BROKER is not defined by association TEST',
      );
      await providersSettled(client, ['U3']);
    });
  });

  it('applies a lengthened grace period to a member already past due, without a restart', async () => {
    const events = shift(pastDueInJuly('G1').events);
    await onOwnQueue('configure', async (client) => {
      await deliverInTime(env, client, events, at('2026-07-05T00:00:00Z'));
      await client.configure('G1', association({ gracePeriod: 'P45D' }));
      expect((await client.view('G1'))?.nextDeadline).toEqual({
        name: 'graceEnded',
        at: at('2026-08-15T00:00:00.000Z'),
      });
      await env.sleep(Date.parse(at('2026-08-01T00:00:00Z')) - (await env.currentTimeMs()));
      expect((await client.view('G1'))?.member?.state).toBe('pastDue');
      await providersSettled(client, ['G1']);
    });
  });

  it('keeps only the latest warnings, so a sender of malformed events cannot grow a member without bound', async () => {
    await onOwnQueue('warnings', async (client) => {
      await client.send(shift(new EventLog('MW1').join('2026-06-01').events)[0]);
      for (let i = 0; i < MAX_WARNINGS + 5; i += 1)
        await client
          .handle('MW1')
          .signal(lifecycleEventSignal, { id: `bad-${i}`, memberId: 'MW1' } as unknown as LifecycleEvent);
      const warnings = (await client.view('MW1'))?.warnings ?? [];
      expect(warnings).toHaveLength(MAX_WARNINGS);
      expect(warnings.at(-1)).toMatch(/^ignored a malformed event/);
      await providersSettled(client, ['MW1']);
    });
  });
});
