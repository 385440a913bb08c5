// The wall between associations inside a Worker, on MockActivityEnvironment: an activity acts for the
// association of the workflow that called it (its info), with that association's endpoints, keys and
// Temporal client; a caller of an association the Worker does not serve, or a request naming another
// association, is refused (non-retryable AssociationNotServed); no failure message carries a key.
import type { Client } from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { providerSettingsSchema } from '../../activities/providers.js';
import type { HttpClient } from '../../activities/providers.js';
import type { DriftReport } from '../../activities/reconciliation.js';
import { ASSOCIATION_NOT_SERVED, serving } from '../../activities/served-associations.js';
import type { ServedAssociation } from '../../activities/served-associations.js';
import { visibilityQuery } from '../../client/member-filter.js';
import type { MemberStanding } from '../../workflows/messages.js';
import { membershipSearchAttributes as keys } from '../../workflows/search-attributes.js';
import { createStandingActivities } from '../../worker/activities.js';
import { recordingLogger } from '../quiet-logs.js';

const KEY_A = 'key-of-board-a-0000';
const KEY_B = 'key-of-board-b-1111';

/** What a provider was asked: where, and with which bearer key. */
interface Call {
  readonly url: string;
  readonly authorization: string | undefined;
}

/** Providers that answer every call (M1's dialect: a status and when it was recorded), recording each. */
function recordingHttp(answer: (url: string) => Response | Error = () => m1Answer('Active')) {
  const calls: Call[] = [];
  const http: HttpClient = async (url, init) => {
    calls.push({ url, authorization: (init.headers as Record<string, string>).authorization });
    const response = answer(url);
    if (response instanceof Error) throw response;
    return response;
  };
  return { http, calls };
}

const m1Answer = (status: string) =>
  Response.json({ status, updatedAt: '2026-07-01T12:00:00Z' }, { status: 200, headers: {} });

/** A Temporal client of one association's namespace: lists `members`, answers their view, records Updates. */
function fakeClient(associationId: string, members: readonly string[] = []) {
  const used: string[] = [];
  const client = {
    connection: { withAbortSignal: (_signal: AbortSignal, run: () => Promise<unknown>) => run() },
    workflow: {
      async *list({ query }: { query: string }) {
        used.push(`list ${query}`);
        for (const memberId of members)
          yield {
            workflowId: `membership/${associationId}/${memberId}`,
            typedSearchAttributes: new TypedSearchAttributes([{ key: keys.MemberId, value: memberId }]),
          };
      },
      getHandle(workflowId: string) {
        return {
          async query(): Promise<MemberStanding> {
            used.push(`query ${workflowId}`);
            const delivery = {
              key: 'k',
              provider: 'm1' as const,
              status: 'Active',
              change: 'activated' as const,
              at: '2026-06-01T12:00:00.000Z',
              role: 'primary' as const,
              outcome: 'acknowledged' as const,
              retries: 0,
            };
            return {
              associationId,
              member: null,
              nextDeadline: null,
              providerSync: { status: 'ok', deliveries: [delivery] },
              warnings: [],
            };
          },
          async executeUpdate() {
            used.push(`update ${workflowId}`);
            return { state: 'suspended', timeline: [{ change: 'suspended', from: 'active', to: 'suspended' }] };
          },
        };
      },
    },
  };
  return { client: client as unknown as Client, used };
}

function association(id: string, baseUrl: string, apiKey: string, members: readonly string[] = []) {
  const { client, used } = fakeClient(id, members);
  const served: ServedAssociation = {
    id,
    client,
    settings: providerSettingsSchema.parse({ associationId: id, m1: { baseUrl, apiKey } }),
  };
  return { served, used };
}

/** The activities of a Worker serving A and B, run as if called by `workflowId`. */
function worker(http: HttpClient, members: readonly string[] = []) {
  const a = association('A', 'https://m1.board-a.example', KEY_A, members);
  const b = association('B', 'https://m1.board-b.example', KEY_B, members);
  const activities = createStandingActivities({ served: serving(a.served, b.served), http });
  const calledBy = (workflowId: string) =>
    new MockActivityEnvironment(
      { workflowExecution: { workflowId, runId: 'run' }, activityType: 'test' },
      { logger: recordingLogger },
    );
  return { activities, calledBy, usedByA: a.used, usedByB: b.used };
}

