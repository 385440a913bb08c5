// The reconciliation activities on MockActivityEnvironment: a page of members (memo, bulk reads,
// resuming from its heartbeat) and the one-activity run older histories replay: which records they
// read and compare, what they leave alone (a delivery on its way, a provider not configured), what
// they cannot read, their heartbeats, and how many members they query at once. Temporal's client
// and the providers are fakes of the few calls the activity makes.
import type { Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TypedSearchAttributes } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { acknowledgementsOf, createReconciliationActivities } from '../../activities/reconciliation.js';
import type { DriftPage, DriftReport, ListMembers, PageProgress } from '../../activities/reconciliation.js';
import { providerSettingsSchema } from '../../activities/providers.js';
import type { ProviderBulkReads, ProviderStatusRequest } from '../../activities/providers.js';
import { visibilityQuery } from '../../client/member-filter.js';
import type { Delivery, DeliveryOutcome, ProviderAcknowledgements } from '../../machines/deliveries.js';
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

// Paged reconciliation -----------------------------------------------------------------------------

const ack = (status: string, address: string, settled = true) => ({ status, address, settled });

/** Members as a visibility page lists them: the memo's acknowledgements (undefined: no memo). */
type Listed = Record<string, ProviderAcknowledgements | undefined>;

/** A listing of `members` in pages of `pageSize`, cursors `p1`, `p2`…, recording the cursors asked for. */
function fakeListing(members: Listed) {
  const cursors: (string | null)[] = [];
  const listMembers: ListMembers = async ({ pageSize, cursor }) => {
    cursors.push(cursor);
    const ids = Object.keys(members);
    const from = cursor === null ? 0 : Number(cursor.slice(1)) * pageSize;
    const next = from + pageSize < ids.length ? `p${from / pageSize + 1}` : null;
    return {
      members: ids.slice(from, from + pageSize).map((memberId) => ({
        memberId,
        workflowId: membershipWorkflowId('REC', memberId),
        acknowledgements: members[memberId],
      })),
      nextCursor: next,
    };
  };
  return { listMembers, cursors };
}

/** Bulk reads of `records` (`provider/<address>`), recording each request's provider and ids; `fail` may throw instead. */
function fakeBulkReads(records: Record<string, string>, fail?: (provider: ProviderName, call: number) => Error | null) {
  const requests: { provider: ProviderName; ids: readonly string[] }[] = [];
  const bulkReads: ProviderBulkReads = {
    async readProviderStatuses({ provider, ids }) {
      const error = fail?.(provider, requests.filter((r) => r.provider === provider).length);
      requests.push({ provider, ids });
      if (error) throw error;
      return Object.fromEntries(
        ids.flatMap((id) => {
          const status = records[`${provider}/${id}`];
          return status === undefined ? [] : [[id, status] as const];
        }),
      );
    },
  };
  return { bulkReads, requests };
}

async function findPage({
  listed,
  records,
  world = {},
  cursor = null,
  pageSize = 1_000,
  heartbeatDetails,
  fail,
}: {
  listed: Listed;
  records: Record<string, string>;
  world?: World;
  cursor?: string | null;
  pageSize?: number;
  heartbeatDetails?: PageProgress;
  fail?: (provider: ProviderName, call: number) => Error | null;
}) {
  const { client, asked } = fakeClient(world);
  const { listMembers, cursors } = fakeListing(listed);
  const { bulkReads, requests } = fakeBulkReads(records, fail);
  const env = new MockActivityEnvironment(heartbeatDetails ? { heartbeatDetails } : undefined, {
    logger: recordingLogger,
  });
  const heartbeats: PageProgress[] = [];
  env.on('heartbeat', (details: PageProgress) => heartbeats.push(structuredClone(details)));
  const { findProviderDriftPage } = createReconciliationActivities({
    client,
    providers: fakeProviders({}).providers,
    bulkReads,
    settings,
    listMembers,
  });
  const run: Promise<DriftPage> = env.run(findProviderDriftPage, { associationId: 'REC', cursor, pageSize });
  return { run, heartbeats, requests, cursors, asked };
}

