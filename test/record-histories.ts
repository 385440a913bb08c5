// npm run record:histories -- --version vN: runs the workflow scenarios on the time-skipping server
// and saves each run's history as test/histories/vN-<scenario>.json, where the replay test reads
// them. Keep the histories of every version that ran anywhere: a change that would break one of
// them goes behind patched().
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { MembershipClient } from '../client/membership-client.js';
import { UnmatchedBillingClient } from '../client/unmatched-billing.js';
import { association, EventLog } from './helpers.js';
import { deliverInTime, providersSettled, shiftInstant, shiftYears, yearsIntoFuture } from './workflow/deliver.js';
import { fakeProviders } from './workflow/fake-providers.js';
import type { DriftPage, DriftPageRequest, DriftReport } from '../activities/reconciliation.js';
import { createStaffActivities } from '../activities/staff.js';
import {
  changeRoleUpdate,
  configureSignal,
  lifecycleEventSignal,
  repairProviderSignal,
  unmatchedBillingWorkflowId,
  workflowTypes,
} from '../workflows/messages.js';
import {
  importedLapsed,
  lapsesAndRejoins,
  messyBilling,
  reversals,
  staffActions,
  workedExample,
} from './workflow/scenarios.js';
import { registerSearchAttributes } from '../common/register-search-attributes.js';
import type { LifecycleEvent } from '../schemas/events.js';
import type { AssociationConfig } from '../schemas/association.js';
import { ensureTestServer, projectRoot } from '../scripts/temporal-binaries.js';

const { values } = parseArgs({ options: { version: { type: 'string' } } });
if (!values.version || !/^v\d+$/.test(values.version))
  throw new Error(
    'usage: npm run record:histories -- --version v2 (a new version label, so earlier recordings are kept)',
  );
const version = values.version;
const taskQueue = 'record-histories';
const folder = join(projectRoot, 'test', 'histories');

Runtime.install({ logger: new DefaultLogger('ERROR') });
const env = await TestWorkflowEnvironment.createTimeSkipping({
  server: { executable: { type: 'existing-path', path: await ensureTestServer() } },
});
await registerSearchAttributes(env.connection, env.namespace ?? 'default');
const code = await bundleWorkflows();
// Providers that accept everything, except the MLS refuses member PR1 once (a refusal staff retry).
let refusedPR1 = false;
const providers = fakeProviders((request) => {
  if (request.provider !== 'mls' || request.memberId !== 'PR1' || refusedPR1) return null;
  refusedPR1 = true;
  return ApplicationFailure.nonRetryable('mls refused (404 unknown-member): no record of this member', 'UnknownMember');
});
// Reconciliation's drift finder, faked: it reports one planted drift.
let drift: DriftReport | null = null;
const findProviderDrift = async ({ associationId }: { associationId: string }): Promise<DriftReport> =>
  Promise.resolve(
    drift ?? { associationId, membersChecked: 0, recordsChecked: 0, recordsUnsettled: 0, drift: [], unreadable: [] },
  );
// Its paged form (from patch 'paged-reconciliation'): the same report as one page.
const findProviderDriftPage = async (request: DriftPageRequest): Promise<DriftPage> => ({
  ...(await findProviderDrift(request)),
  membersWithoutMemo: 0,
  nextCursor: null,
});
const worker = await Worker.create({
  connection: env.nativeConnection,
  taskQueue,
  workflowBundle: { code },
  activities: {
    ...providers.activities,
    findProviderDrift,
    findProviderDriftPage,
    ...createStaffActivities({ client: env.client }),
  },
});
await mkdir(folder, { recursive: true });

async function save(name: string, workflowId: string, runId?: string): Promise<void> {
  const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  await writeFile(join(folder, `${version}-${name}.json`), `${historyToJSON(history)}\n`);
  console.log(`recorded test/histories/${version}-${name}.json (${history.events?.length ?? 0} events)`);
}

