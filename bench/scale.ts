// npm run bench:scale [-- --members 2000|10000|30000 --server dev|cluster]
//                     [--state DIR --phase trivial|board|drop]
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
// A large board takes hours end to end, so the run comes in three phases: `trivial` (the baselines'
// starts and storm), `board` (import, dry run, storm, reconciliation) and `drop` (the mass drop,
// reconciliation, the trivial starts again). By default one run does all three on a scratch server
// it removes; with `--state DIR` the server's data, the simulators' state and the figures
// (DIR/results.json) stay in DIR, and `--phase` runs one phase there, each run printing every
// figure recorded so far.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
    state: { type: 'string' },
    phase: { type: 'string', default: 'all' },
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

// ---------------------------------------------------------------------------------------------
// What a run records: one part per phase, kept in the state folder's results.json between runs.

interface TrivialFigures {
  readonly startMs: number;
  readonly allPastDueMs: number;
  readonly stormMs: number;
  readonly cpuPerExpiryMs: number;
}
interface BoardFigures {
  readonly importMs: number;
  readonly dryRunMs: number;
  readonly dryLines: number;
  readonly stormAllPastDueMs: number;
  readonly stormMs: number;
  /** How long the set-up ran past the midnight (0: the storm began on an idle board). */
  readonly lateMs: number;
  readonly cpuPerExpiryMs: number;
  readonly reconcilePastDueMs: number;
  readonly reconcilePastDue: string;
  readonly bytesBeforeImport: number;
  readonly bytesAfterImport: number;
}
interface DropFigures {
  readonly dropMs: number;
  readonly dropSettledMs: number;
  readonly changed: number;
  readonly reconcileDroppedMs: number;
  readonly reconcileDropped: string;
  readonly trivialStartAgainMs: number;
}
interface ScaleResults {
  readonly members: number;
  readonly server: 'dev' | 'cluster';
  trivial?: TrivialFigures;
  board?: BoardFigures;
  drop?: DropFigures;
  /** Each process's peak over every phase so far (MiB), and the database at the last phase's end. */
  peaks: { worker: number; server: number; postgres: number };
  bytesAtEnd?: number;
}

type Phase = 'trivial' | 'board' | 'drop';
if (!['all', 'trivial', 'board', 'drop'].includes(values.phase))
  throw new Error('--phase: all, trivial, board or drop');
const phases: readonly Phase[] = values.phase === 'all' ? ['trivial', 'board', 'drop'] : [values.phase as Phase];
if (values.phase !== 'all' && !values.state)
  throw new Error('--phase needs --state: a phase run on its own keeps the server and its figures there');
const stateDir = values.state ? resolve(values.state) : undefined;
const resultsPath = stateDir && join(stateDir, 'results.json');
const results: ScaleResults = (resultsPath &&
  (JSON.parse(await readFile(resultsPath, 'utf8').catch(() => 'null')) as ScaleResults | null)) || {
  members,
  server: onCluster ? 'cluster' : 'dev',
  peaks: { worker: 0, server: 0, postgres: 0 },
};
if (results.members !== members || results.server !== values.server)
  throw new Error(
    `--state ${stateDir} holds a run of ${results.members} members on the ${results.server} server: give the same --members and --server, or a new --state`,
  );
for (const phase of phases)
  if (results[phase])
    throw new Error(
      `--state ${stateDir} has run the ${phase} phase already (its workflows are there): use a new --state`,
    );
if (phases.includes('drop') && !phases.includes('board') && !results.board)
  throw new Error('the drop phase drops the board the board phase imports: run --phase board first');
const hadRun = Boolean(results.trivial ?? results.board ?? results.drop);
const save = async () => {
  if (resultsPath) await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
};

