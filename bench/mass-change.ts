// npm run bench:mass-change [-- --members 2000 --concurrency 10 --batch-concurrency 10]
// A mass drop of N members by the batch workflow (listing them by filter, a page per run, chunks of
// Updates) against the floor Temporal sets here: the same N Updates sent straight to no-op
// workflows with the same concurrency, on the same dev server and worker. Between the two, N other
// members dropped by Updates sent straight from the client (no batch) split the gap into what the
// membership workflow costs and what the batch adds. The batch runs `--batch-concurrency` chunks at
// once (default: `--concurrency`), each with up to IN_FLIGHT_PER_CHUNK Updates in flight; it prints
// where its time went, from its histories. A benchmark, not a test.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pLimit from 'p-limit';
import { MembershipClient } from '../client/membership-client.js';
import { visibilityQuery } from '../client/member-filter.js';
import { TASK_QUEUE, workflowTypes } from '../workflows/messages.js';
import { IN_FLIGHT_PER_CHUNK } from '../workflows/mass-change.js';
import type { massChangeWorkflow } from '../workflows/mass-change.js';
import { liveBenchAssociation } from './association.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';
import { forkWorkerProcess } from './worker-process.js';
import { noopUpdate } from './noop-workflow.js';
import type { noopUpdateWorkflow } from './noop-workflow.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '10' },
    'batch-concurrency': { type: 'string' },
  },
});
const members = Number(values.members);
const concurrency = Number(values.concurrency);
const batchConcurrency = Number(values['batch-concurrency'] ?? concurrency);
// No provider commands on a drop: the comparison is of the Updates, not of the provider traffic after them.
const association = liveBenchAssociation({});

Runtime.install({ logger: new DefaultLogger('WARN') });
const { env, folder, teardown } = await startBenchDevServer('mass-change');
console.log(`Temporal dev server (SQLite with WAL in ${folder}) and a worker…`);
const { child: worker } = await forkWorkerProcess(join(import.meta.dirname, 'runtime-worker.ts'), [], {
  TEMPORAL_ADDRESS: env.address,
  BENCH_CACHE: String(members * 2 + 100),
});

const id = (index: number) => `M${String(index).padStart(6, '0')}`;
async function eachWithLimit(
  limit: number,
  task: (index: number) => Promise<unknown>,
  count: number = members,
): Promise<number> {
  const run = pLimit(limit);
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, index) => run(() => task(index))));
  return performance.now() - started;
}

// Set-up (not timed): 2N active members (N for the batch, N dropped straight), listed by visibility; N no-op workflows.
const client = new MembershipClient(env.client, association, TASK_QUEUE);
const paidThrough = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
await eachWithLimit(
  50,
  (index) =>
    client.importMember({
      id: `import-${id(index)}`,
      type: 'imported',
      memberId: id(index),
      at: new Date().toISOString(),
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough,
    }),
  2 * members,
);
await readUntil(
  () => env.client.workflow.count(visibilityQuery('BENCH', { state: 'active' })),
  ({ count }) => count === 2 * members,
  { first: 100, most: 1_000 },
);
await eachWithLimit(50, (index) =>
  env.client.workflow.start<typeof noopUpdateWorkflow>('noopUpdateWorkflow', {
    workflowId: `noop/${index}`,
    taskQueue: TASK_QUEUE,
  }),
);
console.log(`${members.toLocaleString('en-US')} members, concurrency ${concurrency}\n`);

// The fan-out before the batch and after it (the machine's load drifts): the faster one is the floor.
const fanOut = (round: number) =>
  eachWithLimit(concurrency, (index) =>
    env.client.workflow.getHandle(`noop/${index}`).executeUpdate(noopUpdate, { args: [`bench/${round}/${id(index)}`] }),
  );
const before = await fanOut(1);
// The second N members dropped straight (the batch then finds the first N still active).
const straightMs = await eachWithLimit(concurrency, (index) =>
  client.drop(id(members + index), { id: `straight/${id(members + index)}`, by: 'bench', reason: 'bench' }),
);
const batchStarted = performance.now();
const batch = await env.client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
  workflowId: 'mass-drop/BENCH/bench',
  taskQueue: TASK_QUEUE,
  args: [
    { associationId: 'BENCH', action: 'drop', filter: { state: 'active' }, by: 'bench', concurrency: batchConcurrency },
  ],
});
const report = await batch.result();
const batchMs = performance.now() - batchStarted;
const profile = await profileBatch(batch.workflowId, batch.firstExecutionRunId);
const after = await fanOut(2);
const baselineMs = Math.min(before, after);
if (report.changed !== members)
  throw new Error(`the batch changed ${report.changed} of ${members}: ${JSON.stringify(report)}`);

