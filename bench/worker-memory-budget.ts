// npm run bench:worker-memory-budget [-- --members 10000 --container-mb 2048]
// Does a large board run within the worker's default memory settings? The real worker
// (worker/main.ts, with the node flags npm run worker passes, nothing else set) serves the sample
// association; `standing import` onboards `--members` active members (as npm start imports a
// roster, the provider simulators seeded to match); once every member's workflow has run, active
// with no provider command pending, it reports the worker's peak RSS (Linux VmHWM) against the
// container the defaults are for, and exits 1 if the peak is over it. A benchmark, not a test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { loadRoster } from '../cli/files.js';
import { seedRecordsFor } from '../provider-simulators/seed.js';
import { parseAssociationConfig } from '../schemas/parse.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { memorySettingsOf } from '../worker/memory-settings.js';
import { BASELINE } from '../workflows/membership-manager.js';
import { defaultSettingsWorker } from './default-worker.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '10000' },
    'container-mb': { type: 'string', default: '2048' },
  },
});
const members = Number(values.members);
const containerMb = Number(values['container-mb']);
const projectRoot = join(import.meta.dirname, '..');
const sampleFile = join(projectRoot, 'examples', 'associations', 'sample.yaml');

/** The worker's resident memory now and at its peak (Linux /proc), in MiB. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** `count` active REALTOR members, paid through next year, each with its own provider ids. */
function roster(count: number): string {
  const year = new Date().getUTCFullYear() + 1;
  const rows = ['memberId,membershipType,role,state,paidThrough,joinDate,memberStatus,m1Id,mlsId,lockboxId'];
  for (let i = 1; i <= count; i += 1) {
    const n = String(i).padStart(6, '0');
    rows.push(`B${n},REALTOR,primary,active,${year}-03-31,2010-05-14,Renewed,9${n},M${n},7${n}`);
  }
  return `${rows.join('\n')}\n`;
}

const settings = memorySettingsOf({});
const scratch = await mkdtemp(join(tmpdir(), 'standing-bench-memory-budget-'));
const bundle = join(scratch, 'workflow-bundle.js');
await writeFile(
  bundle,
  await bundleWorkflows({
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: (m) => console.error(m) },
  }),
);
const folder = join(scratch, 'associations');
await mkdir(folder);
await copyFile(sampleFile, join(folder, 'sample.yaml'));
const rosterFile = join(folder, 'sample.roster.csv');
await writeFile(rosterFile, roster(members));
const parsed = parseAssociationConfig(sampleFile, await readFile(sampleFile, 'utf8'));
if (!parsed.ok) throw new Error('examples/associations/sample.yaml does not parse');
const association = parsed.value;
const associationId = association.association.id;

const { env, teardown } = await startBenchDevServer('worker-memory-budget');
const children: ChildProcess[] = [];
const spawnChild = (args: string[], extraEnv: NodeJS.ProcessEnv, stdio: 'inherit' | 'pipe' = 'inherit') => {
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', stdio, 'inherit'],
  });
  children.push(child);
  return child;
};
try {
  const simulatorPort = await freePort();
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  spawnChild(['--import', 'tsx', join('provider-simulators', 'main.ts')], {
    STANDING_SIMULATOR_PORT: String(simulatorPort),
  });
  await readUntil(
    () =>
      fetch(`${simulatorUrl}/admin/faults`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok,
    { first: 100, most: 500 },
  );
  const records = seedRecordsFor(await loadRoster(rosterFile, new Date().toISOString()), association);
  await fetch(`${simulatorUrl}/admin/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ records }),
  });

  const common = {
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: 'default',
    STANDING_CONFIG: '',
    STANDING_ASSOCIATIONS: folder,
  };
  // What npm run worker runs: the default settings, the heap flag they imply.
  const started = defaultSettingsWorker(settings, simulatorUrl, bundle);
  const worker = spawnChild(started.args, { ...common, ...started.env }, 'pipe');
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (chunk.toString().includes('[worker] running')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it ran`)));
  });
  const atStart = await memoryOf(worker.pid!);
  // Samples the worker's memory throughout: the process's own peak (VmHWM) is the figure.
  const samples: number[] = [];
  const sampler = setInterval(() => {
    memoryOf(worker.pid!).then(
      ({ rss }) => samples.push(rss),
      () => undefined,
    );
  }, 1_000);

  const importing = performance.now();
  const importer = spawnChild(
    [join('bin', 'standing.js'), 'import', rosterFile, '--association', associationId, '--json'],
    common,
  );
  const [imported] = (await once(importer, 'exit')) as [number | null];
  if (imported !== 0) throw new Error(`the import exited ${imported}`);
  const importSeconds = (performance.now() - importing) / 1000;

  const client = new Client({ connection: env.connection, namespace: 'default' });
  const scope = `AssociationId = '${associationId}'`;
  await readUntil(
    async () => ({
      // An imported member shows active from its start (the client sets what it will show); it has
      // run once its first workflow task upserted the baseline marker's TemporalChangeVersion.
      active: (
        await client.workflow.count(`${scope} AND MembershipState = 'active' AND TemporalChangeVersion = '${BASELINE}'`)
      ).count,
      pending: (await client.workflow.count(`${scope} AND ProviderSync = 'pending'`)).count,
    }),
    ({ active, pending }) => active >= members && pending === 0,
    { first: 500, most: 5_000 },
  );
  const settleSeconds = (performance.now() - importing) / 1000;
  clearInterval(sampler);
  const end = await memoryOf(worker.pid!);

  const over = end.peak > containerMb;
  console.log(
    `worker memory budget: ${members} members imported (${importSeconds.toFixed(0)} s) and settled (${settleSeconds.toFixed(0)} s) under the default settings`,
  );
  console.log(
    `  settings: workflow cache ${settings.workflowCache} (floor ${settings.workflowCacheFloor}), ${settings.workflowTaskSlots} workflow tasks and ${settings.activitySlots} activities per Worker, heap ${settings.heapMb} MiB per isolate`,
  );
  console.log(
    `  worker RSS: ${atStart.rss.toFixed(0)} MiB at start, ${end.rss.toFixed(0)} MiB settled, peak ${end.peak.toFixed(0)} MiB (sampled max ${Math.max(...samples, 0).toFixed(0)} MiB) against a ${containerMb} MiB container: ${over ? 'OVER' : 'within'}`,
  );
  worker.kill('SIGTERM');
  await once(worker, 'exit');
  process.exitCode = over ? 1 : 0;
} finally {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await teardown();
  await rm(scratch, { recursive: true, force: true });
}