const scratch = await mkdtemp(join(tmpdir(), 'standing-bench-scale-'));
/** What outlives the run: the server's data, the simulators' state, the board's files (with --state). */
const base = stateDir ?? scratch;
await mkdir(base, { recursive: true });
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
    const dataDir = join(base, 'cluster');
    // PostgreSQL runs as its own user (under root), who must reach its folder inside this one.
    await chmod(base, 0o755);
    const postgresPort = Number(values['cluster-pg-port']);
    say(`starting ${hadRun ? 'the' : 'a fresh'} cluster (official server v1.29.1 on PostgreSQL) in ${dataDir}…`);
    cluster = await startCluster({ dataDir, frontendPort: Number(values['cluster-port']), postgresPort, log: say });
    address = cluster.address;
    namespace = 'scale';
    await ensureNamespace(address, namespace, 1);
    if (!hadRun) {
      // The history service reads its search attributes from a cache refreshed every 60 s.
      say('namespace registered; waiting 65 s for its search attributes to reach the history service');
      await sleep(65_000);
    }
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
    const { env, folder, teardown } = await startBenchDevServer('scale', stateDir && join(stateDir, 'dev'));
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
  const sampler = setInterval(() => {
    if (postmasterPid)
      treePssMb(postmasterPid).then(
        (mb) => (results.peaks.postgres = Math.max(results.peaks.postgres, mb)),
        () => undefined,
      );
  }, 2_000);

  // The provider simulators, in a process of their own, their state beside the server's.
  const simulatorPort = 8890 + Math.floor(Math.random() * 100);
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  const simulators = spawnChild(
    ['--import', 'tsx', join('provider-simulators', 'main.ts')],
    { STANDING_SIMULATOR_PORT: String(simulatorPort), STANDING_SIMULATOR_STATE: join(base, 'simulators.json') },
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

  // The trivial members' worker (the trivial and drop phases): a process of its own, its own task
  // queue, the same simulators.
  let trivialWorker: ChildProcess | undefined;
  if (phases.includes('trivial') || phases.includes('drop')) {
    trivialWorker = (
      await forkWorkerProcess(join(import.meta.dirname, 'runtime-worker.ts'), [], {
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        BENCH_TASK_QUEUE: trivialQueue,
        BENCH_PROVIDERS_URL: simulatorUrl,
        BENCH_CACHE: String(settings.workflowCache),
      })
    ).child;
    children.push(trivialWorker);
  }

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
  /** N trivial workflows started with the import's concurrency, until all show. */
  const trivialStarts = async (group: string) => {
    const began = performance.now();
    await fanOut((i) => startTrivial(group, i));
    await untilCount(`AssociationId = '${group}' AND MembershipState = 'active'`, members);
    return performance.now() - began;
  };

  if (phases.includes('trivial')) {
    // 1a. Trivial starts.
    say(`baseline: ${members} trivial workflows started (concurrency ${concurrency}) until all show in visibility…`);
    const startMs = await trivialStarts('TRIVIAL-START');
    say(`  ${seconds(startMs).toFixed(1)} s`);

    // 2a. Trivial storm: N workflows whose timers fire at one instant, then two provider commands each.
    const trivialIds = Array.from({ length: members }, (_, i) => `T${String(i + 1).padStart(6, '0')}`);
    await seed(
      trivialIds.flatMap((id) => [
        { provider: 'mls' as const, id, status: 'Active' },
        { provider: 'sentrilock' as const, id, status: 'Active' },
      ]),
    );
    const trivialFire = new Date(Date.now() + startMs * 2 + 20_000);
    say(`baseline storm: ${members} trivial timers firing at ${trivialFire.toISOString()}…`);
    await fanOut((i) => startTrivial('TRIVIAL-STORM', i, trivialFire.toISOString()));
    await untilCount(`AssociationId = 'TRIVIAL-STORM' AND MembershipState = 'active'`, members);
    const trivialLate = Date.now() - trivialFire.getTime();
    if (trivialLate > 0) say(`  WARNING: the trivial workflows were started ${trivialLate} ms after their timers`);
    await sleep(Math.max(0, trivialFire.getTime() - Date.now()));
    const trivialCpuAt = await cpuSeconds(trivialWorker!.pid!);
    await untilCount(`AssociationId = 'TRIVIAL-STORM' AND MembershipState = 'pastDue'`, members);
    const allPastDueMs = Date.now() - trivialFire.getTime();
    await untilCount(
      `AssociationId = 'TRIVIAL-STORM' AND MembershipState = 'pastDue' AND ProviderSync = 'ok'`,
      members,
    );
    const stormMs = Date.now() - trivialFire.getTime();
    const cpuPerExpiryMs = (((await cpuSeconds(trivialWorker!.pid!)) - trivialCpuAt) * 1000) / members;
    say(
      `  all past due ${seconds(allPastDueMs).toFixed(1)} s, acknowledged ${seconds(stormMs).toFixed(1)} s after the instant`,
    );
    results.trivial = { startMs, allPastDueMs, stormMs, cpuPerExpiryMs };
    await save();
  }

  // The board's files: its association (the zone chosen by the board phase) and its roster.
  const folder = join(base, 'associations');
  const associationPath = join(folder, 'scale.yaml');
  let worker: ChildProcess | undefined;
  const startWorker = async () => {
    // The real worker, as npm run worker runs it: the default settings, the heap flag they imply.
    const bundle = join(scratch, 'workflow-bundle.js');
    await writeFile(
      bundle,
      await bundleWorkflows({
        logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: (m) => console.error(m) },
      }),
    );
    const started = defaultSettingsWorker(settings, simulatorUrl, bundle);
    worker = spawnChild(started.args, { ...common, ...started.env }, 'pipe');
    await readyLine(worker, '[worker] running', 'the worker');
    return worker;
  };
  const common = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    STANDING_CONFIG: '',
    STANDING_ASSOCIATIONS: folder,
    STANDING_ASSOCIATION: associationId,
  };
  const scope = `AssociationId = '${associationId}'`;

  if (phases.includes('board')) {
    // Paid through today in the zone whose midnight comes first after the set-up (import and dry
    // run; estimated generously from the trivial starts, or 30 a second without them): import at
    // half the trivial rate at worst (10,000 members: 0.55); the dry run 35 ms a member at worst
    // (10,000: 29 ms); a minute spare.
    const setupMs = (results.trivial?.startMs ?? members * 33) * 2 + members * 35 + 60_000;
    const renewal = earliestMidnight(new Date(Date.now() + setupMs));
    say(
      `renewal day: ${members} members paid through ${renewal.paidThrough} in ${renewal.zone}, expiring at ${renewal.midnight.toISOString()} (in ${Math.round((renewal.midnight.getTime() - Date.now()) / 60_000)} min)`,
    );
    await mkdir(folder, { recursive: true });
    await writeFile(associationPath, associationFile(renewal.zone));
    const rosterPath = join(folder, 'scale.roster.csv');
    await writeFile(rosterPath, roster(members, renewal.paidThrough));
    const parsed = parseAssociationConfig(associationPath, await readFile(associationPath, 'utf8'));
    if (!parsed.ok) throw new Error(`the bench's association file does not parse: ${JSON.stringify(parsed)}`);
    await seed(seedRecordsFor(await loadRoster(rosterPath, new Date().toISOString()), parsed.value));
    const boardWorker = await startWorker();

    // 1b. Import and settle.
    say(`import: standing import of ${members} members (concurrency ${concurrency})…`);
    const bytesBeforeImport = await databaseBytes();
    let began = performance.now();
    await standing(['import', rosterPath, '--concurrency', String(concurrency), '--json'], common);
    // An imported member shows active from its start (the client sets what it will show); it has
    // run once its first workflow task upserted the baseline marker's TemporalChangeVersion.
    await untilCount(`${scope} AND MembershipState = 'active' AND TemporalChangeVersion = '${BASELINE}'`, members);
    const importMs = performance.now() - began;
    const bytesAfterImport = await databaseBytes();
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
    const workerCpuAt = await cpuSeconds(boardWorker.pid!);
    await untilCount(`${scope} AND MembershipState = 'pastDue'`, members);
    const stormAllPastDueMs = Date.now() - renewal.midnight.getTime();
    await untilCount(`${scope} AND MembershipState = 'pastDue' AND ProviderSync = 'ok'`, members);
    const stormMs = Date.now() - renewal.midnight.getTime();
    const cpuPerExpiryMs = (((await cpuSeconds(boardWorker.pid!)) - workerCpuAt) * 1000) / members;
    say(
      `  all past due ${seconds(stormAllPastDueMs).toFixed(1)} s, acknowledged ${seconds(stormMs).toFixed(1)} s after midnight`,
    );

    // 3b. Reconciliation now that every member's providers have been told something.
    say('reconciliation over every member (past due, two records each)…');
    began = performance.now();
    const reconciled = JSON.parse(await standing(['reconcile', '--json'], common)) as ReconciliationReport;
    const reconcilePastDueMs = performance.now() - began;
    say(`  ${seconds(reconcilePastDueMs).toFixed(1)} s: ${summaryOf(reconciled)}`);
    results.board = {
      importMs,
      dryRunMs,
      dryLines,
      stormAllPastDueMs,
      stormMs,
      lateMs: Math.max(0, -lead),
      cpuPerExpiryMs,
      reconcilePastDueMs,
      reconcilePastDue: summaryOf(reconciled),
      bytesBeforeImport,
      bytesAfterImport,
    };
    await save();
  }

  if (phases.includes('drop')) {
    // 3c. The mass drop in one batch, then its commands acknowledged, then reconciliation again.
    if (!worker) await startWorker();
    say(`mass drop of all ${members} members in one batch…`);
    let began = performance.now();
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
    const reconciled = JSON.parse(await standing(['reconcile', '--json'], common)) as ReconciliationReport;
    const reconcileDroppedMs = performance.now() - began;
    say(`  ${seconds(reconcileDroppedMs).toFixed(1)} s: ${summaryOf(reconciled)}`);

    // 1c. Trivial starts again, on the server as the run leaves it: the faster of the two is the floor.
    say(`baseline again: ${members} trivial workflows started…`);
    const trivialStartAgainMs = await trivialStarts('TRIVIAL-START-2');
    say(`  ${seconds(trivialStartAgainMs).toFixed(1)} s`);
    results.drop = {
      dropMs,
      dropSettledMs,
      changed: Number(dropReport.changed),
      reconcileDroppedMs,
      reconcileDropped: summaryOf(reconciled),
      trivialStartAgainMs,
    };
    await save();
  }
  trivialWorker?.send('stop');

  clearInterval(sampler);
  if (worker) results.peaks.worker = Math.max(results.peaks.worker, await peakRssMb(worker.pid!));
  if (serverPid) results.peaks.server = Math.max(results.peaks.server, await peakRssMb(serverPid));
  results.bytesAtEnd = await databaseBytes();
  await save();
  report(results);
  if (worker) {
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  }
  await connection.close();
} finally {
  await cleanUp();
}