worker.send('stop');
await new Promise((resolve) => worker.once('exit', resolve));
await teardown();

const perSecond = (ms: number) => (members / ms) * 1000;
console.log('| run | members per second | seconds |');
console.log('| --- | --- | --- |');
console.log(
  `| drop, Updates sent straight from the client | ${perSecond(straightMs).toFixed(0)} | ${(straightMs / 1000).toFixed(1)} |`,
);
console.log(
  `| mass drop (batch workflow, ${report.runs} runs, up to ${batchConcurrency} Updates in flight, ${IN_FLIGHT_PER_CHUNK} a chunk) | ${perSecond(batchMs).toFixed(0)} | ${(batchMs / 1000).toFixed(1)} |`,
);
for (const [name, ms] of [
  ['before', before],
  ['after', after],
] as const)
  console.log(`| no-op Update fan-out (${name} the batch) | ${perSecond(ms).toFixed(0)} | ${(ms / 1000).toFixed(1)} |`);
console.log(`\nwhere the batch spends its time (from its histories): ${profile}`);
console.log(
  `\nthroughput ratio, batch / the faster fan-out: ${(baselineMs / batchMs).toFixed(2)} (target at least 0.7)`,
);
console.log(
  `throughput ratio, batch / drops sent straight: ${(straightMs / batchMs).toFixed(2)} (what the batch adds)`,
);

/**
 * Where a batch's time goes, from its runs' histories: listing, the chunks' activities (queued,
 * running), the workflow-task gap between a chunk completing and the next being scheduled, and
 * the time from the last chunk to the next run's first.
 */
async function profileBatch(workflowId: string, firstRunId: string): Promise<string> {
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  let runId: string | undefined = firstRunId;
  const totals = { runs: 0, listMs: 0, chunks: 0, queuedMs: 0, runningMs: 0, gapMs: 0, gaps: 0, betweenRunsMs: 0 };
  let lastEnd: number | null = null;
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    totals.runs += 1;
    const scheduled = new Map<string, { at: number; type: string }>();
    const started = new Map<string, number>();
    const completions: number[] = [];
    runId = undefined;
    for (const event of events) {
      const at = ms(event.eventTime);
      const id = String(event.eventId);
      if (event.workflowExecutionStartedEventAttributes && lastEnd !== null) totals.betweenRunsMs += at - lastEnd;
      if (event.activityTaskScheduledEventAttributes) {
        scheduled.set(id, { at, type: event.activityTaskScheduledEventAttributes.activityType?.name ?? '' });
        if (completions.length > 0) {
          totals.gapMs += at - completions.shift()!;
          totals.gaps += 1;
        }
      }
      if (event.activityTaskStartedEventAttributes)
        started.set(String(event.activityTaskStartedEventAttributes.scheduledEventId), at);
      const done = event.activityTaskCompletedEventAttributes;
      if (done) {
        const key = String(done.scheduledEventId);
        const s = scheduled.get(key)!;
        const st = started.get(key) ?? s.at;
        if (s.type !== 'applyStaffCommands') totals.listMs += at - s.at;
        else {
          totals.chunks += 1;
          totals.queuedMs += st - s.at;
          totals.runningMs += at - st;
          completions.push(at);
        }
        lastEnd = at;
      }
      const continued = event.workflowExecutionContinuedAsNewEventAttributes;
      if (continued) runId = continued.newExecutionRunId ?? undefined;
    }
  }
  const per = (total: number, n: number) => (n === 0 ? '-' : `${(total / n).toFixed(0)} ms`);
  return [
    `${totals.runs} runs`,
    `listing ${(totals.listMs / 1000).toFixed(1)} s (a range's listing runs beside the chunks before it)`,
    `${totals.chunks} chunks: queued ${per(totals.queuedMs, totals.chunks)}, running ${per(totals.runningMs, totals.chunks)} each`,
    `chunk done → next scheduled ${per(totals.gapMs, totals.gaps)}`,
    `between runs ${(totals.betweenRunsMs / 1000).toFixed(1)} s`,
  ].join('; ');
}
