// Paged reconciliation on the dev server: members who joined and paid keep what their providers
// acknowledged in their memo; a reconciliation in pages of 3 (continuing as new after each) lists
// them without a query each, reads the providers in bulk, finds the drift planted in two records,
// and the members' own senders repair it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerSettingsSchema } from '../../activities/providers.js';
import type { ProviderBulkReads } from '../../activities/providers.js';
import { acknowledgementsOf, createReconciliationActivities } from '../../activities/reconciliation.js';
import { MembershipClient } from '../../client/membership-client.js';
import { visibilityQuery } from '../../client/member-filter.js';
import { associationTaskQueue, workflowTypes } from '../../workflows/messages.js';
import type { ReconciliationReport, reconciliationWorkflow } from '../../workflows/reconciliation.js';
import { association, paidMemberEvents } from '../helpers.js';
import { fakeProviders } from '../workflow/fake-providers.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

const config = association();
const endpoint = { baseUrl: 'http://fake.invalid' };
const settings = providerSettingsSchema.parse({
  associationId: 'TEST',
  m1: endpoint,
  mls: endpoint,
  lockbox: { ...endpoint, vendor: 'sentrilock' },
});

describe('paged reconciliation', () => {
  let server: DevServer;
  let client: MembershipClient;
  const providers = fakeProviders();
  /** The ids of each bulk read, in order. */
  const bulkRequests: (readonly string[])[] = [];
  const bulkReads: ProviderBulkReads = {
    async readProviderStatuses({ provider, ids }) {
      bulkRequests.push(ids);
      return Object.fromEntries(
        ids.flatMap((id) => {
          const status = providers.records.get(`${provider}/${id}`);
          return status === undefined ? [] : [[id, status] as const];
        }),
      );
    },
  };

  beforeAll(async () => {
    server = await startDevServer({
      activities: (env) => ({
        ...providers.activities,
        ...createReconciliationActivities({ client: env.client, providers: providers.activities, bulkReads, settings }),
      }),
    });
    client = new MembershipClient(server.env.client, config);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('finds drift over several pages from the members’ memos and bulk reads, and repairs it', async () => {
    const members = ['RP1', 'RP2', 'RP3', 'RP4', 'RP5', 'RP6', 'RP7'];
    await client.sendHistory(members.flatMap((memberId) => paidMemberEvents(memberId)));
    // Every member listed with M1, the MLS and the lockbox acknowledged and settled in its memo.
    const settledMembers = async () => {
      let settled = 0;
      for await (const execution of server.env.client.workflow.list({ query: visibilityQuery('TEST') })) {
        const acks = acknowledgementsOf(execution);
        if (acks?.m1?.settled && acks.mls?.settled && acks.lockbox?.settled) settled += 1;
      }
      return settled;
    };
    await expect.poll(settledMembers, { timeout: 60_000, interval: 250 }).toBe(members.length);
    providers.records.set('mls/RP2', 'Inactive');
    providers.records.delete('lockbox/RP6');

    const handle = await server.env.client.workflow.start<typeof reconciliationWorkflow>(workflowTypes.reconciliation, {
      workflowId: 'reconcile-providers/TEST/manual-paged',
      taskQueue: associationTaskQueue('TEST'),
      args: [{ associationId: 'TEST', pageSize: 3, continueAsNewAfterEvents: 1 }],
    });
    const report: ReconciliationReport = await handle.result();
    expect(report).toMatchObject({
      membersChecked: 7,
      membersWithoutMemo: 0,
      recordsChecked: 21,
      recordsUnsettled: 0,
      driftFound: 2,
      unreadableFound: 0,
      pages: 3,
      repairsRequested: 2,
      repairsNotRequested: [],
    });
    // In visibility's order (the latest started first), page after page.
    expect([...report.drift].sort((a, b) => a.memberId.localeCompare(b.memberId))).toEqual([
      { memberId: 'RP2', workflowId: client.workflowId('RP2'), provider: 'mls', expected: 'Active', found: 'Inactive' },
      { memberId: 'RP6', workflowId: client.workflowId('RP6'), provider: 'lockbox', expected: 'Active', found: null },
    ]);
    // One read per provider per page of 3 members; each page continued as new.
    expect(bulkRequests.map((ids) => ids.length)).toEqual(expect.arrayContaining([3, 3, 1]));
    expect(bulkRequests).toHaveLength(9);
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);

    await expect
      .poll(() => [providers.records.get('mls/RP2'), providers.records.get('lockbox/RP6')], { timeout: 30_000 })
      .toEqual(['Active', 'Active']);
    const repaired = await client.view('RP2');
    expect(repaired?.providerSync?.deliveries.find((d) => d.change === 'repair')).toMatchObject({
      provider: 'mls',
      status: 'Active',
      outcome: 'acknowledged',
    });
  });
});
