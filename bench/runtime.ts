// npm run bench:runtime [-- --members 1000 --concurrency 50]
// The durable runtime end to end on the Temporal dev server: workflow starts per second, billing
// events per second, signal-to-updated-view latency, worker memory per cached workflow, and the
// same run with a no-op workflow as the baseline. A benchmark, not a test.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pLimit from 'p-limit';
import { MembershipClient } from '../client/membership-client.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { duesPaid, liveBenchAssociation } from './association.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';
import { forkWorkerProcess } from './worker-process.js';
import { pingSignal, pingsQuery } from './noop-workflow.js';
import type { noopWorkflow } from './noop-workflow.js';

const { values } = parseArgs({
  options: { members: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '50' } },
});
const members = Number(values.members);
const concurrency = Number(values.concurrency);

const association = liveBenchAssociation();

Runtime.install({ logger: new DefaultLogger('WARN') });
const { env, folder, teardown } = await startBenchDevServer('bench');
console.log(`Temporal dev server (SQLite with WAL in ${folder}) and a worker…`);
const { child: worker, memory } = await forkWorkerProcess(join(import.meta.dirname, 'runtime-worker.ts'), [], {
  TEMPORAL_ADDRESS: env.address,
  BENCH_CACHE: String(members * 2 + 100),
});

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Runs `task` for every index with bounded concurrency; returns the elapsed milliseconds. */
async function timed(name: string, task: (index: number) => Promise<void>): Promise<number> {
  const limit = pLimit(concurrency);
  let done = 0;
  const progress = setInterval(() => process.stderr.write(`  ${name}: ${done}/${members}\n`), 5_000);
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: members }, (_, index) =>
        limit(async () => {
          await task(index);
          done += 1;
        }),
      ),
    );
  } finally {
    clearInterval(progress);
  }
  return performance.now() - started;
}

/** Milliseconds from `since` until `done` holds, reading at once, then after 5, 10, 20… ms (at most 100). */
async function until<T>(since: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<number> {
  await readUntil(read, done, { first: 5, most: 100 });
  return performance.now() - since;
}

interface Phase {
  startsPerSecond: number;
  eventsPerSecond: number;
  latencies: number[];
}

async function membershipPhase(): Promise<Phase> {
  const client = new MembershipClient(env.client, association, TASK_QUEUE);
  const now = new Date();
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  const nextFrom = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
  const nextThrough = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 0)).toISOString().slice(0, 10);
  const id = (index: number) => `M${String(index).padStart(6, '0')}`;
  const startMs = await timed('membership starts', async (index) => {
    await client.importMember({
      id: `import-${id(index)}`,
      type: 'imported',
      memberId: id(index),
      at: new Date().toISOString(),
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: monthEnd,
    });
  });
  const latencies: number[] = [];
  const cycleMs = await timed('membership billing cycle', async (index) => {
    const memberId = id(index);
    const at = new Date().toISOString();
    const [invoice, payment] = duesPaid(memberId, at, nextFrom, nextThrough);
    await client.send(invoice);
    const sent = performance.now();
    await client.send(payment);
    latencies.push(
      await until(
        sent,
        () => client.view(memberId),
        (standing) => standing?.member?.paidThrough === nextThrough,
      ),
    );
  });
  return { startsPerSecond: (members / startMs) * 1000, eventsPerSecond: ((2 * members) / cycleMs) * 1000, latencies };
}

async function noopPhase(): Promise<Phase> {
  const id = (index: number) => `noop/${index}`;
  const startMs = await timed('no-op starts', async (index) => {
    await env.client.workflow.start<typeof noopWorkflow>('noopWorkflow', {
      workflowId: id(index),
      taskQueue: TASK_QUEUE,
    });
  });
  const latencies: number[] = [];
  // Signal-with-start, as MembershipClient.send does: the same way in, so the ratio compares workflows.
  const ping = (index: number) =>
    env.client.workflow.signalWithStart<typeof noopWorkflow, []>('noopWorkflow', {
      workflowId: id(index),
      taskQueue: TASK_QUEUE,
      signal: pingSignal,
    });
  const cycleMs = await timed('no-op signals', async (index) => {
    const handle = env.client.workflow.getHandle(id(index));
    await ping(index);
    const sent = performance.now();
    await ping(index);
    latencies.push(
      await until(
        sent,
        () => handle.query(pingsQuery),
        (pings) => pings === 2,
      ),
    );
  });
  return { startsPerSecond: (members / startMs) * 1000, eventsPerSecond: ((2 * members) / cycleMs) * 1000, latencies };
}

const baseline = await memory();
console.log(`${members.toLocaleString('en-US')} members, concurrency ${concurrency}\n`);
const ours = await membershipPhase();
const afterOurs = await memory();
const noop = await noopPhase();
worker.send('stop');
await new Promise((resolve) => worker.once('exit', resolve));
await teardown();

const row = (name: string, phase: Phase) => {
  const sorted = [...phase.latencies].sort((a, b) => a - b);
  return `| ${name} | ${phase.startsPerSecond.toFixed(0)} | ${phase.eventsPerSecond.toFixed(0)} | ${percentile(sorted, 50).toFixed(0)} ms | ${percentile(sorted, 99).toFixed(0)} ms |`;
};
console.log('| workflow | starts per second | events per second (signal to updated view) | p50 | p99 |');
console.log('| --- | --- | --- | --- | --- |');
console.log(row('membership', ours));
console.log(row('no-op baseline', noop));
const perWorkflowKb = (bytes: number) => (bytes / afterOurs.cached / 1024).toFixed(0);
console.log(
  `\nthroughput ratio, membership / no-op: ${(ours.eventsPerSecond / noop.eventsPerSecond).toFixed(2)} (target at least 0.7)`,
);
console.log(
  `worker memory with ${afterOurs.cached} cached membership workflows: heap +${perWorkflowKb(afterOurs.heapUsed - baseline.heapUsed)} KB and RSS +${perWorkflowKb(afterOurs.rss - baseline.rss)} KB per workflow (target at most 1 MB)`,
);
console.log('targets: p99 under 500 ms');
