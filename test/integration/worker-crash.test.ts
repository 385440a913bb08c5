// A worker that crashes mid-batch: the standing worker as `npm run worker` runs it (a child process,
// worker/main.ts), killed with SIGKILL part-way through a mass drop; a new worker process finishes
// the batch, and every member is dropped exactly once.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { addDays } from '../../machines/calendar.js';
import { TASK_QUEUE, workflowTypes } from '../../workflows/messages.js';
import { massChangeProgressQuery } from '../../workflows/mass-change.js';
import type { massChangeWorkflow } from '../../workflows/mass-change.js';
import { association } from '../helpers.js';
import { record } from '../quiet-logs.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';
import { expectDroppedOnce } from './mass-drop.js';
import { projectRoot } from './standing-cli.js';

const { EventType } = proto.temporal.api.enums.v1;
/** No providers: the worker needs no provider URLs, and a drop sends no provider command. */
const config = association(
  {},
  { association: { id: 'CRASH', timezone: 'UTC' }, providers: {}, membershipTypes: [{ code: 'AFFILIATE' }] },
);

describe('a worker killed mid-batch', () => {
  let server: DevServer;
  let configFile: string;
  const started: ChildProcess[] = [];

  /** `npm run worker` against the test's dev server; resolves once the worker says it is running. */
  async function startWorkerProcess(name: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', join('worker', 'main.ts')], {
      cwd: projectRoot,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: 'default',
        STANDING_CONFIG: configFile,
        STANDING_WORKFLOW_BUNDLE: inject('workflowBundle'),
        STANDING_LOG_LEVEL: 'INFO',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    child.stderr!.on('data', (chunk: Buffer) => record(name, chunk.toString()));
    const running = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        record(name, chunk.toString());
        if (chunk.toString().includes('[worker] running')) resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it ran`)));
    });
    await running;
    return child;
  }

  beforeAll(async () => {
    server = await startDevServer({ worker: false });
    configFile = join(await mkdtemp(join(tmpdir(), 'standing-')), 'association.yaml');
    await writeFile(configFile, JSON.stringify(config));
  });

  afterAll(async () => {
    for (const child of started) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
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
    const first = await startWorkerProcess('worker 1');
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
    // is retried when its timeout passes: a staff command's start-to-close is 15 seconds.
    const second = await startWorkerProcess('worker 2');
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
