// npm run bench:scale [-- --members 2000|10000|30000 --server dev|cluster]
// A large board on one Temporal, end to end, each step against what Temporal itself does here with
// trivial workflows. On the dev server (SQLite with WAL, as npm start runs it) or on the
// production-shaped cluster (the official server on PostgreSQL, a fresh one in a scratch folder),
// with the real worker under its default memory settings, the provider simulators in a process of
// their own and the standing CLI, it measures:
//   1. import and settle: `standing import` of N active members until all N have run and show in
//      visibility, against N trivial workflows started with the same concurrency until all show
//      (first and last in the run: the faster is the floor);
//   2. a renewal-day storm: the N members are paid through today in a zone whose next midnight is
//      the earliest one after the set-up, so all N expire at that one instant; the time until all N
//      show `pastDue` with their two provider commands acknowledged, and the worker CPU per expiry,
//      against N trivial workflows whose timers fire at one instant and then do the same upserts
//      and the same two provider commands (a worker process of their own);
//   3. the mass drop's dry run, the mass drop of all N in one batch, reconciliation after the
//      storm (two records a member) and after the drop (three);
//   4. the worker's and the server's peak memory, and the database's size per member.
// The storm needs a real midnight: the bench waits for it (up to an hour, idle, after the set-up),
// and says when it will be. A benchmark, not a test.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { DateTime } from 'luxon';
import pLimit from 'p-limit';
import { stringify } from 'yaml';
import { loadRoster } from '../cli/files.js';
import { parseAssociationConfig } from '../schemas/parse.js';
import { MAX_SEED_PAGE } from '../provider-simulators/server.js';
import { seedRecordsFor } from '../provider-simulators/seed.js';
import type { SeedRecord } from '../provider-simulators/seed.js';
import { ensureNamespace, startCluster } from '../scripts/temporal-cluster.js';
import type { RunningCluster } from '../scripts/temporal-cluster.js';
import { memorySettingsOf } from '../worker/memory-settings.js';
import { scaleBenchAssociation } from './association.js';
import { defaultSettingsWorker } from './default-worker.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { BASELINE } from '../workflows/membership-manager.js';
import { membershipSearchAttributes } from '../workflows/search-attributes.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';
import type { trivialMemberWorkflow } from './noop-workflow.js';
import { forkWorkerProcess } from './worker-process.js';
import type { ReconciliationReport } from '../workflows/reconciliation.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '2000' },
    server: { type: 'string', default: 'dev' },
    concurrency: { type: 'string', default: '16' },
    'cluster-port': { type: 'string', default: '7633' },
    'cluster-pg-port': { type: 'string', default: '5635' },
  },
});
const members = Number(values.members);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(members) || members < 1) throw new Error('--members: a whole number of members, at least 1');
if (values.server !== 'dev' && values.server !== 'cluster') throw new Error('--server: dev or cluster');
const onCluster = values.server === 'cluster';
const projectRoot = join(import.meta.dirname, '..');
const associationId = 'SCALE';
const trivialQueue = 'bench-scale-trivial';
const settings = memorySettingsOf({});
const say = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const seconds = (ms: number) => ms / 1000;

// ---------------------------------------------------------------------------------------------
// Processes and what they use

/** A process's CPU time so far (user + system, all its threads), in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted from the state field (3rd).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A process's peak resident memory (Linux VmHWM), in MiB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Processes whose command line holds `needle` (the server's data folder names it uniquely). */
async function pidsWith(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** A process and its children's proportional memory (PSS: shared pages counted once), in MiB. */
async function treePssMb(root: number): Promise<number> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const parent = Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  let total = 0;
  const visit = async (pid: number) => {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    total += Number(/Pss:\s+(\d+) kB/.exec(rollup)?.[1] ?? 0) / 1024;
    for (const child of children.get(pid) ?? []) await visit(child);
  };
  await visit(root);
  return total;
}

const children: ChildProcess[] = [];
function spawnChild(args: string[], env: NodeJS.ProcessEnv, stdout: 'inherit' | 'pipe' | 'ignore' = 'inherit') {
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
  children.push(child);
  return child;
}

