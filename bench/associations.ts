// npm run bench:associations [-- --associations 1,10,25,50 --members 40 --layout own,shared]
// How many associations one worker process serves before its memory or latency degrade: the real
// worker (worker/main.ts, as `npm run worker` runs it) on a folder of N association files, each with
// `--members` members who joined and paid; then a staff Update to members spread over every
// association, one after another, timed end to end. `own`: each association on its own task queue
// (one Temporal Worker each, the default); `shared`: all on one task queue (one Worker, a hosting
// vendor's pool). Figures are ratios to one association. A benchmark, not a test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import pLimit from 'p-limit';
import { MembershipClient } from '../client/membership-client.js';
import { associationConfigSchema } from '../schemas/association.js';
import type { AssociationConfigInput } from '../schemas/association.js';
import { associationTaskQueue } from '../workflows/messages.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { duesPaid } from './association.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';

const { values } = parseArgs({
  options: {
    associations: { type: 'string', default: '1,10,25,50' },
    members: { type: 'string', default: '40' },
    layout: { type: 'string', default: 'own,shared' },
    updates: { type: 'string', default: '200' },
  },
});
const counts = values.associations.split(',').map(Number);
const membersEach = Number(values.members);
const layouts = values.layout.split(',') as ('own' | 'shared')[];
const updates = Number(values.updates);

const projectRoot = join(import.meta.dirname, '..');

/** The worker process's resident memory now and at its peak (Linux /proc), in MiB. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

function association(id: string, layout: 'own' | 'shared'): AssociationConfigInput {
  return {
    association: { id, timezone: 'America/Chicago' },
    ...(layout === 'shared' ? { temporal: { taskQueue: 'standing/bench-pool' } } : {}),
    providers: {},
    membershipTypes: [{ code: 'REALTOR', gracePeriod: 'P30D', afterGrace: 'suspended' }],
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const code = await bundleWorkflows({
  logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: (m) => console.error(m) },
});
const scratch = await mkdtemp(join(tmpdir(), 'standing-bench-associations-'));
const bundle = join(scratch, 'workflow-bundle.js');
await writeFile(bundle, code);

interface Row {
  readonly layout: string;
  readonly associations: number;
  readonly members: number;
  readonly startSeconds: number;
  readonly settleSeconds: number;
  readonly rss: number;
  readonly peak: number;
  readonly p50: number;
  readonly p99: number;
}
const rows: Row[] = [];

for (const layout of layouts)
  for (const count of counts) {
    const { env, folder, teardown } = await startBenchDevServer(`associations-${layout}-${count}`);
    const files = join(folder, 'associations');
    await mkdir(files);
    const ids = Array.from({ length: count }, (_, i) => `B${String(i).padStart(3, '0')}`);
    for (const id of ids) await writeFile(join(files, `${id}.yaml`), JSON.stringify(association(id, layout)));

    const started = performance.now();
    const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join('worker', 'main.ts')], {
      cwd: projectRoot,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        STANDING_CONFIG: '',
        STANDING_ASSOCIATIONS: files,
        STANDING_RECONCILE_CRON: 'off',
        STANDING_WORKFLOW_BUNDLE: bundle,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      worker.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('[worker] running')) resolve();
      });
      worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it ran`)));
    });
    const startSeconds = (performance.now() - started) / 1000;

    const client = new Client({ connection: env.connection, namespace: 'default' });
    const clients = new Map(
      ids.map((id) => {
        const config = associationConfigSchema.parse(association(id, layout));
        const queue = config.temporal?.taskQueue ?? associationTaskQueue(id);
        return [id, new MembershipClient(client, config, queue)];
      }),
    );
    const now = new Date();
    const month = (offset: number, day: number) =>
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, day)).toISOString().slice(0, 10);
    const [from, through] = [month(0, 1), month(12, 0)];
    const memberIds = Array.from({ length: membersEach }, (_, i) => `M${String(i).padStart(5, '0')}`);

    const settling = performance.now();
    const limit = pLimit(50);
    await Promise.all(
      ids.flatMap((id) =>
        memberIds.map((memberId) =>
          limit(async () => {
            const members = clients.get(id)!;
            const at = new Date().toISOString();
            await members.sendHistory([
              { id: `join-${memberId}`, type: 'joined', memberId, at, membershipType: 'REALTOR' },
              ...duesPaid(memberId, at, from, through),
            ]);
          }),
        ),
      ),
    );
    const total = count * membersEach;
    await readUntil(
      () => client.workflow.count(`MembershipState = 'active'`),
      ({ count: active }) => active >= total,
      { first: 100, most: 2_000 },
    );
    const settleSeconds = (performance.now() - settling) / 1000;

    // Staff Updates spread over every association, one at a time: the latency a person sees.
    const latencies: number[] = [];
    for (let i = 0; i < updates; i += 1) {
      const id = ids[i % ids.length]!;
      const memberId = memberIds[Math.floor(i / ids.length) % memberIds.length]!;
      const role = Math.floor(i / (ids.length * memberIds.length)) % 2 === 0 ? 'secondary' : 'primary';
      const sent = performance.now();
      await clients.get(id)!.changeRole(memberId, role, { by: 'bench', reason: 'latency probe' });
      latencies.push(performance.now() - sent);
    }
    latencies.sort((a, b) => a - b);
    const memory = await memoryOf(worker.pid!);
    rows.push({
      layout,
      associations: count,
      members: total,
      startSeconds,
      settleSeconds,
      ...memory,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    });
    worker.kill('SIGTERM');
    await once(worker, 'exit');
    await teardown();
  }
await rm(scratch, { recursive: true, force: true });

console.log(`associations per worker process: ${membersEach} members each, ${updates} staff Updates timed one by one`);
console.log(
  'layout  assoc  members  start s  settle s  members/s  RSS MiB (×1)  peak MiB  Update p50 ms (×1)  p99 ms (×1)',
);
for (const row of rows) {
  const base = rows.find((r) => r.layout === row.layout && r.associations === counts[0])!;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    [
      row.layout.padEnd(6),
      String(row.associations).padStart(5),
      String(row.members).padStart(8),
      row.startSeconds.toFixed(1).padStart(8),
      row.settleSeconds.toFixed(1).padStart(9),
      (row.members / row.settleSeconds).toFixed(0).padStart(10),
      `${row.rss.toFixed(0)} (${ratio(row.rss, base.rss)})`.padStart(13),
      row.peak.toFixed(0).padStart(9),
      `${row.p50.toFixed(1)} (${ratio(row.p50, base.p50)})`.padStart(19),
      `${row.p99.toFixed(1)} (${ratio(row.p99, base.p99)})`.padStart(12),
    ].join('  '),
  );
}
