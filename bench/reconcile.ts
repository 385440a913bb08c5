// npm run bench:reconcile [-- --members 10000 --page-size 1000 --bulk-rps 10 --drift 20]
// How fast reconciliation goes through an association: a dev server, a worker in this process, and
// the providers' bulk reads over HTTP from a fake speaking DESIGN-11's list contract
// (test/providers/list-fake.ts; the simulators speak it too once merged). `--members` members join
// and pay, so M1, the MLS and the lockbox each acknowledge Active (written straight into the fake's
// records, to set up fast); `--drift` records are then changed; one reconciliation runs, timed from
// its start to its result. A benchmark, not a test.
import { parseArgs } from 'node:util';
import { Worker } from '@temporalio/worker';
import pLimit from 'p-limit';
import { createProviderBulkReads, providerSettingsSchema } from '../activities/providers.js';
import type { ProviderActivities } from '../activities/providers.js';
import { createReconciliationActivities } from '../activities/reconciliation.js';
import { MembershipClient } from '../client/membership-client.js';
import { visibilityQuery } from '../client/member-filter.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { associationTaskQueue, workflowTypes } from '../workflows/messages.js';
import type { ReconciliationReport, reconciliationWorkflow } from '../workflows/reconciliation.js';
import { startListFake } from '../test/providers/list-fake.js';
import { duesPaid, liveBenchAssociation } from './association.js';
import { startBenchDevServer } from './dev-server.js';
import { readUntil } from './read-until.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '10000' },
    'page-size': { type: 'string', default: '1000' },
    'bulk-rps': { type: 'string', default: '10' },
    drift: { type: 'string', default: '20' },
  },
});
const members = Number(values.members);
const pageSize = Number(values['page-size']);
const driftPlanted = Math.min(Number(values.drift), members);

const config = liveBenchAssociation({ activated: { m1: 'Active', mls: 'Active', lockbox: 'Active' } });
const associationId = config.association.id;
const fake = await startListFake();
const endpoint = { baseUrl: fake.baseUrl, bulkReadsPerSecond: Number(values['bulk-rps']) };
const settings = providerSettingsSchema.parse({
  associationId,
  m1: endpoint,
  mls: endpoint,
  lockbox: { ...endpoint, vendor: 'sentrilock' },
});
const vendorOf = { m1: 'm1', mls: 'mls', lockbox: 'sentrilock' } as const;
/** Writes land in the fake's records at once: setting up N members is not what is measured. */
const writes: ProviderActivities = {
  async applyProviderStatus(request) {
    fake.records[vendorOf[request.provider]].set(request.providerId ?? request.memberId, request.status);
    return { provider: request.provider, status: request.status, recordedAt: new Date().toISOString() };
  },
  async readProviderStatus({ provider, memberId, providerId }) {
    return fake.records[vendorOf[provider]].get(providerId ?? memberId) ?? null;
  },
};

const { env, teardown } = await startBenchDevServer('reconcile');
const code = await bundleWorkflows({
  logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: (m) => console.error(m) },
});
const worker = await Worker.create({
  connection: env.nativeConnection,
  taskQueue: associationTaskQueue(associationId),
  workflowBundle: { code },
  maxCachedWorkflows: 2_000,
  activities: {
    ...writes,
    ...createReconciliationActivities({
      client: env.client,
      providers: writes,
      bulkReads: createProviderBulkReads({ http: fetch, settings }),
      settings,
    }),
  },
});
const running = worker.run();

try {
  const client = new MembershipClient(env.client, config);
  const memberIds = Array.from({ length: members }, (_, i) => `R${String(i).padStart(6, '0')}`);
  const at = new Date().toISOString();
  const from = at.slice(0, 10);
  const through = `${Number(from.slice(0, 4)) + 1}${from.slice(4)}`;
  const settingUp = performance.now();
  const limit = pLimit(50);
  await Promise.all(
    memberIds.map((memberId) =>
      limit(() =>
        client.sendHistory([
          { id: `join-${memberId}`, type: 'joined', memberId, at, membershipType: 'REALTOR' },
          ...duesPaid(memberId, at, from, through),
        ]),
      ),
    ),
  );
  // Settled: every provider acknowledged (the memo is upserted with the ProviderSync attribute).
  await readUntil(
    () => env.client.workflow.count(visibilityQuery(associationId, { providerSync: 'ok' })),
    ({ count }) => count >= members,
    { first: 500, most: 5_000 },
  );
  const setupSeconds = (performance.now() - settingUp) / 1000;
  console.log(`${members} members joined, paid and acknowledged by 3 providers in ${setupSeconds.toFixed(0)} s`);
  for (const memberId of memberIds.slice(0, driftPlanted)) fake.records.mls.set(memberId, 'Inactive');

  const started = performance.now();
  const report: ReconciliationReport = await env.client.workflow.execute<typeof reconciliationWorkflow>(
    workflowTypes.reconciliation,
    {
      workflowId: `reconcile-providers/${associationId}/bench`,
      taskQueue: associationTaskQueue(associationId),
      args: [{ associationId, pageSize }],
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const reads = fake.requests.length;
  console.log(
    JSON.stringify({
      members: report.membersChecked,
      recordsChecked: report.recordsChecked,
      membersWithoutMemo: report.membersWithoutMemo,
      driftFound: report.driftFound,
      driftPlanted,
      repairsRequested: report.repairsRequested,
      pages: report.pages,
      bulkReads: reads,
      largestRead: Math.max(...fake.requests.map((r) => r.ids.length)),
      pageSize,
      bulkReadsPerSecond: endpoint.bulkReadsPerSecond,
      seconds: Number(seconds.toFixed(1)),
      membersPerSecond: Math.round(report.membersChecked / seconds),
    }),
  );
} finally {
  worker.shutdown();
  await running;
  await teardown();
  await fake.close();
}