/** Waits for a line on the child's stdout that holds `ready`. */
function readyLine(child: ChildProcess, ready: string, name: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
}

/** Runs the standing CLI; resolves with its stdout once it exits 0. */
async function standing(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawnChild([join('bin', 'standing.js'), ...args], env, 'pipe');
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`standing ${args.join(' ')} exited ${code}`);
  return out;
}

/** Runs the standing CLI, counting the lines it prints (the dry run's JSON Lines) without keeping them. */
async function standingLines(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawnChild([join('bin', 'standing.js'), ...args], env, 'pipe');
  let lines = 0;
  createInterface({ input: child.stdout! }).on('line', () => (lines += 1));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`standing ${args.join(' ')} exited ${code}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The renewal day

/** The earliest local midnight, in any zone this runtime knows, at or after `notBefore`. */
function earliestMidnight(notBefore: Date): { zone: string; midnight: Date; paidThrough: string } {
  let best: { zone: string; midnight: Date; paidThrough: string } | undefined;
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const local = DateTime.fromJSDate(notBefore, { zone });
    const next = local.startOf('day').plus({ days: 1 }).startOf('day');
    if (!best || next.toMillis() < best.midnight.getTime())
      best = { zone, midnight: next.toJSDate(), paidThrough: next.minus({ days: 1 }).toISODate()! };
  }
  return best!;
}

/** The bench's board: one type; each expiry sends two commands (MLS and lockbox), a drop three. */
function associationFile(zone: string): string {
  return stringify(scaleBenchAssociation(associationId, 'Scale bench REALTORS', zone));
}

/** `count` active REALTOR members paid through `paidThrough`, each with its own provider ids. */
function roster(count: number, paidThrough: string): string {
  const rows = ['memberId,membershipType,role,state,paidThrough,joinDate,memberStatus,m1Id,mlsId,lockboxId'];
  for (let i = 1; i <= count; i += 1) {
    const n = String(i).padStart(6, '0');
    rows.push(`S${n},REALTOR,primary,active,${paidThrough},2010-05-14,Renewed,9${n}00,M${n},7${n}`);
  }
  return `${rows.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

const scratch = await mkdtemp(join(tmpdir(), 'standing-bench-scale-'));
let cluster: RunningCluster | undefined;
let teardownDev: (() => Promise<void>) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    say(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
try {
  // The server.
  let address: string;
  let namespace: string;
  let serverPids: () => Promise<number[]>;
  let databaseBytes: () => Promise<number>;
  if (onCluster) {
    const dataDir = join(scratch, 'cluster');
    // PostgreSQL runs as its own user (under root), who must reach its folder inside the scratch one.
    await chmod(scratch, 0o755);
    const postgresPort = Number(values['cluster-pg-port']);
    say(`starting a fresh cluster (official server v1.29.1 on PostgreSQL) in ${dataDir}…`);
    cluster = await startCluster({ dataDir, frontendPort: Number(values['cluster-port']), postgresPort, log: say });
    address = cluster.address;
    namespace = 'scale';
    await ensureNamespace(address, namespace, 1);
    // The history service reads its search attributes from a cache refreshed every 60 s.
    say('namespace registered; waiting 65 s for its search attributes to reach the history service');
    await sleep(65_000);
    const psql = join((await pgBin()) ?? '', 'psql');
    databaseBytes = async () => {
      const { stdout } = await run(psql, [
        '-h',
        '127.0.0.1',
        '-p',
        String(postgresPort),
        '-U',
        'temporal',
        '-d',
        'temporal',
        '-Atc',
        "select sum(pg_database_size(datname)) from pg_database where datname in ('temporal', 'temporal_visibility')",
      ]);
      return Number(stdout.trim());
    };
    serverPids = async () => {
      const named = async (name: string) => {
        for (const pid of await pidsWith(dataDir))
          if ((await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === name) return pid;
        return undefined;
      };
      return [await named('server'), await named('postgres')].filter((pid): pid is number => pid !== undefined);
    };
  } else {
    const { env, folder, teardown } = await startBenchDevServer('scale');
    teardownDev = teardown;
    address = env.address;
    namespace = 'default';
    const file = join(folder, 'temporal.sqlite');
    databaseBytes = async () =>
      (await stat(file)).size +
      (await stat(`${file}-wal`)
        .then((s) => s.size)
        .catch(() => 0));
    serverPids = () => pidsWith(file);
  }
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const count = async (query: string) => Number((await client.workflow.count(query)).count);
  const untilCount = (query: string, wanted: number) =>
    readUntil(
      () => count(query),
      (n) => n >= wanted,
      { first: 250, most: 1_000 },
    );

  // Memory: each process's own peak, and for PostgreSQL (many processes sharing pages) the
  // largest sampled PSS of the whole tree.
  const [serverPid, postmasterPid] = await serverPids();
  let postgresPeakMb = 0;
  const sampler = setInterval(() => {
    if (postmasterPid)
      treePssMb(postmasterPid).then(
        (mb) => (postgresPeakMb = Math.max(postgresPeakMb, mb)),
        () => undefined,
      );
  }, 2_000);

  // The provider simulators, in a process of their own, state in the scratch folder.
  const simulatorPort = 8890 + Math.floor(Math.random() * 100);
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  const simulators = spawnChild(
    ['--import', 'tsx', join('provider-simulators', 'main.ts')],
    { STANDING_SIMULATOR_PORT: String(simulatorPort), STANDING_SIMULATOR_STATE: join(scratch, 'simulators.json') },
    'pipe',
  );
  await readyLine(simulators, '[simulators]', 'the simulators');
  const seed = async (records: readonly SeedRecord[]) => {
    for (let from = 0; from < records.length; from += MAX_SEED_PAGE) {
      const response = await fetch(`${simulatorUrl}/admin/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: records.slice(from, from + MAX_SEED_PAGE) }),
      });
      if (!response.ok) throw new Error(`seeding the simulators: ${response.status} ${await response.text()}`);
    }
  };

  // The trivial members' worker: a process of its own, its own task queue, the same simulators.
  const { child: trivialWorker } = await forkWorkerProcess(join(import.meta.dirname, 'runtime-worker.ts'), [], {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    BENCH_TASK_QUEUE: trivialQueue,
    BENCH_PROVIDERS_URL: simulatorUrl,
    BENCH_CACHE: String(settings.workflowCache),
  });
  children.push(trivialWorker);

  const { AssociationId, MemberId } = membershipSearchAttributes;
  const startTrivial = (group: string, index: number, expireAt?: string) =>
    client.workflow.start<typeof trivialMemberWorkflow>('trivialMemberWorkflow', {
      workflowId: `trivial/${group}/T${String(index).padStart(6, '0')}`,
      taskQueue: trivialQueue,
      args: [expireAt ? { expireAt } : {}],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: AssociationId, value: group },
        { key: MemberId, value: `T${index}` },
      ]),
    });
  const fanOut = async (task: (index: number) => Promise<unknown>) => {
    const limit = pLimit(concurrency);
    await Promise.all(Array.from({ length: members }, (_, i) => limit(() => task(i + 1))));
  };

  // 1a. Trivial starts: N workflows started with the import's concurrency, until all show.
  say(`baseline: ${members} trivial workflows started (concurrency ${concurrency}) until all show in visibility…`);
  let began = performance.now();
  await fanOut((i) => startTrivial('TRIVIAL-START', i));
  await untilCount(`AssociationId = 'TRIVIAL-START' AND MembershipState = 'active'`, members);
  const trivialStartMs = performance.now() - began;
  say(`  ${seconds(trivialStartMs).toFixed(1)} s`);

  // 2a. Trivial storm: N workflows whose timers fire at one instant, then two provider commands each.
  const trivialIds = Array.from({ length: members }, (_, i) => `T${String(i + 1).padStart(6, '0')}`);
  await seed(
    trivialIds.flatMap((id) => [
      { provider: 'mls' as const, id, status: 'Active' },
      { provider: 'sentrilock' as const, id, status: 'Active' },
    ]),
  );
  const trivialFire = new Date(Date.now() + trivialStartMs * 2 + 20_000);
  say(`baseline storm: ${members} trivial timers firing at ${trivialFire.toISOString()}…`);
  await fanOut((i) => startTrivial('TRIVIAL-STORM', i, trivialFire.toISOString()));
  await untilCount(`AssociationId = 'TRIVIAL-STORM' AND MembershipState = 'active'`, members);
  const trivialLate = Date.now() - trivialFire.getTime();
  if (trivialLate > 0) say(`  WARNING: the trivial workflows were started ${trivialLate} ms after their timers`);
  await sleep(Math.max(0, trivialFire.getTime() - Date.now()));
  const trivialCpuAt = await cpuSeconds(trivialWorker.pid!);
  await untilCount(`AssociationId = 'TRIVIAL-STORM' AND MembershipState = 'pastDue'`, members);
  const trivialAllPastDueMs = Date.now() - trivialFire.getTime();
  await untilCount(`AssociationId = 'TRIVIAL-STORM' AND MembershipState = 'pastDue' AND ProviderSync = 'ok'`, members);
  const trivialStormMs = Date.now() - trivialFire.getTime();
  const trivialCpuPerExpiryMs = (((await cpuSeconds(trivialWorker.pid!)) - trivialCpuAt) * 1000) / members;
  say(
    `  all past due ${seconds(trivialAllPastDueMs).toFixed(1)} s, acknowledged ${seconds(trivialStormMs).toFixed(1)} s after the instant`,
  );

  // The board: paid through today in the zone whose midnight comes first after the set-up
  // (import and dry run; estimated generously from the trivial starts).
  // Import: two thirds of the trivial rate at worst; the dry run: 30 ms a member at worst; 45 s spare.
  const setupMs = trivialStartMs * 1.5 + members * 30 + 45_000;
  const renewal = earliestMidnight(new Date(Date.now() + setupMs));
  say(
    `renewal day: ${members} members paid through ${renewal.paidThrough} in ${renewal.zone}, expiring at ${renewal.midnight.toISOString()} (in ${Math.round((renewal.midnight.getTime() - Date.now()) / 60_000)} min)`,
  );
  const folder = join(scratch, 'associations');
  await mkdir(folder);
  const associationPath = join(folder, 'scale.yaml');
  await writeFile(associationPath, associationFile(renewal.zone));
  const rosterPath = join(folder, 'scale.roster.csv');
  await writeFile(rosterPath, roster(members, renewal.paidThrough));
  const parsed = parseAssociationConfig(associationPath, await readFile(associationPath, 'utf8'));
  if (!parsed.ok) throw new Error(`the bench's association file does not parse: ${JSON.stringify(parsed)}`);
  await seed(seedRecordsFor(await loadRoster(rosterPath, new Date().toISOString()), parsed.value));

  // The real worker, as npm run worker runs it: the default settings, the heap flag they imply.
  const bundle = join(scratch, 'workflow-bundle.js');
  await writeFile(
    bundle,
    await bundleWorkflows({
      logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: (m) => console.error(m) },
    }),
  );
  const common = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    STANDING_CONFIG: '',
    STANDING_ASSOCIATIONS: folder,
    STANDING_ASSOCIATION: associationId,
  };
  const started = defaultSettingsWorker(settings, simulatorUrl, bundle);
  const worker = spawnChild(started.args, { ...common, ...started.env }, 'pipe');
  await readyLine(worker, '[worker] running', 'the worker');
  const scope = `AssociationId = '${associationId}'`;

  // 1b. Import and settle.
  say(`import: standing import of ${members} members (concurrency ${concurrency})…`);
  const sizeBefore = await databaseBytes();
  began = performance.now();
  await standing(['import', rosterPath, '--concurrency', String(concurrency), '--json'], common);
  // An imported member shows active from its start (the client sets what it will show); it has run
  // once its first workflow task upserted the baseline marker's TemporalChangeVersion.
  await untilCount(`${scope} AND MembershipState = 'active' AND TemporalChangeVersion = '${BASELINE}'`, members);
  const importMs = performance.now() - began;
  const sizeAfterImport = await databaseBytes();
  say(`  ${seconds(importMs).toFixed(1)} s`);

  // 3a. Before the storm (imported members have told the providers nothing yet): the drop's dry run over all N.
  say('dry run of the mass drop (all members, JSON Lines)…');
  began = performance.now();
  const dryLines = await standingLines(
    ['mass-drop', '--type', 'REALTOR', '--reason', 'bench:scale', '--by', 'bench', '--dry-run', '--json'],
    common,
  );
  const dryRunMs = performance.now() - began;
  say(`  ${dryLines} lines in ${seconds(dryRunMs).toFixed(1)} s`);
  // 2b. The storm.
  const lead = renewal.midnight.getTime() - Date.now();
  if (lead < 0) say(`WARNING: the set-up ran ${-lead} ms past the midnight: the storm began during it`);
  else say(`waiting ${Math.round(lead / 1000)} s for midnight in ${renewal.zone}…`);
  await sleep(Math.max(0, lead));
  const workerCpuAt = await cpuSeconds(worker.pid!);
  await untilCount(`${scope} AND MembershipState = 'pastDue'`, members);
  const stormAllPastDueMs = Date.now() - renewal.midnight.getTime();
  await untilCount(`${scope} AND MembershipState = 'pastDue' AND ProviderSync = 'ok'`, members);
  const stormMs = Date.now() - renewal.midnight.getTime();
  const memberCpuPerExpiryMs = (((await cpuSeconds(worker.pid!)) - workerCpuAt) * 1000) / members;
  say(
    `  all past due ${seconds(stormAllPastDueMs).toFixed(1)} s, acknowledged ${seconds(stormMs).toFixed(1)} s after midnight`,
  );

  // 3b. Reconciliation now that every member's providers have been told something.
  say('reconciliation over every member (past due, two records each)…');
  began = performance.now();
  const reconcilePastDue = JSON.parse(await standing(['reconcile', '--json'], common)) as ReconciliationReport;
  const reconcilePastDueMs = performance.now() - began;
  say(`  ${seconds(reconcilePastDueMs).toFixed(1)} s: ${summaryOf(reconcilePastDue)}`);

  // 3c. The mass drop in one batch, then its commands acknowledged, then reconciliation again.
  say(`mass drop of all ${members} members in one batch…`);
  began = performance.now();
  const dropReport = JSON.parse(
    await standing(['mass-drop', '--type', 'REALTOR', '--reason', 'bench:scale', '--by', 'bench', '--json'], common),
  ) as Record<string, unknown>;
  const dropMs = performance.now() - began;
  await untilCount(`${scope} AND MembershipState = 'terminated' AND ProviderSync = 'ok'`, members);
  const dropSettledMs = performance.now() - began;
  say(
    `  batch ${seconds(dropMs).toFixed(1)} s (changed ${String(dropReport.changed)}), commands acknowledged ${seconds(dropSettledMs).toFixed(1)} s`,
  );
  say('reconciliation over every member (all dropped)…');
  began = performance.now();
  const reconcileDropped = JSON.parse(await standing(['reconcile', '--json'], common)) as ReconciliationReport;
  const reconcileDroppedMs = performance.now() - began;
  say(`  ${seconds(reconcileDroppedMs).toFixed(1)} s: ${summaryOf(reconcileDropped)}`);

  // 1c. Trivial starts again, on the server as the run leaves it: the faster of the two is the floor.
  say(`baseline again: ${members} trivial workflows started…`);
  began = performance.now();
  await fanOut((i) => startTrivial('TRIVIAL-START-2', i));
  await untilCount(`AssociationId = 'TRIVIAL-START-2' AND MembershipState = 'active'`, members);
  const trivialStartAgainMs = performance.now() - began;
  say(`  ${seconds(trivialStartAgainMs).toFixed(1)} s`);
  const trivialStartFloorMs = Math.min(trivialStartMs, trivialStartAgainMs);
  trivialWorker.send('stop');

  clearInterval(sampler);
  const workerPeak = await peakRssMb(worker.pid!);
  const serverPeak = serverPid ? await peakRssMb(serverPid) : NaN;
  const sizeEnd = await databaseBytes();

  const perSecond = (ms: number) => members / seconds(ms);
  const where = onCluster
    ? 'cluster (official server v1.29.1, PostgreSQL, 4 history shards)'
    : 'dev server (SQLite with WAL)';
  console.log(`\nbench:scale, ${members} members, ${where}`);
  console.log(
    `  import and settle: ${perSecond(importMs).toFixed(1)} members/s (${seconds(importMs).toFixed(1)} s); trivial starts ${perSecond(trivialStartMs).toFixed(1)}/s and ${perSecond(trivialStartAgainMs).toFixed(1)}/s; ratio ${(trivialStartFloorMs / importMs).toFixed(2)} to the faster`,
  );
  console.log(
    `  renewal-day storm: all past due in ${seconds(stormAllPastDueMs).toFixed(1)} s, acknowledged in ${seconds(stormMs).toFixed(1)} s; trivial ${seconds(trivialAllPastDueMs).toFixed(1)} s / ${seconds(trivialStormMs).toFixed(1)} s; ratio ${(trivialStormMs / stormMs).toFixed(2)}`,
  );
  console.log(
    `  worker CPU per expiry: ${memberCpuPerExpiryMs.toFixed(1)} ms; trivial ${trivialCpuPerExpiryMs.toFixed(1)} ms; ${(memberCpuPerExpiryMs / trivialCpuPerExpiryMs).toFixed(2)}×`,
  );
  console.log(
    `  mass drop dry run: ${seconds(dryRunMs).toFixed(1)} s (${dryLines} lines); mass drop in one batch: ${seconds(dropMs).toFixed(1)} s (${perSecond(dropMs).toFixed(1)} members/s), acknowledged ${seconds(dropSettledMs).toFixed(1)} s`,
  );
  console.log(
    `  reconciliation: ${seconds(reconcilePastDueMs).toFixed(1)} s all past due (${perSecond(reconcilePastDueMs).toFixed(0)} members/s), ${seconds(reconcileDroppedMs).toFixed(1)} s after the drop`,
  );
  console.log(
    `  peak memory: worker ${workerPeak.toFixed(0)} MiB RSS (defaults: cache ${settings.workflowCache}, heap ${settings.heapMb} MiB); server ${serverPeak.toFixed(0)} MiB RSS${onCluster ? `; PostgreSQL ${postgresPeakMb.toFixed(0)} MiB PSS` : ''}`,
  );
  console.log(
    `  database: ${((sizeAfterImport - sizeBefore) / members / 1024).toFixed(1)} KiB per member imported; ${((sizeEnd - sizeBefore) / members / 1024).toFixed(1)} KiB per member at the end (${(sizeEnd / 2 ** 20).toFixed(0)} MiB in all, with the trivial workflows)`,
  );
  worker.kill('SIGTERM');
  await once(worker, 'exit');
  await connection.close();
} finally {
  await cleanUp();
}

/** Stops everything the run started (also on Ctrl-C: PostgreSQL would outlive the run otherwise). */
async function cleanUp(): Promise<void> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await cluster?.stop();
  await teardownDev?.();
  await rm(scratch, { recursive: true, force: true });
}

function summaryOf(report: ReconciliationReport): string {
  return `${report.membersChecked} members, ${report.recordsChecked} records checked, ${report.driftFound} drifted, ${report.recordsUnsettled} unsettled, ${report.unreadableFound} unreadable`;
}

async function pgBin(): Promise<string | undefined> {
  if (process.env.STANDING_PG_BIN) return process.env.STANDING_PG_BIN;
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  const newest = versions.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join('/usr/lib/postgresql', newest, 'bin') : undefined;
}