async function scenario(
  name: string,
  config: AssociationConfig,
  original: LifecycleEvent[],
  until: string,
): Promise<void> {
  const years = yearsIntoFuture(original, await env.currentTimeMs());
  const events = shiftYears(original, years);
  const client = new MembershipClient(env.client, config, taskQueue);
  await deliverInTime(env, client, events, shiftInstant(until, years));
  const members = [...new Set(events.map((event) => event.memberId))];
  await providersSettled(client, members);
  for (const memberId of members) await save(name, client.workflowId(memberId));
}

await worker.runUntil(async () => {
  const worked = await workedExample();
  await scenario('worked-example', worked.config, worked.events, '2026-08-31T00:00:00Z');
  await scenario(
    'lapses-and-rejoins',
    association({ dropAfterSuspendedDays: 30 }),
    lapsesAndRejoins(),
    '2026-10-15T00:00:00Z',
  );
  await scenario('staff-actions', association(), staffActions(), '2026-06-01T00:00:00Z');
  await scenario(
    'imported-lapsed',
    association({ dropAfterSuspendedDays: 40 }, { association: { id: 'TEST', timezone: 'America/Chicago' } }),
    importedLapsed(),
    '2026-06-30T00:00:00Z',
  );
  await scenario('messy-billing', association(), messyBilling(), '2026-05-31T00:00:00Z');
  // v10 on: money flowing back (paymentReversed).
  await scenario('reversals', association(), reversals(), '2026-07-31T00:00:00Z');

  // A run that continues as new in the grace period, and a staff Update.
  const config = association();
  const log = new EventLog('CAN1')
    .join('2026-06-01')
    .dues('2026-06')
    .pay('2026-06-02', 'INV-2026-06')
    .dues('2026-07')
    .add('invoiceIssued', '2026-07-10', { invoiceId: 'FEE', amount: 5 });
  const years = yearsIntoFuture(log.events, await env.currentTimeMs());
  const client = new MembershipClient(env.client, config, taskQueue);
  const handle = await env.client.workflow.start(workflowTypes.membership, {
    workflowId: client.workflowId('CAN1'),
    taskQueue,
    args: [{ association: config, memberId: 'CAN1', continueAsNewAfter: 5 }],
  });
  await deliverInTime(env, client, shiftYears(log.events, years), shiftInstant('2026-07-15T00:00:00Z', years));
  await client.suspend('CAN1', { reason: 'conduct', by: 'staff', id: 'staff-1' });
  await env.sleep(86_400_000);
  await save('continue-as-new-first-run', handle.workflowId, handle.firstExecutionRunId);
  await save('continue-as-new-second-run', handle.workflowId);

  // A billing history backfilled in one batch (standing send), from the server's past.
  const backfill = new MembershipClient(env.client, association({ dropAfterSuspendedDays: 30 }), taskQueue);
  await backfill.sendHistory(lapsesAndRejoins().map((event) => ({ ...event, memberId: 'BF1' })));
  await env.sleep(86_400_000);
  await save('backfill', backfill.workflowId('BF1'));

  // An import whose workflow starts with its imported event (standing import), then billing.
  const importing = new MembershipClient(env.client, association(), taskQueue);
  const base = await env.currentTimeMs();
  const iso = (offset: number) => new Date(base + offset).toISOString();
  await importing.importMember({
    id: 'imp',
    type: 'imported',
    memberId: 'IMP1',
    at: iso(0),
    membershipType: 'REALTOR',
    state: 'active',
    paidThrough: iso(86_400_000 * 20).slice(0, 10),
  });
  await importing.send({
    id: 'imp-inv',
    type: 'invoiceIssued',
    memberId: 'IMP1',
    at: iso(1000),
    invoiceId: 'I1',
    amount: 50,
  });
  await importing.send({
    id: 'imp-pay',
    type: 'paymentPosted',
    memberId: 'IMP1',
    at: iso(2000),
    paymentId: 'P1',
    invoiceId: 'I1',
    amount: 50,
  });
  await env.sleep(86_400_000 * 30);
  await providersSettled(importing, ['IMP1']);
  await save('import', importing.workflowId('IMP1'));

  // Provider sync (v4 on): a refusal retried by staff, and a repair reconciliation asked for.
  const syncing = new MembershipClient(env.client, association(), taskQueue);
  const paid = new EventLog('PR1').join('2026-06-01').dues('2026-06').pay('2026-06-02', 'INV-2026-06');
  const shifted = yearsIntoFuture(paid.events, await env.currentTimeMs());
  await deliverInTime(env, syncing, shiftYears(paid.events, shifted), shiftInstant('2026-06-03T00:00:00Z', shifted));
  await providersSettled(syncing, ['PR1']);
  await syncing.retryProviderSync('PR1');
  await providersSettled(syncing, ['PR1']);
  await syncing
    .handle('PR1')
    .signal(repairProviderSignal, { id: 'reconcile-1/mls', provider: 'mls', status: 'Active', found: 'Inactive' });
  await providersSettled(syncing, ['PR1']);
  drift = {
    associationId: 'TEST',
    membersChecked: 1,
    recordsChecked: 3,
    recordsUnsettled: 0,
    drift: [
      { memberId: 'PR1', workflowId: syncing.workflowId('PR1'), provider: 'lockbox', expected: 'Active', found: null },
    ],
    unreadable: [],
  };
  const reconciliation = await env.client.workflow.start(workflowTypes.reconciliation, {
    workflowId: 'reconcile-providers/TEST',
    taskQueue,
    args: [{ associationId: 'TEST' }],
  });
  await reconciliation.result();
  await providersSettled(syncing, ['PR1']);
  await save('provider-refusal-retry-repair', syncing.workflowId('PR1'));
  await save('reconciliation', reconciliation.workflowId);

  // A deferred M1 suspension, sent when the window opens.
  const deferring = association(
    {},
    { providers: { m1: { deferSuspensionUntilWindow: true }, mls: {}, lockbox: { vendor: 'sentrilock' } } },
  );
  const deferred = new EventLog('DF1')
    .join('2026-06-01')
    .dues('2026-06')
    .pay('2026-06-02', 'INV-2026-06')
    .add('suspended', '2026-06-10', { reason: 'conduct' });
  const deferredYears = yearsIntoFuture(deferred.events, await env.currentTimeMs());
  const deferClient = new MembershipClient(env.client, deferring, taskQueue);
  await deliverInTime(
    env,
    deferClient,
    shiftYears(deferred.events, deferredYears),
    shiftInstant('2028-01-02T00:00:00Z', deferredYears),
  );
  await providersSettled(deferClient, ['DF1']);
  await save('deferred-m1-suspension', deferClient.workflowId('DF1'));

  // A mass drop (v5 on): two members dropped, one refused (no membership).
  const massClient = new MembershipClient(env.client, association(), taskQueue);
  const now = await env.currentTimeMs();
  for (const memberId of ['MD1', 'MD2']) {
    await massClient.importMember({
      id: `import-${memberId}`,
      type: 'imported',
      memberId,
      at: new Date(now).toISOString(),
      membershipType: 'REALTOR',
      state: 'suspended',
      paidThrough: new Date(now + 86_400_000 * 30).toISOString().slice(0, 10),
    });
  }
  const mass = await env.client.workflow.start(workflowTypes.massChange, {
    workflowId: 'mass-drop/TEST/recorded',
    taskQueue,
    args: [
      {
        associationId: 'TEST',
        action: 'drop',
        memberIds: ['MD1', 'MD2', 'NOBODY'],
        reason: 'lapsed',
        by: 'board',
        concurrency: 2,
      },
    ],
  });
  await mass.result();
  await providersSettled(massClient, ['MD1', 'MD2']);
  await save('mass-drop', mass.workflowId);
  await save('mass-dropped-member', massClient.workflowId('MD1'));

  // Payloads checked by the workflow (v6 on, patch 'validated-payloads'): a malformed event and a
  // malformed configuration kept as warnings, an event taken normalised, a configuration applied,
  // and an Update refused for its payload (so absent from the history).
  const checking = new MembershipClient(env.client, association(), taskQueue);
  const at = new Date(await env.currentTimeMs()).toISOString();
  await checking.send({ id: 'vp-join', type: 'joined', memberId: 'VP1', at, membershipType: 'REALTOR' });
  const checked = checking.handle('VP1');
  const unchecked = (value: object) => value as unknown as LifecycleEvent;
  await checked.signal(
    lifecycleEventSignal,
    unchecked({ id: 'vp-bad', type: 'invoiceIssued', memberId: 'VP1', at, invoiceId: 'I0', amount: -5 }),
  );
  await checked.signal(
    lifecycleEventSignal,
    unchecked({
      id: 'vp-inv',
      type: 'invoiceIssued',
      memberId: 'VP1',
      at: `${at.slice(0, 16).toLowerCase()}z`,
      invoiceId: 'I1',
      amount: 50,
      dueDate: null,
    }),
  );
  await checked.signal(configureSignal, { association: { association: { id: 'TEST' } }, version: 'broken' } as never);
  await checking.configure('VP1', association({ gracePeriod: 'P45D' }));
  await checked
    .executeUpdate(changeRoleUpdate, { args: [{ id: 'vp-role', role: 'admin' } as never] })
    .catch(() => undefined);
  await providersSettled(checking, ['VP1']);
  await save('validated-payloads', checking.workflowId('VP1'));

  // Provider ids (v7 on): a member joined with its ids (an NRDS ID for M1), the MLS requiring an
  // id the member lacks (undeliverable), the AMS changing the lockbox id by event, and staff
  // giving the MLS id by Update: each new id gets the member's current status there.
  const addressing = new MembershipClient(
    env.client,
    association({}, { providers: { m1: { requireId: true }, mls: { requireId: true }, lockbox: { vendor: 'supra' } } }),
    taskQueue,
  );
  const joinedWithIds = new EventLog('PI1')
    .add('joined', '2026-06-01', { membershipType: 'REALTOR', providerIds: { m1: '123456789', lockbox: 'CARD-1' } })
    .dues('2026-06')
    .pay('2026-06-02', 'INV-2026-06')
    .add('providerIdsChanged', '2026-06-03', { providerIds: { lockbox: 'CARD-2' }, reason: 'card replaced' });
  const idsShift = yearsIntoFuture(joinedWithIds.events, await env.currentTimeMs());
  await deliverInTime(
    env,
    addressing,
    shiftYears(joinedWithIds.events, idsShift),
    shiftInstant('2026-06-04T00:00:00Z', idsShift),
  );
  await providersSettled(addressing, ['PI1']);
  await addressing.changeProviderIds('PI1', { mls: 'M000123' }, { by: 'desk', reason: 'MLS key on file' });
  await providersSettled(addressing, ['PI1']);
  await save('provider-ids', addressing.workflowId('PI1'));

  // Unmatched billing events (v10 on): one dismissed by staff, one closed unanswered after its wait.
  const unmatched = new UnmatchedBillingClient(env.client, 'TEST', taskQueue);
  const report = (eventId: string) => ({
    associationId: 'TEST',
    source: 'stripe' as const,
    eventId,
    eventType: 'charge.refunded',
    reason: `charge.refunded ${eventId}: charge ch_1 names no member`,
    receivedAt: new Date(Date.now()).toISOString(),
  });
  await unmatched.report(report('evt_dismissed'));
  await unmatched.dismiss('evt_dismissed', { by: 'desk', reason: 'sent for M7 on /events' });
  await env.client.workflow.getHandle(unmatchedBillingWorkflowId('TEST', 'evt_dismissed')).result();
  await save('unmatched-dismissed', unmatchedBillingWorkflowId('TEST', 'evt_dismissed'));
  await unmatched.report(report('evt_unanswered'));
  await env.client.workflow.getHandle(unmatchedBillingWorkflowId('TEST', 'evt_unanswered')).result();
  await save('unmatched-unanswered', unmatchedBillingWorkflowId('TEST', 'evt_unanswered'));
});
await env.teardown();
