// The billing gateway in front of the real Temporal dev server: what the member workflows hold
// after good, refused and duplicated requests; two associations, each in its own namespace and on
// its own task queue, each reaching only its own members with its own secret; the deprecated path
// of a one-association gateway; and a 503 while the server it was using is stopped, with nothing
// lost once the billing system retries against a server that is back.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient, validateEvent } from '../../client/membership-client.js';
import { signedHeaders, signedTarget } from '../../gateway/signature.js';
import { associationTaskQueue } from '../../workflows/messages.js';
import { association, paidMemberEvents } from '../helpers.js';
import { simulated } from '../workflow/deliver.js';
import { freePort, namespaceFor, startDevServer } from './dev-server.js';
import { gatewayTo, startGatewayOnDevServer, startWorkers } from './gateway-fixture.js';
import type { GatewayOnDevServer } from './gateway-fixture.js';

const secret = 'integration-secret-0123456789';
const config = association();
const lakeSecret = 'lake-integration-secret-9876543210';
const lake = association({}, { association: { id: 'LAKE', timezone: 'America/New_York' } });
/** LAKE's memberships live in a namespace of their own. */
const lakeNamespace = namespaceFor('lake-board');

/** POSTs events to `path` (TEST's events by default) at `url`, signed unless other headers are given. */
async function post(
  url: string,
  events: unknown,
  headers?: Record<string, string>,
  path = '/v1/associations/TEST/events',
) {
  const body = JSON.stringify(events);
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: headers ?? signedHeaders(secret, body),
    body,
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}
const today = new Date().toISOString().slice(0, 10);
const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
/** A member who joins and pays a year's dues: active once applied. */
const member = (memberId: string) =>
  paidMemberEvents(memberId, {
    coversFrom: today,
    coversThrough: `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`,
  });

function validated(events: readonly unknown[]) {
  return events.map((event) => validateEvent(event));
}

