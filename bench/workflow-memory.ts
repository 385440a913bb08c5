// npm run bench:workflow-memory [-- --workflows 1000 --concurrency 50]
// What one membership costs a worker: the workflow bundle's size, and the worker's heap and RSS per
// cached membership workflow (each joined, invoiced and paid, then idle on its timer), after a GC.
// The worker runs in its own process (this file again, with --worker). A benchmark, not a test.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import pLimit from 'p-limit';
import type { ProviderActivities } from '../activities/providers.js';
import { MembershipClient } from '../client/membership-client.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { duesPaid, liveBenchAssociation } from './association.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';
import { forkWorkerProcess, serveWorkerProcess } from './worker-process.js';
import type { WorkerMemory } from './worker-process.js';

const { values } = parseArgs({
  options: {
    workflows: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
    worker: { type: 'boolean', default: false },
  },
});

if (values.worker) await runWorker();
else await measure(Number(values.workflows), Number(values.concurrency));

/** The worker: the bundle on disk, fake providers that acknowledge at once, and a cache for every workflow. */
async function runWorker(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const activities: Pick<ProviderActivities, 'applyProviderStatus'> = {
    applyProviderStatus: async ({ provider, status }) =>
      Promise.resolve({ provider, status, recordedAt: new Date().toISOString() }),
  };
  const worker = await Worker.create({
    connection,
    taskQueue: TASK_QUEUE,
    workflowBundle: { codePath: process.env.BENCH_BUNDLE! },
    maxCachedWorkflows: Number(process.env.BENCH_CACHE),
    // Workflows on this thread, so gc() and heapUsed reach them (a workflow thread has its own heap).
    // The sandbox is the same reused V8 context; only the deadlock timeout is off.
    debugMode: true,
    activities,
  });
  await serveWorkerProcess(worker);
  await connection.close();
  process.disconnect?.();
}

async function measure(workflows: number, concurrency: number): Promise<void> {
  const code = await bundleWorkflows({
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: (m) => console.error(m) },
  });
  const bundleBytes = Buffer.byteLength(code);
  // The bundler inlines a source map; the code the sandbox evaluates is what comes before it.
  const codeBytes = Buffer.byteLength(code.replace(/\n\/\/# sourceMappingURL=data:[^\n]*\s*$/, ''));
  const bundleFolder = await mkdtemp(join(tmpdir(), 'standing-bundle-'));
  const bundlePath = join(bundleFolder, 'workflow-bundle.js');
  await writeFile(bundlePath, code);

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { env, folder, teardown } = await startBenchDevServer('workflow-memory');
  const { child, memory } = await forkWorkerProcess(import.meta.filename, ['--worker'], {
    TEMPORAL_ADDRESS: env.address,
    BENCH_BUNDLE: bundlePath,
    BENCH_CACHE: String(workflows * 2 + 100),
  });

  const association = liveBenchAssociation({ activated: { m1: 'Active', mls: 'Active', lockbox: 'Active' } });
  const client = new MembershipClient(env.client, association, TASK_QUEUE);
  const now = new Date();
  const month = (offset: number, day: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, day)).toISOString().slice(0, 10);
  const [from, through] = [month(0, 1), month(1, 0)];

  /** Joins, invoices and pays `count` members, then waits until each is active with its providers told. */
  const populate = async (prefix: string, count: number): Promise<void> => {
    const limit = pLimit(concurrency);
    const memberIds = Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(6, '0')}`);
    await Promise.all(
      memberIds.map((memberId) =>
        limit(async () => {
          const at = new Date().toISOString();
          await client.send({ id: `join-${memberId}`, type: 'joined', memberId, at, membershipType: 'REALTOR' });
          for (const event of duesPaid(memberId, at, from, through)) await client.send(event);
          await readUntil(
            () => client.view(memberId),
            (standing) => standing?.member?.paidThrough === through && standing.providerSync?.status === 'ok',
            { first: 10, most: 500 },
          );
        }),
      ),
    );
  };

  console.log(
    `Temporal dev server (SQLite in ${folder}); ${workflows} membership workflows, concurrency ${concurrency}`,
  );
  let before: WorkerMemory, after: WorkerMemory, seconds: number;
  try {
    // A few first, so the baseline already holds the bundle's context and the SDK's own start-up.
    await populate('WARM', 20);
    before = await memory();
    const started = performance.now();
    await populate('M', workflows);
    after = await memory();
    seconds = (performance.now() - started) / 1000;
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    await teardown();
    await rm(bundleFolder, { recursive: true, force: true });
  }

  const cached = after.cached - before.cached;
  const perWorkflowKb = (bytes: number) => (bytes / cached / 1024).toFixed(1);
  console.log(`workflow bundle (workflows/index.ts): ${bundleBytes} bytes, ${codeBytes} without its inline source map`);
  console.log(
    `worker memory per cached membership workflow (${cached} cached, after GC): heap +${perWorkflowKb(after.heapUsed - before.heapUsed)} KiB, RSS +${perWorkflowKb(after.rss - before.rss)} KiB`,
  );
  console.log(`populated in ${seconds.toFixed(0)} s`);
}
