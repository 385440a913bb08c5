// A worker that crashes mid-batch: the standing worker as `npm run worker` runs it (a child process,
// worker/main.ts), killed with SIGKILL part-way through a mass drop; a new worker process finishes
// the batch, and every member is dropped exactly once.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { addDays } from '../../machines/calendar.js';
import { TASK_QUEUE, workflowTypes } from '../../workflows/messages.js';
import { massChangeProgressQuery } from '../../workflows/mass-change.js';
import type { massChangeWorkflow } from '../../workflows/mass-change.js';
import { association } from '../helpers.js';
import { startDevServer } from './dev-server.js';
import { startWorkerProcess } from './worker-process.js';
import type { WorkerProcess } from './worker-process.js';
import type { DevServer } from './dev-server.js';
import { expectDroppedOnce } from './mass-drop.js';

const { EventType } = proto.temporal.api.enums.v1;
/** No providers: the worker needs no provider URLs, and a drop sends no provider command. */
const config = association(
  {},
  { association: { id: 'CRASH', timezone: 'UTC' }, providers: {}, membershipTypes: [{ code: 'AFFILIATE' }] },
);

describe('a worker killed mid-batch', () => {
  let server: DevServer;
  let configFile: string;
  const started: WorkerProcess[] = [];

  /** `npm run worker` against the test's dev server; resolves once the worker says it is running. */
  async function startWorker(name: string): Promise<ChildProcess> {
    const worker = await startWorkerProcess(name, { TEMPORAL_ADDRESS: server.address, STANDING_CONFIG: configFile });
    started.push(worker);
    return worker.child;
  }

  beforeAll(async () => {
    server = await startDevServer({ worker: false });
    configFile = join(await mkdtemp(join(tmpdir(), 'standing-')), 'association.yaml');
    await writeFile(configFile, JSON.stringify(config));
  });

  afterAll(async () => {
    for (const worker of started) await worker.stop();
    await server?.stop();
  });

  it('finishes the batch on a new worker process, each member dropped once, the report listing them all', async () => {
    const client = new MembershipClient(server.env.client, config);
    const members = Array.from({ length: 16 }, (_, i) => `K${String(i).padStart(2, '0')}`);
    const at = new Date().toISOString();
    for (const memberId of members)
      await client.importMember({
        id: `import-${memberId}`,
        type: 'imported',
        memberId,
        at,
        membershipType: 'AFFILIATE',
        state: 'active',
        paidThrough: addDays(at.slice(0, 10), 300),
      });
    const first = await startWorker('worker 1');
    const handle = await server.env.client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
      workflowId: 'mass-drop/CRASH/sigkill',
      taskQueue: TASK_QUEUE,
      args: [
        {
          associationId: 'CRASH',
          action: 'drop',
          memberIds: members,
          reason: 'crash test',
          by: 'test',
          concurrency: 4,
          // One member per activity: the crash splits the batch's activities between the two workers.
          chunkSize: 1,
        },
      ],
    });
    await expect
      .poll(async () => (await handle.query(massChangeProgressQuery).catch(() => null))?.done ?? 0, {
        timeout: 30_000,
        interval: 10,
      })
      .toBeGreaterThanOrEqual(3);
    first.kill('SIGKILL');
    await once(first, 'exit');

    // Whatever the killed worker held (a workflow task, activities part-way through their Update)
    // is retried when its timeout passes: a chunk of staff commands heartbeats, with a 15-second timeout.
    const second = await startWorker('worker 2');
    const report = await handle.result();
    expect(report).toMatchObject({ action: 'drop', total: 16, done: 16, changed: 16, refused: 0 });
    expect(report.changes).toEqual(
      members.map((memberId) => ({ memberId, outcome: 'changed', from: 'active', to: 'terminated' })),
    );

    // The batch was split by the crash: each worker completed some of its commands.
    const completedBy = ((await handle.fetchHistory()).events ?? [])
      .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
      .map((e) => e.activityTaskCompletedEventAttributes?.identity);
    expect(completedBy).toHaveLength(16);
    const byFirst = completedBy.filter((identity) => identity === `${first.pid}@${hostname()}`).length;
    const bySecond = completedBy.filter((identity) => identity === `${second.pid}@${hostname()}`).length;
    expect(byFirst).toBeGreaterThanOrEqual(3);
    expect(bySecond).toBeGreaterThan(0);
    expect(byFirst + bySecond).toBe(16);

    for (const memberId of members) expect((await client.view(memberId))?.member?.state, memberId).toBe('terminated');
    await expectDroppedOnce(client, members);
  }, 180_000);
});
