// npm run bench:export [-- --members 10000 --concurrency 8]
// How long `standing export`, `standing verify` and `standing what-if` take over a board with a
// year of monthly billing: a dev server (SQLite with WAL), a worker in this process with providers
// that accept at once, and N members. Nine in ten are billed and paid for twelve months, a signal a
// month as billing sends them (the workflow applies what it is sent at its own moment, so the
// months are sent now, each invoice covering its month of the coming year: a year's worth of
// signals, workflow tasks, search attribute upserts and provider deliveries in each history,
// without waiting a year); one in ten lapsed (imported past due 40 days ago, suspended since).
// Then the real CLI in a process of its own: export to a file, verify, and what-if proposing a
// 45-day grace period (which the lapsed tenth would feel). Baselines: for export and verify,
// reading the same members' histories alone (visibility's list and one history fetch a run, the
// same concurrency), what no export can do without; for what-if over the export file, `simulate
// --as-run` over the same file. A benchmark, not a test.
import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import pLimit from 'p-limit';
import { stringify } from 'yaml';
import { MembershipClient } from '../client/membership-client.js';
import { visibilityQuery } from '../client/member-filter.js';
import type { LifecycleEventInput } from '../schemas/events.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { associationTaskQueue } from '../workflows/messages.js';
import { liveBenchAssociation } from './association.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { members: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '8' } },
});
const members = Number(values.members);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(members) || members < 1) throw new Error('--members: a whole number, at least 1');

const config = liveBenchAssociation({
  activated: { m1: 'Active', mls: 'Active' },
  suspended: { m1: 'Suspended', mls: 'Inactive' },
  reactivated: { m1: 'Active', mls: 'Active' },
});
const associationId = config.association.id;
const accept = async (request: { provider: string; status: string }) => ({
  provider: request.provider,
  status: request.status,
  recordedAt: new Date().toISOString(),
});

const { env, folder, teardown } = await startBenchDevServer('export');
const code = await bundleWorkflows({
  logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: (m) => console.error(m) },
});
const worker = await Worker.create({
  connection: env.nativeConnection,
  taskQueue: associationTaskQueue(associationId),
  workflowBundle: { code },
  maxCachedWorkflows: 1_000,
  activities: { applyProviderStatus: accept, readProviderStatus: async () => null },
});
const running = worker.run();

/** The first day of the month `months` after `start` (YYYY-MM-DD), and that month's last day. */
function month(start: Date, months: number): { from: string; through: string } {
  const first = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 1));
  const last = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months + 1, 0));
  return { from: first.toISOString().slice(0, 10), through: last.toISOString().slice(0, 10) };
}

/** A member's year: joined, then for each month an invoice covering it and its payment, a signal each. */
function year(memberId: string, start: Date): LifecycleEventInput[][] {
  const at = new Date().toISOString();
  const joined: LifecycleEventInput = {
    id: `join-${memberId}`,
    type: 'joined',
    memberId,
    at,
    membershipType: 'REALTOR',
  };
  const months = Array.from({ length: 12 }, (_, m) => {
    const { from, through } = month(start, m);
    const invoiceId = `INV-${memberId}-${m}`;
    return [
      {
        id: `inv-${memberId}-${m}`,
        type: 'invoiceIssued' as const,
        memberId,
        at,
        invoiceId,
        amount: 50,
        coversFrom: from,
        coversThrough: through,
      },
      {
        id: `pay-${memberId}-${m}`,
        type: 'paymentPosted' as const,
        memberId,
        at,
        paymentId: `PAY-${memberId}-${m}`,
        invoiceId,
        amount: 50,
      },
    ];
  });
  return [[joined, ...months[0]!], ...months.slice(1)];
}

const rssOf = (stderr: string) => Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? 0) / 1024;

