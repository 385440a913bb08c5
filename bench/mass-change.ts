// npm run bench:mass-change [-- --members 2000 --concurrency 10]
// A mass drop of N members by the batch workflow (listing them by filter, a page per run, chunks of
// Updates) against the floor Temporal sets here: the same N Updates sent straight to no-op
// workflows with the same concurrency, on the same dev server and worker. Between the two, N other
// members dropped by Updates sent straight from the client (no batch) split the gap into what the
// membership workflow costs and what the batch adds. A benchmark, not a test.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pLimit from 'p-limit';
import { MembershipClient } from '../client/membership-client.js';
import { visibilityQuery } from '../client/member-filter.js';
import { TASK_QUEUE, workflowTypes } from '../workflows/messages.js';
import type { massChangeWorkflow } from '../workflows/mass-change.js';
import { liveBenchAssociation } from './association.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';
import { forkWorkerProcess } from './worker-process.js';
import { noopUpdate } from './noop-workflow.js';
import type { noopUpdateWorkflow } from './noop-workflow.js';

const { values } = parseArgs({
  options: { members: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '10' } },
});
const members = Number(values.members);
const concurrency = Number(values.concurrency);
// No provider commands on a drop: the comparison is of the Updates, not of the provider traffic after them.
const association = liveBenchAssociation({});

Runtime.install({ logger: new DefaultLogger('WARN') });
const { env, folder } = await startBenchDevServer('mass-change');
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
  args: [{ associationId: 'BENCH', action: 'drop', filter: { state: 'active' }, by: 'bench', concurrency }],
});
const report = await batch.result();
const batchMs = performance.now() - batchStarted;
const after = await fanOut(2);
const baselineMs = Math.min(before, after);
if (report.changed !== members)
  throw new Error(`the batch changed ${report.changed} of ${members}: ${JSON.stringify(report)}`);

worker.send('stop');
await new Promise((resolve) => worker.once('exit', resolve));
await env.teardown();

const perSecond = (ms: number) => (members / ms) * 1000;
console.log('| run | members per second | seconds |');
console.log('| --- | --- | --- |');
console.log(
  `| drop, Updates sent straight from the client | ${perSecond(straightMs).toFixed(0)} | ${(straightMs / 1000).toFixed(1)} |`,
);
console.log(
  `| mass drop (batch workflow, ${report.runs} runs) | ${perSecond(batchMs).toFixed(0)} | ${(batchMs / 1000).toFixed(1)} |`,
);
for (const [name, ms] of [
  ['before', before],
  ['after', after],
] as const)
  console.log(`| no-op Update fan-out (${name} the batch) | ${perSecond(ms).toFixed(0)} | ${(ms / 1000).toFixed(1)} |`);
console.log(
  `\nthroughput ratio, batch / the faster fan-out: ${(baselineMs / batchMs).toFixed(2)} (target at least 0.7)`,
);
console.log(
  `throughput ratio, batch / drops sent straight: ${(straightMs / batchMs).toFixed(2)} (what the batch adds)`,
);