describe('the billing gateway on the dev server', () => {
  let running: GatewayOnDevServer;
  let url: string;
  let client: MembershipClient;

  beforeAll(async () => {
    running = await startGatewayOnDevServer([
      { config, secrets: [secret] },
      { config: lake, secrets: [lakeSecret], namespace: lakeNamespace },
    ]);
    url = running.url;
    client = running.clientOf('TEST');
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('signals each member of a good request, which then holds its events', async () => {
    expect(await post(url, [...member('W1'), ...member('W2')])).toEqual({
      status: 202,
      retryAfter: null,
      body: { accepted: 6, workflowIds: [client.workflowId('W1'), client.workflowId('W2')] },
    });
    for (const memberId of ['W1', 'W2'])
      expect((await client.view(memberId))?.member).toMatchObject({ state: 'active', rejected: [] });
  });

  it('applies a duplicated request once', async () => {
    const events = member('W3');
    expect((await post(url, events)).status).toBe(202);
    const first = await client.view('W3');
    expect((await post(url, events)).status).toBe(202);
    expect((await post(url, events[2])).status).toBe(202);
    const again = await client.view('W3');
    expect(again?.member).toEqual(first?.member);
    expect(again?.member?.timeline).toHaveLength(1);
  });

  it('signals nothing for a refused request: unsigned, wrongly signed, stale, malformed, oversized, or with one invalid event among valid ones', async () => {
    const events = member('W4');
    const body = JSON.stringify(events);
    expect((await post(url, events, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(url, events, signedHeaders('some-other-secret-entirely', body))).status).toBe(401);
    expect((await post(url, events, signedHeaders(secret, body, Date.now() - 10 * 60_000))).status).toBe(401);
    const malformed = `${body.slice(0, -10)}`;
    expect(
      (
        await fetch(`${url}/v1/associations/TEST/events`, {
          method: 'POST',
          headers: signedHeaders(secret, malformed),
          body: malformed,
        })
      ).status,
    ).toBe(400);
    const oversized = await post(url, [
      ...events,
      { id: 'W4-s', type: 'suspended', memberId: 'W4', at: at(5), reason: 'x'.repeat(1_100_000) },
    ]);
    expect(oversized.status).toBe(413);
    const mixed = await post(url, [...events, { ...events[2], id: 'W4-p2', amount: 'fifty' }]);
    expect(mixed).toMatchObject({
      status: 400,
      body: { problems: [{ field: '[3].amount', message: 'must be a number' }] },
    });
    expect(await client.view('W4')).toBeNull();
  });

  /** LAKE's events, signed with LAKE's secret. */
  const postToLake = (events: unknown) =>
    post(url, events, signedHeaders(lakeSecret, JSON.stringify(events)), '/v1/associations/LAKE/events');

  it('lets each association reach only its own members, in its own namespace, with its own secret', async () => {
    const lakeClient = running.clientOf('LAKE');
    expect(await postToLake(member('L1'))).toMatchObject({
      status: 202,
      body: { accepted: 3, workflowIds: ['membership/LAKE/L1'] },
    });
    await expect.poll(async () => (await lakeClient.view('L1'))?.member?.state, { timeout: 15_000 }).toBe('active');
    const described = await running.server.env.connection.workflowService.describeWorkflowExecution({
      namespace: lakeNamespace,
      execution: { workflowId: 'membership/LAKE/L1' },
    });
    expect(described.executionConfig?.taskQueue?.name).toBe('standing/LAKE');
    // Nothing of LAKE's in TEST's namespace, under either association's id, nor of TEST's in LAKE's.
    expect(await client.view('L1')).toBeNull();
    expect(await lakeClient.view('W1')).toBeNull();
    expect(
      await running.server.env.client.workflow
        .getHandle('membership/LAKE/L1')
        .describe()
        .catch((error: Error) => error.name),
    ).toBe('WorkflowNotFoundError');
  });

  it('signals nothing for one association’s secret on another’s path, or for an association it does not serve', async () => {
    const lakeClient = running.clientOf('LAKE');
    const events = member('X1');
    const body = JSON.stringify(events);
    expect(await post(url, events, signedHeaders(secret, body), '/v1/associations/LAKE/events')).toMatchObject({
      status: 401,
      body: { message: 'signature does not match' },
    });
    expect(await post(url, events, signedHeaders(lakeSecret, body))).toMatchObject({ status: 401 });
    expect(await post(url, events, undefined, '/v1/associations/WEST/events')).toMatchObject({
      status: 404,
      body: { error: 'not-found', message: 'no association WEST is served here' },
    });
    // With two loaded, the deprecated path names the new one and signals nothing either.
    expect(await post(url, events, undefined, '/v1/events')).toMatchObject({
      status: 404,
      body: { message: expect.stringContaining('/v1/associations/{associationId}/events') },
    });
    expect(await client.view('X1')).toBeNull();
    expect(await lakeClient.view('X1')).toBeNull();
  });

  it('refuses a member read of one association signed with another’s secret', async () => {
    expect((await postToLake(member('L2'))).status).toBe(202);
    const path = '/v1/associations/LAKE/members/L2';
    const read = (withSecret: string) =>
      fetch(`${url}${path}`, { headers: signedHeaders(withSecret, signedTarget(path)) }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));
    expect(await read(secret)).toEqual({
      status: 401,
      body: { error: 'unauthorized', message: 'signature does not match' },
    });
    await expect
      .poll(() => read(lakeSecret), { timeout: 15_000 })
      .toMatchObject({ status: 200, body: { memberId: 'L2', state: 'active' } });
  });

  it('keeps the deprecated path of a one-association gateway working for existing senders', async () => {
    const single = await gatewayTo(running.server.address, [{ config, secrets: [secret] }]);
    try {
      expect(await post(single.url, member('O1'), undefined, '/v1/events')).toMatchObject({
        status: 202,
        body: { accepted: 3, workflowIds: [client.workflowId('O1')] },
      });
      const path = '/v1/members/O1';
      await expect
        .poll(
          async () =>
            (await fetch(`${single.url}${path}`, { headers: signedHeaders(secret, signedTarget(path)) })).status,
          { timeout: 15_000 },
        )
        .toBe(200);
      expect((await client.view('O1'))?.member).toMatchObject({ state: 'active' });
    } finally {
      await single.close();
    }
  });
});

describe('the billing gateway when its Temporal server stops and comes back', () => {
  it('answers 503 with Retry-After while the server it was using is down, and applies the retried request once it is back, losing nothing', async () => {
    // One address and one database file, so the server started again is the same Temporal.
    const port = await freePort();
    const dbFilename = join(await mkdtemp(join(tmpdir(), 'standing-temporal-')), 'temporal.db');
    let temporal = await startDevServer({ port, dbFilename, worker: false });
    const gateway = await gatewayTo(`127.0.0.1:${port}`, [{ config, secrets: [secret] }]);
    let workers: { stop(): Promise<void> } | undefined;
    const { url } = gateway;
    try {
      const before = member('G1');
      expect(await post(url, before)).toMatchObject({ status: 202, body: { accepted: 3 } });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      await temporal.stop();
      const during = member('G2');
      expect(await post(url, during)).toMatchObject({
        status: 503,
        retryAfter: '5',
        body: { error: 'unavailable' },
      });
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'unavailable' });

      temporal = await startDevServer({ port, dbFilename, worker: false });
      workers = await startWorkers(temporal.env, [{ config, secrets: [secret] }]);
      // The billing system sends the whole request again, as Retry-After says, until it is taken
      // (the gateway's connection finds the server again on its own).
      await expect.poll(async () => (await post(url, during)).status, { timeout: 60_000, interval: 1_000 }).toBe(202);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      // G1, taken before the outage, is still there; G2 holds each of its events once.
      const client = new MembershipClient(temporal.env.client, config, associationTaskQueue('TEST'));
      const now = new Date().toISOString();
      for (const [memberId, events] of [
        ['G1', before],
        ['G2', during],
      ] as const) {
        const standing = await client.view(memberId);
        expect(standing?.member, memberId).toEqual(simulated(config, validated(events), now)[0]);
        expect(
          standing?.member?.timeline.map((entry) => entry.change),
          memberId,
        ).toEqual(['activated']);
      }
    } finally {
      await gateway.close();
      await workers?.stop();
      await temporal.stop();
    }
  }, 120_000);
});
