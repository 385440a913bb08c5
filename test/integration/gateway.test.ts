// The billing gateway in front of the real Temporal dev server: what the member workflows hold
// after good, refused and duplicated requests; and a 503 while the server it was using is stopped,
// with nothing lost once the billing system retries against a server that is back.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient, validateEvent } from '../../client/membership-client.js';
import { signedHeaders } from '../../gateway/signature.js';
import { association, paidMemberEvents } from '../helpers.js';
import { simulated } from '../workflow/deliver.js';
import { freePort, startDevServer } from './dev-server.js';
import { gatewayTo, startGatewayOnDevServer } from './gateway-fixture.js';
import type { GatewayOnDevServer } from './gateway-fixture.js';

const secret = 'integration-secret-0123456789';
const config = association();

/** POSTs events to the gateway at `url`, signed unless other headers are given. */
async function post(url: string, events: unknown, headers?: Record<string, string>) {
  const body = JSON.stringify(events);
  const response = await fetch(`${url}/v1/events`, {
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
    running = await startGatewayOnDevServer(config, secret);
    url = running.url;
    client = new MembershipClient(running.server.env.client, config);
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
      (await fetch(`${url}/v1/events`, { method: 'POST', headers: signedHeaders(secret, malformed), body: malformed }))
        .status,
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
});

describe('the billing gateway when its Temporal server stops and comes back', () => {
  it('answers 503 with Retry-After while the server it was using is down, and applies the retried request once it is back, losing nothing', async () => {
    // One address and one database file, so the server started again is the same Temporal.
    const port = await freePort();
    const dbFilename = join(await mkdtemp(join(tmpdir(), 'standing-temporal-')), 'temporal.db');
    let temporal = await startDevServer({ port, dbFilename, worker: false });
    const gateway = await gatewayTo(`127.0.0.1:${port}`, config, secret);
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

      temporal = await startDevServer({ port, dbFilename });
      // The billing system sends the whole request again, as Retry-After says, until it is taken
      // (the gateway's connection finds the server again on its own).
      await expect.poll(async () => (await post(url, during)).status, { timeout: 60_000, interval: 1_000 }).toBe(202);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      // G1, taken before the outage, is still there; G2 holds each of its events once.
      const client = new MembershipClient(temporal.env.client, config);
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
      await temporal.stop();
    }
  }, 120_000);
});