const status = (memberId: string) => ({
  provider: 'm1' as const,
  memberId,
  status: 'Active',
  role: 'primary' as const,
  idempotencyKey: `${memberId}:1`,
});

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

function expectNotServed(failure: ApplicationFailure): void {
  expect(failure.type).toBe(ASSOCIATION_NOT_SERVED);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).not.toContain(KEY_A);
  expect(failure.message).not.toContain(KEY_B);
}

describe('activities serving several associations', () => {
  it("send a provider command with the caller's association's endpoint and key: A's for A, B's for B", async () => {
    const { http, calls } = recordingHttp();
    const { activities, calledBy } = worker(http);
    await calledBy('membership/A/M1').run(activities.applyProviderStatus, status('M1'));
    await calledBy('membership/B/M1').run(activities.applyProviderStatus, status('M1'));
    await calledBy('membership/B/M2').run(activities.readProviderStatus, { provider: 'm1' as const, memberId: 'M2' });
    expect(calls).toEqual([
      { url: 'https://m1.board-a.example/m1/v1/members/M1/status', authorization: `Bearer ${KEY_A}` },
      { url: 'https://m1.board-b.example/m1/v1/members/M1/status', authorization: `Bearer ${KEY_B}` },
      { url: 'https://m1.board-b.example/m1/v1/members/M2', authorization: `Bearer ${KEY_B}` },
    ]);
  });

  it('refuse a caller whose association the Worker does not serve, or that names none, and call no provider', async () => {
    const { http, calls } = recordingHttp();
    const { activities, calledBy } = worker(http);
    const unknown = await refusal(calledBy('membership/C/M1').run(activities.applyProviderStatus, status('M1')));
    expectNotServed(unknown);
    expect(unknown.message).toBe('test: association C (workflow membership/C/M1) is not served by this worker');
    expectNotServed(await refusal(calledBy('no-association').run(activities.readProviderStatus, status('M1'))));
    expectNotServed(
      await refusal(
        calledBy('reconcile-providers/C/nightly').run(activities.findProviderDrift, { associationId: 'C' }),
      ),
    );
    expectNotServed(
      await refusal(
        calledBy('mass-drop/C/now').run(activities.applyStaffCommand, {
          workflowId: 'membership/C/M1',
          memberId: 'M1',
          action: 'drop' as const,
          command: { id: 'c1' },
        }),
      ),
    );
    expect(calls).toEqual([]);
  });

  it("reconcile the caller's association only: a request naming another is refused; its own reads with its own key", async () => {
    const { http, calls } = recordingHttp(() => m1Answer('Inactive'));
    const { activities, calledBy, usedByA, usedByB } = worker(http, ['M1']);
    const caller = calledBy('reconcile-providers/A/nightly-2026-07-01T03:00:00Z');
    const other = await refusal(caller.run(activities.findProviderDrift, { associationId: 'B' }));
    expectNotServed(other);
    expect(other.message).toBe('findProviderDrift: a workflow of association A asked about association B');
    const otherPage = await refusal(
      caller.run(activities.findProviderDriftPage, { associationId: 'B', cursor: null, pageSize: 10 }),
    );
    expectNotServed(otherPage);
    expect(otherPage.message).toBe('findProviderDriftPage: a workflow of association A asked about association B');
    expect(usedByB).toEqual([]);

    const report: DriftReport = await caller.run(activities.findProviderDrift, { associationId: 'A' });
    expect(report.drift).toEqual([
      { memberId: 'M1', workflowId: 'membership/A/M1', provider: 'm1', expected: 'Active', found: 'Inactive' },
    ]);
    expect(usedByA).toEqual([`list ${visibilityQuery('A')}`, 'query membership/A/M1']);
    expect(usedByB).toEqual([]);
    expect(calls).toEqual([{ url: 'https://m1.board-a.example/m1/v1/members/M1', authorization: `Bearer ${KEY_A}` }]);
  });

  it("send a mass change's staff command only to a member of the caller's association, through its client", async () => {
    const { http } = recordingHttp();
    const { activities, calledBy, usedByA, usedByB } = worker(http);
    const caller = calledBy('mass-suspend/A/2026-07-01T00:00:00Z');
    const request = (workflowId: string) => ({
      workflowId,
      memberId: 'M1',
      action: 'suspend' as const,
      command: { id: 'mass-suspend/A/2026-07-01T00:00:00Z/M1' },
    });
    const across = await refusal(caller.run(activities.applyStaffCommand, request('membership/B/M1')));
    expectNotServed(across);
    expect(across.message).toBe(
      'applyStaffCommand: a workflow of association A targeted membership/B/M1, which is not one of its members',
    );
    expect(await caller.run(activities.applyStaffCommand, request('membership/A/M1'))).toEqual({
      memberId: 'M1',
      outcome: 'changed',
      from: 'active',
      to: 'suspended',
    });
    expect(usedByA).toEqual(['update membership/A/M1']);
    expect(usedByB).toEqual([]);
  });

  it("send a batch's chunk, and list or plan its pages, only for the caller's own association", async () => {
    const { http } = recordingHttp();
    const { activities, calledBy, usedByA, usedByB } = worker(http);
    const caller = calledBy('mass-suspend/A/2026-07-02T00:00:00Z');
    const chunk = (associationId: string) => ({
      associationId,
      action: 'suspend' as const,
      batch: 'mass-suspend/A/2026-07-02T00:00:00Z',
      memberIds: ['M1', 'M2'],
      by: 'board',
    });
    const across = await refusal(caller.run(activities.applyStaffCommands, chunk('B')));
    expectNotServed(across);
    expect(across.message).toBe('applyStaffCommands: a workflow of association A targeted members of association B');
    const page = await refusal(
      caller.run(activities.listMassChangePage, {
        associationId: 'B',
        filter: { state: 'active' },
        pageSize: 10,
        pageToken: '',
        count: true,
      }),
    );
    expectNotServed(page);
    expect(page.message).toBe('listMassChangePage: a workflow of association A asked for members of association B');
    const plan = await refusal(
      caller.run(activities.planMassChange, { associationId: 'B', filter: { state: 'active' }, pageSize: 10 }),
    );
    expectNotServed(plan);
    expect(plan.message).toBe('planMassChange: a workflow of association A asked for members of association B');
    const range = await refusal(
      caller.run(activities.listMassChangeRange, { associationId: 'B', filter: { state: 'active' }, from: 'x' }),
    );
    expectNotServed(range);
    expect(range.message).toBe('listMassChangeRange: a workflow of association A asked for members of association B');
    expect(await caller.run(activities.applyStaffCommands, chunk('A'))).toEqual([
      { memberId: 'M1', outcome: 'changed', from: 'active', to: 'suspended' },
      { memberId: 'M2', outcome: 'changed', from: 'active', to: 'suspended' },
    ]);
    expect(usedByA).toEqual(['update membership/A/M1', 'update membership/A/M2']);
    expect(usedByB).toEqual([]);
  });

  it("never put a key in a failure: a provider's refusal or an unreachable provider names neither", async () => {
    const { http } = recordingHttp((url) =>
      url.includes('board-a')
        ? Response.json({ error: 'unauthorized', message: 'bad credentials' }, { status: 401 })
        : new Error('connect ECONNREFUSED'),
    );
    const { activities, calledBy } = worker(http);
    const refused = await refusal(calledBy('membership/A/M1').run(activities.applyProviderStatus, status('M1')));
    expect(refused.type).toBe('ProviderUnauthorized');
    const unreachable = await refusal(calledBy('membership/B/M1').run(activities.applyProviderStatus, status('M1')));
    expect(unreachable.type).toBe('ProviderUnreachable');
    for (const failure of [refused, unreachable]) {
      expect(failure.message).not.toContain(KEY_A);
      expect(failure.message).not.toContain(KEY_B);
    }
  });
});