try {
  const client = new MembershipClient(env.client, config);
  const start = new Date();
  const settingUp = performance.now();
  const limit = pLimit(32);
  let signals = 0;
  await Promise.all(
    Array.from({ length: members }, (_, i) =>
      limit(async () => {
        const memberId = `X${String(i).padStart(6, '0')}`;
        // A signal a month, in order, as billing sends them.
        // A tenth of the board lapsed: imported past due, paid through 40 days ago, and billed no more
        // (suspended after the 30 days' grace; a 45-day grace, what-if's proposal, would keep them past due).
        const history =
          i % 10 === 9
            ? [
                [
                  {
                    id: `imp-${memberId}`,
                    type: 'imported' as const,
                    memberId,
                    at: new Date().toISOString(),
                    membershipType: 'REALTOR',
                    state: 'pastDue' as const,
                    paidThrough: new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10),
                  },
                ],
              ]
            : year(memberId, start);
        for (const batch of history) {
          await client.sendHistory(batch);
          signals += 1;
        }
      }),
    ),
  );
  await readUntil(
    () => env.client.workflow.count(visibilityQuery(associationId, { providerSync: 'ok' })),
    ({ count }) => count >= members - Math.floor(members / 10),
    { first: 1_000, most: 10_000 },
  );
  console.log(
    `${members} members, ${signals} signals (nine members in ten billed and paid for a year, a signal a month; one in ten lapsed) set up in ${((performance.now() - settingUp) / 1000).toFixed(0)} s`,
  );

  // Baseline: the same reads, nothing made of them.
  const baselineStarted = performance.now();
  const reads = pLimit(concurrency);
  const pending: Promise<unknown>[] = [];
  let historyEvents = 0;
  for await (const execution of env.client.workflow.list({ query: visibilityQuery(associationId) })) {
    pending.push(
      reads(async () => {
        const history = await env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
        historyEvents += history.events!.length;
      }),
    );
  }
  await Promise.all(pending);
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;

  const configFile = join(folder, 'bench.yaml');
  await writeFile(configFile, stringify(config));
  const cli = async (args: string[]) => {
    const began = performance.now();
    const result = await run(
      '/usr/bin/time',
      ['-v', process.execPath, join(import.meta.dirname, '..', 'bin', 'standing.js'), ...args],
      {
        env: {
          ...Object.fromEntries(
            Object.entries(process.env).filter(
              ([name]) => !['STANDING_ASSOCIATIONS', 'STANDING_ASSOCIATION'].includes(name),
            ),
          ),
          TEMPORAL_ADDRESS: env.address,
          TEMPORAL_NAMESPACE: 'default',
          STANDING_CONFIG: configFile,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((error: { code?: number; stdout: string; stderr: string }) => ({ ...error }));
    return { seconds: (performance.now() - began) / 1000, rssMiB: rssOf(result.stderr), ...result };
  };
  const output = join(folder, 'export.jsonl');
  const exported = await cli(['export', '--output', output, '--concurrency', String(concurrency)]);
  if ('code' in exported && exported.code) throw new Error(`export failed: ${exported.stderr}`);
  const verified = await cli(['verify', '--json', '--concurrency', String(concurrency)]);
  // what-if over the export (a 45-day grace period proposed), against simulate running the same
  // export once as it ran: what-if simulates every member twice and compares.
  const proposedFile = join(folder, 'proposed.yaml');
  await writeFile(
    proposedFile,
    stringify({ ...config, membershipTypes: config.membershipTypes.map((t) => ({ ...t, gracePeriod: 'P45D' })) }),
  );
  const simulated = await cli(['simulate', '--as-run', '--events', output, '--until', 'now', '--json']);
  const whatIf = await cli(['what-if', '--config', proposedFile, '--events', output, '--json']);
  const whatIfReport = JSON.parse(whatIf.stdout) as { members: number; differing: number };
  if (!verified.stdout.startsWith('{')) throw new Error(`verify failed: ${verified.stderr}`);
  const report = JSON.parse(verified.stdout) as { verified: number; differing: unknown[] };
  console.log(
    JSON.stringify({
      members,
      historyEventsPerMember: Math.round(historyEvents / members),
      baseline: {
        seconds: Number(baselineSeconds.toFixed(1)),
        membersPerSecond: Math.round(members / baselineSeconds),
      },
      export: {
        seconds: Number(exported.seconds.toFixed(1)),
        membersPerSecond: Math.round(members / exported.seconds),
        ratioToBaseline: Number((baselineSeconds / exported.seconds).toFixed(2)),
        fileMiB: Number(((await stat(output)).size / 1024 / 1024).toFixed(1)),
        peakRssMiB: Math.round(exported.rssMiB),
        summary: exported.stderr.split('\n').find((line) => line.startsWith('exported')),
      },
      verify: {
        seconds: Number(verified.seconds.toFixed(1)),
        membersPerSecond: Math.round(members / verified.seconds),
        ratioToBaseline: Number((baselineSeconds / verified.seconds).toFixed(2)),
        peakRssMiB: Math.round(verified.rssMiB),
        verified: report.verified,
        differing: report.differing.length,
      },
      whatIf: {
        seconds: Number(whatIf.seconds.toFixed(1)),
        membersPerSecond: Math.round(members / whatIf.seconds),
        simulateAsRunSeconds: Number(simulated.seconds.toFixed(1)),
        ratioToSimulate: Number((whatIf.seconds / simulated.seconds).toFixed(2)),
        peakRssMiB: Math.round(whatIf.rssMiB),
        simulatePeakRssMiB: Math.round(simulated.rssMiB),
        members: whatIfReport.members,
        differing: whatIfReport.differing,
      },
    }),
  );
} finally {
  worker.shutdown();
  await running;
  await teardown();
}
