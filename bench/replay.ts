// npm run bench:replay [-- --replays 2000]
// What a workflow-cache miss costs the worker, the membership against bench:scale's trivial member.
// A storm at a large board misses the cache on nearly every workflow task (10,000 members expiring
// at once, a cache of 1,000), and each miss replays the workflow's history from its start. This
// records, on the time-skipping test server, one renewal-day expiry of each kind as bench:scale
// makes them (the membership imported active, paid through the day, its midnight passed: past due,
// the MLS and the lockbox told and acknowledged; the trivial member: the same timer, upserts and
// two commands), then replays each history `--replays` times with bench:scale's workflow bundle
// (the same modules evaluated for both) and reports the worker's CPU per replay (every thread of
// this process), the ratio between the two, and the history sizes. With `--profile`, each set of
// replays runs in debug mode (on this thread) under the inspector's CPU profiler and the profile
// is written to the current folder; `--show-histories` prints each history's event types. A
// benchmark, not a test.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TypedSearchAttributes } from '@temporalio/common';
import temporalProto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { MembershipClient } from '../client/membership-client.js';
import { registerSearchAttributes } from '../common/register-search-attributes.js';
import { associationConfigSchema } from '../schemas/association.js';
import { ensureTestServer } from '../scripts/temporal-binaries.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { membershipSearchAttributes } from '../workflows/search-attributes.js';
import { scaleBenchAssociation } from './association.js';
import type { trivialMemberWorkflow } from './noop-workflow.js';

const { values } = parseArgs({
  options: {
    replays: { type: 'string', default: '2000' },
    profile: { type: 'boolean', default: false },
    'show-histories': { type: 'boolean', default: false },
  },
});
const replays = Number(values.replays);
if (!Number.isInteger(replays) || replays < 1) throw new Error('--replays: a whole number, at least 1');

Runtime.install({ logger: new DefaultLogger('ERROR') });
const taskQueue = 'bench-replay';
const zone = 'America/Chicago';
// bench:scale's board: an expiry sends two commands (MLS and lockbox).
const config = associationConfigSchema.parse(scaleBenchAssociation('SCALE', 'Replay bench REALTORS', zone));
const code = await bundleWorkflows({
  workflowsPath: join(import.meta.dirname, 'workflows.ts'),
  logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: (m) => console.error(m) },
});

const env = await TestWorkflowEnvironment.createTimeSkipping({
  server: { executable: { type: 'existing-path', path: await ensureTestServer() } },
});
let histories: { membership: temporal.api.history.v1.IHistory; trivial: temporal.api.history.v1.IHistory };
try {
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  const accept = async (request: { provider: string; status: string }) =>
    Promise.resolve({ provider: request.provider, status: request.status, recordedAt: new Date().toISOString() });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code },
    activities: { applyProviderStatus: accept },
  });
  histories = await worker.runUntil(async () => {
    const now = DateTime.fromMillis(await env.currentTimeMs(), { zone });
    const midnight = now.startOf('day').plus({ days: 1 });
    const client = new MembershipClient(env.client, config, taskQueue);
    await client.importMember({
      id: 'imp-S000001',
      type: 'imported',
      memberId: 'S000001',
      at: now.toUTC().toISO(),
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: now.toISODate(),
      joinDate: '2010-05-14',
      memberStatus: 'Renewed',
      providerIds: { m1: '900000100', mls: 'M000001', lockbox: '7000001' },
    });
    const { AssociationId, MemberId } = membershipSearchAttributes;
    const trivial = await env.client.workflow.start<typeof trivialMemberWorkflow>('trivialMemberWorkflow', {
      workflowId: 'trivial/TRIVIAL-STORM/T000001',
      taskQueue,
      args: [{ expireAt: midnight.toUTC().toISO()! }],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: AssociationId, value: 'TRIVIAL-STORM' },
        { key: MemberId, value: 'T1' },
      ]),
    });
    // Past midnight, then until both show past due with their commands acknowledged.
    await env.sleep(midnight.toMillis() - now.toMillis() + 60_000);
    const settled = async (workflowId: string) => {
      for (;;) {
        const { searchAttributes } = await env.client.workflow.getHandle(workflowId).describe();
        if (searchAttributes.MembershipState?.[0] === 'pastDue' && searchAttributes.ProviderSync?.[0] === 'ok') return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const membershipId = client.workflowId('S000001');
    await Promise.all([settled(membershipId), settled(trivial.workflowId)]);
    return {
      membership: await env.client.workflow.getHandle(membershipId).fetchHistory(),
      trivial: await trivial.fetchHistory(),
    };
  });
} finally {
  await env.teardown();
}

if (values['show-histories'])
  for (const [name, history] of Object.entries(histories))
    console.log(
      `${name}: ${history.events?.map((event) => temporalProto.temporal.api.enums.v1.EventType[event.eventType ?? 0]).join(' ')}`,
    );

/** Replays `history` `replays` times; CPU (user + system, every thread) and wall time per replay, in ms. */
async function replay(name: string, history: temporal.api.history.v1.IHistory) {
  const copies = function* () {
    for (let i = 0; i < replays; i += 1) yield { workflowId: `${name}-${i}`, history };
  };
  const session = values.profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { code }, replayName: name, ...(values.profile ? { debugMode: true } : {}) },
    copies(),
  ))
    if (result.error) throw result.error;
  const wallMs = performance.now() - began;
  const cpu = process.cpuUsage(cpuBefore);
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    const file = join(process.cwd(), `bench-replay-${name}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    console.log(`profile: ${file}`);
    session.disconnect();
  }
  return {
    events: history.events?.length ?? 0,
    cpuMsPerReplay: Number(((cpu.user + cpu.system) / 1000 / replays).toFixed(2)),
    wallMsPerReplay: Number((wallMs / replays).toFixed(2)),
  };
}

// The trivial member first, then the membership, then the trivial again: the faster trivial is the floor.
const trivialFirst = await replay('trivial', histories.trivial);
const membership = await replay('membership', histories.membership);
const trivialAgain = await replay('trivial', histories.trivial);
const trivial = trivialFirst.cpuMsPerReplay <= trivialAgain.cpuMsPerReplay ? trivialFirst : trivialAgain;
console.log(
  JSON.stringify({
    replays,
    membership,
    trivial,
    trivialRuns: [trivialFirst.cpuMsPerReplay, trivialAgain.cpuMsPerReplay],
    cpuRatio: Number((membership.cpuMsPerReplay / trivial.cpuMsPerReplay).toFixed(2)),
  }),
);