/** The figures so far: every phase recorded (a phase not run yet shows as such). */
function report(figures: ScaleResults): void {
  const { trivial, board, drop, peaks } = figures;
  const perSecond = (ms: number) => members / seconds(ms);
  const where = onCluster
    ? 'cluster (official server v1.29.1, PostgreSQL, 4 history shards)'
    : 'dev server (SQLite with WAL)';
  const notYet = (phase: Phase) => `(the ${phase} phase has not run)`;
  console.log(`\nbench:scale, ${members} members, ${where}${stateDir ? `, state ${stateDir}` : ''}`);
  const trivialStartsMs = [trivial?.startMs, drop?.trivialStartAgainMs].filter((ms): ms is number => ms !== undefined);
  const trivialFloorMs = trivialStartsMs.length > 0 ? Math.min(...trivialStartsMs) : undefined;
  const trivialStarts = trivialStartsMs.map((ms) => `${perSecond(ms).toFixed(1)}/s`).join(' and ');
  console.log(
    board
      ? `  import and settle: ${perSecond(board.importMs).toFixed(1)} members/s (${seconds(board.importMs).toFixed(1)} s); trivial starts ${trivialStarts || notYet('trivial')}${trivialFloorMs ? `; ratio ${(trivialFloorMs / board.importMs).toFixed(2)} to the faster` : ''}`
      : `  import and settle: ${notYet('board')}; trivial starts ${trivialStarts || notYet('trivial')}`,
  );
  const trivialStorm = trivial
    ? `trivial ${seconds(trivial.allPastDueMs).toFixed(1)} s / ${seconds(trivial.stormMs).toFixed(1)} s`
    : `trivial ${notYet('trivial')}`;
  console.log(
    board
      ? `  renewal-day storm: all past due in ${seconds(board.stormAllPastDueMs).toFixed(1)} s, acknowledged in ${seconds(board.stormMs).toFixed(1)} s${board.lateMs > 0 ? ` (WARNING: began ${seconds(board.lateMs).toFixed(0)} s before the set-up ended)` : ''}; ${trivialStorm}${trivial ? `; ratio ${(trivial.stormMs / board.stormMs).toFixed(2)}` : ''}`
      : `  renewal-day storm: ${notYet('board')}; ${trivialStorm}`,
  );
  if (board || trivial)
    console.log(
      `  worker CPU per expiry: ${board ? `${board.cpuPerExpiryMs.toFixed(1)} ms` : notYet('board')}; trivial ${trivial ? `${trivial.cpuPerExpiryMs.toFixed(1)} ms` : notYet('trivial')}${board && trivial ? `; ${(board.cpuPerExpiryMs / trivial.cpuPerExpiryMs).toFixed(2)}×` : ''}`,
    );
  console.log(
    `  mass drop dry run: ${board ? `${seconds(board.dryRunMs).toFixed(1)} s (${board.dryLines} lines)` : notYet('board')}; mass drop in one batch: ${drop ? `${seconds(drop.dropMs).toFixed(1)} s (${perSecond(drop.dropMs).toFixed(1)} members/s, changed ${drop.changed}), acknowledged ${seconds(drop.dropSettledMs).toFixed(1)} s` : notYet('drop')}`,
  );
  console.log(
    `  reconciliation: ${board ? `${seconds(board.reconcilePastDueMs).toFixed(1)} s all past due (${perSecond(board.reconcilePastDueMs).toFixed(0)} members/s; ${board.reconcilePastDue})` : notYet('board')}; ${drop ? `${seconds(drop.reconcileDroppedMs).toFixed(1)} s after the drop (${drop.reconcileDropped})` : notYet('drop')}`,
  );
  console.log(
    `  peak memory: worker ${peaks.worker > 0 ? `${peaks.worker.toFixed(0)} MiB RSS` : notYet('board')} (defaults: cache ${settings.workflowCache}, heap ${settings.heapMb} MiB); server ${peaks.server.toFixed(0)} MiB RSS${onCluster ? `; PostgreSQL ${peaks.postgres.toFixed(0)} MiB PSS` : ''}`,
  );
  if (board && figures.bytesAtEnd !== undefined)
    console.log(
      `  database: ${((board.bytesAfterImport - board.bytesBeforeImport) / members / 1024).toFixed(1)} KiB per member imported; ${((figures.bytesAtEnd - board.bytesBeforeImport) / members / 1024).toFixed(1)} KiB per member at the end (${(figures.bytesAtEnd / 2 ** 20).toFixed(0)} MiB in all, with the trivial workflows)`,
    );
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
