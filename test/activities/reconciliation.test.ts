// The reconciliation activity on MockActivityEnvironment: which records it reads and compares, what
// it leaves alone (a delivery on its way, a provider not configured), what it cannot read, the
// heartbeat it sends per member checked, and how many members it queries at once. Temporal's client
// and the providers are fakes of the few calls the activity makes.
import type { Client } from '@temporalio/client';
import { CancelledFailure, TypedSearchAttributes } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createReconciliationActivities } from '../../activities/reconciliation.js';
import type { DriftReport } from '../../activities/reconciliation.js';
import { providerSettingsSchema } from '../../activities/providers.js';
import type { ProviderStatusRequest } from '../../activities/providers.js';
import { visibilityQuery } from '../../client/member-filter.js';
import type { Delivery, DeliveryOutcome } from '../../machines/deliveries.js';
import type { ProviderName } from '../../machines/types.js';
import { membershipWorkflowId } from '../../workflows/messages.js';
import type { MemberStanding } from '../../workflows/messages.js';
import { membershipSearchAttributes as keys } from '../../workflows/search-attributes.js';
import { recordingLogger } from '../quiet-logs.js';

/** M1 and the MLS configured; the lockbox is not, so its deliveries are never checked. */
const settings = providerSettingsSchema.parse({
  associationId: 'REC',
  m1: { baseUrl: 'http://m1.invalid' },
  mls: { baseUrl: 'http://mls.invalid' },
});

function delivery(provider: ProviderName, status: string, outcome: DeliveryOutcome, index = 0): Delivery {
  return {
    key: `wf/run/${index}/${provider}`,
    provider,
    status,
    change: 'activated',
    at: '2026-06-01T12:00:00.000Z',
    role: 'primary',
    outcome,
    retries: 0,
  };
}

function standing(deliveries: readonly Delivery[] | null): MemberStanding {
  return {
    associationId: 'REC',
    member: null,
    nextDeadline: null,
    providerSync: deliveries && { status: 'ok', deliveries },
    warnings: [],
  };
}

/** Members as visibility lists them, each with what its workflow answers (an Error: the query fails). */
type World = Record<string, MemberStanding | Error>;

/** A client that lists the world's members and answers their view queries, recording what it was asked. */
function fakeClient(world: World) {
  const asked = { queries: [] as string[], inFlight: 0, mostInFlight: 0 };
  const client = {
    workflow: {
      async *list({ query }: { query: string }) {
        asked.queries.push(query);
        for (const memberId of Object.keys(world)) {
          yield {
            workflowId: membershipWorkflowId('REC', memberId),
            typedSearchAttributes: new TypedSearchAttributes([{ key: keys.MemberId, value: memberId }]),
          };
        }
      },
      getHandle(workflowId: string) {
        return {
          async query() {
            asked.inFlight += 1;
            asked.mostInFlight = Math.max(asked.mostInFlight, asked.inFlight);
            // Let every check the limit allows start before any answers.
            await new Promise<void>((resolve) => setImmediate(resolve));
            asked.inFlight -= 1;
            const answer = world[workflowId.split('/').at(-1)!]!;
            if (answer instanceof Error) throw answer;
            return answer;
          },
        };
      },
    },
  };
  return { client: client as unknown as Client, asked };
}

/** Provider records by `provider/<the member's id there, else memberId>`; an Error: the read fails. */
function fakeProviders(records: Record<string, string | Error>) {
  const reads: string[] = [];
  return {
    reads,
    providers: {
      async readProviderStatus({
        provider,
        memberId,
        providerId,
      }: Pick<ProviderStatusRequest, 'provider' | 'memberId' | 'providerId'>) {
        const id = providerId ?? memberId;
        reads.push(`${provider}/${id}`);
        const record = records[`${provider}/${id}`];
        if (record instanceof Error) throw record;
        return record ?? null;
      },
    },
  };
}

async function findDrift(world: World, records: Record<string, string | Error>, concurrency?: number) {
  const { client, asked } = fakeClient(world);
  const { providers, reads } = fakeProviders(records);
  const env = new MockActivityEnvironment(undefined, { logger: recordingLogger });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const { findProviderDrift } = createReconciliationActivities({
    client,
    providers,
    settings,
    ...(concurrency ? { concurrency } : {}),
  });
  const report: DriftReport = await env.run(findProviderDrift, { associationId: 'REC' });
  return { report, heartbeats, asked, reads };
}

