// The billing gateway in front of the real Temporal dev server: what the member workflows hold
// after good, refused and duplicated requests, and a 503 when Temporal is not there.
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { buildGateway } from '../../gateway/server.js';
import { signedHeaders } from '../../gateway/signature.js';
import { temporalSink } from '../../gateway/temporal-sink.js';
import { isTemporalUnavailable } from '../../gateway/unavailable.js';
import { association } from '../helpers.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

const secret = 'integration-secret-0123456789';
const config = association();

describe('the billing gateway on the dev server', () => {
  let server: DevServer;
  let gateway: FastifyInstance;
  let url: string;
  let client: MembershipClient;

  beforeAll(async () => {
    server = await startDevServer();
    gateway = await buildGateway({
      association: config,
      sink: temporalSink(server.env.client, server.env.connection, config),
      secrets: [secret],
      isUnavailable: isTemporalUnavailable,
    });
    url = await gateway.listen({ host: '127.0.0.1', port: 0 });
    client = new MembershipClient(server.env.client, config);
  });

  afterAll(async () => {
    await gateway?.close();
    await server?.stop();
  });

  const post = async (events: unknown, headers?: Record<string, string>) => {
    const body = JSON.stringify(events);
    const response = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: headers ?? signedHeaders(secret, body),
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const today = new Date().toISOString().slice(0, 10);
  const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
  const member = (memberId: string) => [
    { id: `${memberId}-j`, type: 'joined', memberId, at: at(30), membershipType: 'REALTOR' },
    {
      id: `${memberId}-i`,
      type: 'invoiceIssued',
      memberId,
      at: at(20),
      invoiceId: 'DUES',
      amount: 500,
      coversFrom: today,
      coversThrough: `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`,
    },
    {
      id: `${memberId}-p`,
      type: 'paymentPosted',
      memberId,
      at: at(10),
      paymentId: 'PAY',
      invoiceId: 'DUES',
      amount: 500,
    },
  ];

  it('signals each member of a good request, which then holds its events', async () => {
    expect(await post([...member('W1'), ...member('W2')])).toEqual({
      status: 202,
      body: { accepted: 6, workflowIds: [client.workflowId('W1'), client.workflowId('W2')] },
    });
    for (const memberId of ['W1', 'W2'])
      expect((await client.view(memberId))?.member).toMatchObject({ state: 'active', rejected: [] });
  });

  it('applies a duplicated request once', async () => {
    const events = member('W3');
    expect((await post(events)).status).toBe(202);
    const first = await client.view('W3');
    expect((await post(events)).status).toBe(202);
    expect((await post(events[2])).status).toBe(202);
    const again = await client.view('W3');
    expect(again?.member).toEqual(first?.member);
    expect(again?.member?.timeline).toHaveLength(1);
  });

  it('signals nothing for a refused request: unsigned, wrongly signed, stale, malformed, oversized, or with one invalid event among valid ones', async () => {
    const events = member('W4');
    const body = JSON.stringify(events);
    expect((await post(events, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(events, signedHeaders('some-other-secret-entirely', body))).status).toBe(401);
    expect((await post(events, signedHeaders(secret, body, Date.now() - 10 * 60_000))).status).toBe(401);
    const malformed = `${body.slice(0, -10)}`;
    expect(
      (await fetch(`${url}/v1/events`, { method: 'POST', headers: signedHeaders(secret, malformed), body: malformed }))
        .status,
    ).toBe(400);
    const oversized = await post([
      ...events,
      { id: 'W4-s', type: 'suspended', memberId: 'W4', at: at(5), reason: 'x'.repeat(1_100_000) },
    ]);
    expect(oversized.status).toBe(413);
    const mixed = await post([...events, { ...events[2], id: 'W4-p2', amount: 'fifty' }]);
    expect(mixed).toMatchObject({
      status: 400,
      body: { problems: [{ field: '[3].amount', message: 'must be a number' }] },
    });
    expect(await client.view('W4')).toBeNull();
  });

  it('answers 503 when Temporal cannot be reached, and nothing is half applied', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' });
    const down = await buildGateway({
      association: config,
      sink: temporalSink(new Client({ connection }), connection, config, 2_000),
      secrets: [secret],
      isUnavailable: isTemporalUnavailable,
    });
    const downUrl = await down.listen({ host: '127.0.0.1', port: 0 });
    try {
      const body = JSON.stringify(member('W5'));
      const response = await fetch(`${downUrl}/v1/events`, {
        method: 'POST',
        headers: signedHeaders(secret, body),
        body,
      });
      expect([response.status, response.headers.get('retry-after')]).toEqual([503, '5']);
      expect((await fetch(`${downUrl}/healthz`)).status).toBe(503);
      expect(await client.view('W5')).toBeNull();
    } finally {
      await down.close();
      await connection.close();
    }
  });
});