describe('findProviderDriftPage', () => {
  it('compares a page of members’ memos with bulk reads, at most 100 ids a request, and hands on the cursor', async () => {
    // 250 members: M1 acknowledged Active at their NRDS id, the MLS Active at the member id.
    const listed: Listed = Object.fromEntries(
      Array.from({ length: 250 }, (_, i) => {
        const id = `P${String(i).padStart(3, '0')}`;
        return [id, { m1: ack('Active', `9${String(i).padStart(8, '0')}`), mls: ack('Active', id) }];
      }),
    );
    const records: Record<string, string> = {};
    for (const [id, acks] of Object.entries(listed)) {
      records[`m1/${acks!.m1!.address}`] = 'Active';
      records[`mls/${id}`] = 'Active';
    }
    records['mls/P007'] = 'Inactive';
    delete records['m1/900000200'];
    const first = await findPage({ listed, records, pageSize: 200 });
    const page = await first.run;
    expect(first.cursors).toEqual([null]);
    expect(page).toMatchObject({ membersChecked: 200, recordsChecked: 400, membersWithoutMemo: 0, nextCursor: 'p1' });
    expect(page.drift).toEqual([
      {
        memberId: 'P007',
        workflowId: membershipWorkflowId('REC', 'P007'),
        provider: 'mls',
        expected: 'Active',
        found: 'Inactive',
      },
    ]);
    expect(first.requests.map((r) => [r.provider, r.ids.length]).sort()).toEqual([
      ['m1', 100],
      ['m1', 100],
      ['mls', 100],
      ['mls', 100],
    ]);
    expect(first.asked.queries).toEqual([]);

    const second = await findPage({ listed, records, pageSize: 200, cursor: 'p1' });
    const last = await second.run;
    expect(last).toMatchObject({ membersChecked: 50, recordsChecked: 100, nextCursor: null });
    expect(last.drift).toEqual([
      {
        memberId: 'P200',
        workflowId: membershipWorkflowId('REC', 'P200'),
        provider: 'm1',
        expected: 'Active',
        found: null,
      },
    ]);
  });

  it('leaves alone unsettled providers and unconfigured ones; a member without the memo is asked for its view', async () => {
    const { run, requests, asked } = await findPage({
      listed: {
        BUSY: { m1: ack('Active', 'BUSY', false), mls: ack('Active', 'BUSY') },
        BOX: { lockbox: ack('Active', 'BOX') },
        NOSYNC: {},
        OLDTIMER: undefined,
      },
      world: {
        OLDTIMER: {
          ...standing([delivery('m1', 'Active', 'acknowledged'), delivery('mls', 'Active', 'acknowledged')]),
          providerIds: { m1: '123456789' },
        },
      },
      records: { 'mls/BUSY': 'Active', 'm1/123456789': 'Suspended', 'mls/OLDTIMER': 'Active' },
    });
    const page = await run;
    expect(page).toMatchObject({ membersChecked: 4, membersWithoutMemo: 1, recordsChecked: 3, recordsUnsettled: 1 });
    expect(page.drift).toEqual([
      expect.objectContaining({ memberId: 'OLDTIMER', provider: 'm1', expected: 'Active', found: 'Suspended' }),
    ]);
    expect(asked.mostInFlight).toBe(1);
    expect(requests.map((r) => [r.provider, [...r.ids].sort()]).sort()).toEqual([
      ['m1', ['123456789']],
      ['mls', ['BUSY', 'OLDTIMER']],
    ]);
  });

  it('a retried page resumes from its heartbeat: what was read is not read again, and nothing is lost', async () => {
    const listed: Listed = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [
        `R${String(i).padStart(3, '0')}`,
        { m1: ack('Active', `R${String(i).padStart(3, '0')}`) },
      ]),
    );
    const records = Object.fromEntries(Object.keys(listed).map((id) => [`m1/${id}`, 'Active']));
    records['m1/R042'] = 'Inactive';
    records['m1/R250'] = 'Inactive';
    // The second M1 read fails the way an outage does (retryable): the activity fails.
    const outage = ApplicationFailure.retryable('m1 answered 503', 'ProviderUnavailable');
    const first = await findPage({ listed, records, fail: (_p, call) => (call === 1 ? outage : null) });
    await expect(first.run).rejects.toBe(outage);
    const checkpoint = first.heartbeats.at(-1)!;
    expect(checkpoint).toMatchObject({ cursor: null, readThrough: { m1: 'R099' }, recordsChecked: 100 });
    expect(checkpoint.drift.map((d) => d.memberId)).toEqual(['R042']);

    const retried = await findPage({ listed, records, heartbeatDetails: checkpoint });
    const page = await retried.run;
    expect(retried.requests.map((r) => [r.ids[0], r.ids.at(-1)])).toEqual([
      ['R100', 'R199'],
      ['R200', 'R299'],
    ]);
    expect(page).toMatchObject({ membersChecked: 300, recordsChecked: 300 });
    expect(page.drift.map((d) => d.memberId)).toEqual(['R042', 'R250']);
  });

  it('heartbeats of another page are not taken for this one', async () => {
    const listed: Listed = { F1: { m1: ack('Active', 'F1') } };
    const { run, requests } = await findPage({
      listed,
      records: { 'm1/F1': 'Active' },
      heartbeatDetails: { cursor: 'p9', readThrough: { m1: 'ZZZ' }, recordsChecked: 5, drift: [], unreadable: [] },
    });
    expect(await run).toMatchObject({ recordsChecked: 1, drift: [] });
    expect(requests).toHaveLength(1);
  });

  it('lists the records of a refused bulk read as unreadable and goes on with the rest', async () => {
    const { run } = await findPage({
      listed: { U1: { m1: ack('Active', 'U1'), mls: ack('Active', 'U1') } },
      records: { 'mls/U1': 'Inactive' },
      fail: (provider) =>
        provider === 'm1' ? ApplicationFailure.nonRetryable('m1 refused (401 ): no key', 'ProviderUnauthorized') : null,
    });
    const page = await run;
    expect(page.unreadable).toEqual([{ memberId: 'U1', provider: 'm1', reason: 'm1 refused (401 ): no key' }]);
    expect(page.drift).toEqual([expect.objectContaining({ memberId: 'U1', provider: 'mls', found: 'Inactive' })]);
  });
});

describe('acknowledgementsOf', () => {
  it('reads the memo’s acknowledgements, and takes a missing or malformed memo as none', () => {
    const acks = { m1: ack('Active', '123456789') };
    expect(acknowledgementsOf({ memo: { providerAcks: acks, configVersion: 'v1' } })).toEqual(acks);
    expect(acknowledgementsOf({ memo: { providerAcks: {} } })).toEqual({});
    expect(acknowledgementsOf({ memo: { configVersion: 'v1' } })).toBeUndefined();
    expect(acknowledgementsOf({})).toBeUndefined();
    expect(acknowledgementsOf({ memo: { providerAcks: { m1: { status: 'Active' } } } })).toBeUndefined();
  });
});