describe('findProviderDrift', () => {
  it('reports each configured provider whose record differs from what the member last had acknowledged', async () => {
    const { report, asked, reads } = await findDrift(
      {
        // The MLS holds Inactive where Active was acknowledged; M1 agrees.
        DRIFT: standing([delivery('m1', 'Active', 'acknowledged'), delivery('mls', 'Active', 'acknowledged')]),
        // The latest acknowledged status counts, not an earlier one; the MLS has no record at all.
        GONE: standing([
          delivery('m1', 'Active', 'acknowledged', 0),
          delivery('m1', 'Suspended', 'acknowledged', 1),
          delivery('mls', 'Active', 'acknowledged'),
        ]),
        // The lockbox is not configured: its acknowledged status is not checked.
        SAME: standing([delivery('m1', 'Active', 'acknowledged'), delivery('lockbox', 'Active', 'acknowledged')]),
      },
      {
        'm1/DRIFT': 'Active',
        'mls/DRIFT': 'Inactive',
        'm1/GONE': 'Suspended',
        'm1/SAME': 'Active',
        'lockbox/SAME': 'Inactive',
      },
    );
    expect(asked.queries).toEqual([visibilityQuery('REC')]);
    expect(report).toEqual({
      associationId: 'REC',
      membersChecked: 3,
      recordsChecked: 5,
      recordsUnsettled: 0,
      drift: [
        {
          memberId: 'DRIFT',
          workflowId: membershipWorkflowId('REC', 'DRIFT'),
          provider: 'mls',
          expected: 'Active',
          found: 'Inactive',
        },
        {
          memberId: 'GONE',
          workflowId: membershipWorkflowId('REC', 'GONE'),
          provider: 'mls',
          expected: 'Active',
          found: null,
        },
      ],
      unreadable: [],
    });
    expect(reads.sort()).toEqual(['m1/DRIFT', 'm1/GONE', 'm1/SAME', 'mls/DRIFT', 'mls/GONE']);
  });

  it('reads each record at the member’s current id at the provider (memberId where it has none)', async () => {
    const { report, reads } = await findDrift(
      {
        IDS: {
          ...standing([delivery('m1', 'Active', 'acknowledged'), delivery('mls', 'Active', 'acknowledged')]),
          providerIds: { m1: '123456789' },
        },
      },
      // The record under memberId is stale: it is not the member's.
      { 'm1/123456789': 'Inactive', 'm1/IDS': 'Active', 'mls/IDS': 'Active' },
    );
    expect(reads.sort()).toEqual(['m1/123456789', 'mls/IDS']);
    expect(report.drift).toEqual([
      {
        memberId: 'IDS',
        workflowId: membershipWorkflowId('REC', 'IDS'),
        provider: 'm1',
        expected: 'Active',
        found: 'Inactive',
      },
    ]);
  });

  it('leaves alone a provider whose latest status was undeliverable (a required id missing): nothing to compare yet', async () => {
    const { report, reads } = await findDrift(
      {
        NOID: standing([delivery('m1', 'Active', 'acknowledged', 0), delivery('m1', 'Suspended', 'undeliverable', 1)]),
      },
      { 'm1/NOID': 'Active' },
    );
    expect(reads).toEqual([]);
    expect(report).toMatchObject({ recordsChecked: 0, recordsUnsettled: 1, drift: [] });
  });

  it('leaves alone a provider with a delivery on its way or a refusal standing, and one never told anything', async () => {
    const { report, reads } = await findDrift(
      {
        BUSY: standing([
          delivery('m1', 'Active', 'acknowledged', 0),
          delivery('m1', 'Suspended', 'pending', 1),
          delivery('mls', 'Active', 'acknowledged', 0),
          delivery('mls', 'Inactive', 'failed', 1),
        ]),
        NEW: standing([delivery('m1', 'Active', 'pending')]),
        OLD: standing(null),
      },
      { 'm1/BUSY': 'Inactive', 'mls/BUSY': 'Inactive' },
    );
    expect(report).toMatchObject({ membersChecked: 3, recordsChecked: 0, recordsUnsettled: 2, drift: [] });
    expect(reads).toEqual([]);
  });

  it('lists what it could not read, a member or a record, and goes on with the rest', async () => {
    const { report } = await findDrift(
      {
        ASLEEP: new Error('workflow task timed out'),
        BROKEN: standing([delivery('m1', 'Active', 'acknowledged'), delivery('mls', 'Active', 'acknowledged')]),
      },
      { 'm1/BROKEN': new Error('m1 answered 500'), 'mls/BROKEN': 'Inactive' },
    );
    expect(report.unreadable).toEqual([
      { memberId: 'ASLEEP', reason: 'query failed: workflow task timed out' },
      { memberId: 'BROKEN', provider: 'm1', reason: 'm1 answered 500' },
    ]);
    expect(report.drift).toEqual([expect.objectContaining({ memberId: 'BROKEN', provider: 'mls', found: 'Inactive' })]);
    expect(report.membersChecked).toBe(2);
  });

  it('heartbeats the count of members checked after each one, so a stalled run is noticed', async () => {
    const world = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`H${i}`, standing([delivery('m1', 'Active', 'acknowledged')])]),
    );
    const records = Object.fromEntries(Object.keys(world).map((memberId) => [`m1/${memberId}`, 'Active']));
    const { report, heartbeats } = await findDrift(world, records);
    expect(heartbeats).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(report).toMatchObject({ membersChecked: 12, recordsChecked: 12, drift: [] });
  });

  it('queries at most `concurrency` members at once', async () => {
    const world = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`C${i}`, standing(null)]));
    expect((await findDrift(world, {}, 3)).asked.mostInFlight).toBe(3);
    expect((await findDrift(world, {}, 1)).asked.mostInFlight).toBe(1);
  });

  it('stops reading when cancelled, and the run ends cancelled', async () => {
    const world = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`X${i}`, standing([delivery('m1', 'Active', 'acknowledged')])]),
    );
    const { client } = fakeClient(world);
    const { providers, reads } = fakeProviders({});
    const env = new MockActivityEnvironment(undefined, { logger: recordingLogger });
    // Cancelled once the second member has been checked.
    env.on('heartbeat', (checked: unknown) => {
      if (checked === 2) env.cancel();
    });
    const { findProviderDrift } = createReconciliationActivities({ client, providers, settings, concurrency: 1 });
    await expect(env.run(findProviderDrift, { associationId: 'REC' })).rejects.toBeInstanceOf(CancelledFailure);
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads.length).toBeLessThan(10);
  });
});
