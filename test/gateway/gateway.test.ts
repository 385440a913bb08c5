// The gateway's answers over HTTP, with a recording sink: signatures (good, missing, wrong, stale,
// rotated), bodies (one event, an array, malformed, invalid fields, unknown types, too large), a
// member read back with its refused events, and a Temporal that cannot be reached. What the
// workflows then hold: test/integration/gateway.test.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../gateway/openapi.js';
import { buildGateway } from '../../gateway/server.js';
import type { EventSink } from '../../gateway/server.js';
import { sign, signedHeaders, signedTarget, verify } from '../../gateway/signature.js';
import { isTemporalUnavailable } from '../../gateway/unavailable.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import type { MemberStanding } from '../../workflows/messages.js';
import { EventLog, association, run } from '../helpers.js';
import { failedCall } from './grpc-error.js';

const secret = 'a-shared-secret-of-some-length';
const config = association();
const running: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

const joined = (memberId: string, id = `${memberId}-j`) => ({
  id,
  type: 'joined',
  memberId,
  at: '2026-06-01T12:00:00Z',
  membershipType: 'REALTOR',
});
const payment = (memberId: string) => ({
  id: `${memberId}-p`,
  type: 'paymentPosted',
  memberId,
  at: '2026-06-02T12:00:00Z',
  paymentId: 'P1',
  invoiceId: 'I1',
  amount: 50,
});

async function gateway(
  options: { down?: boolean; bodyLimit?: number; secrets?: string[]; members?: Record<string, MemberStanding> } = {},
) {
  const sent: LifecycleEvent[][] = [];
  const sink: EventSink = {
    async sendHistory(events) {
      if (options.down) throw failedCall(status.UNAVAILABLE, 'No connection established');
      sent.push([...events]);
      return Promise.resolve([...new Set(events.map((e) => `membership/TEST/${e.memberId}`))]);
    },
    async standing(memberId) {
      if (options.down) throw failedCall(status.DEADLINE_EXCEEDED, 'Deadline exceeded');
      return Promise.resolve(options.members?.[memberId] ?? null);
    },
    reachable: async () => Promise.resolve(!options.down),
  };
  const app = await buildGateway({
    association: config,
    sink,
    secrets: options.secrets ?? [secret],
    isUnavailable: isTemporalUnavailable,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  running.push(app);
  const post = async (body: string, headers: Record<string, string> = signedHeaders(secret, body)) => {
    const response = await fetch(`${url}/v1/events`, { method: 'POST', headers, body });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      retryAfter: response.headers.get('retry-after'),
    };
  };
  const get = async (path: string, headers: Record<string, string> = signedHeaders(secret, signedTarget(path))) => {
    const response = await fetch(`${url}${path}`, { headers });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      retryAfter: response.headers.get('retry-after'),
    };
  };
  return { url, post, get, sent };
}

describe('signatures', () => {
  const body = Buffer.from('{"hello":"world"}');
  const now = Date.parse('2026-11-21T12:00:00Z');
  const at = Math.floor(now / 1000);
  const headers = (timestamp: number, signature = sign(secret, timestamp, body)) => ({
    timestamp: String(timestamp),
    signature,
  });

  it('accept the shared secret over the timestamp and the exact body, within five minutes either way', () => {
    expect(verify([secret], headers(at), body, now)).toEqual({ ok: true });
    expect(verify([secret], headers(at - 299), body, now)).toEqual({ ok: true });
    expect(verify([secret], headers(at + 299), body, now)).toEqual({ ok: true });
  });

  it('refuse a stale or future timestamp, another body, another secret, and missing headers, saying which', () => {
    expect(verify([secret], headers(at - 301), body, now)).toEqual({
      ok: false,
      reason: "Standing-Timestamp is more than 300 seconds from the gateway's clock",
    });
    expect(verify([secret], headers(at + 301), body, now)).toMatchObject({ ok: false });
    expect(verify([secret], headers(at), Buffer.from('{"hello":"World"}'), now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verify(['another-secret-entirely'], headers(at), body, now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verify([secret], { timestamp: undefined, signature: 'v1=00' }, body, now)).toEqual({
      ok: false,
      reason: 'missing Standing-Timestamp header',
    });
    expect(verify([secret], { timestamp: String(at), signature: undefined }, body, now)).toEqual({
      ok: false,
      reason: 'missing Standing-Signature header',
    });
    expect(verify([secret], { timestamp: '12:00', signature: 'v1=00' }, body, now)).toEqual({
      ok: false,
      reason: 'Standing-Timestamp must be Unix seconds',
    });
  });

  it('accept either of two secrets while one rotates, and any of several signatures offered', () => {
    expect(verify(['new-secret-for-next-year', secret], headers(at), body, now)).toEqual({ ok: true });
    expect(verify([secret], headers(at, `v1=${'0'.repeat(64)}, ${sign(secret, at, body)}`), body, now)).toEqual({
      ok: true,
    });
  });
});

describe('POST /v1/events', () => {
  it('accepts one event, or an array, with 202 and the workflow ids', async () => {
    const { post, sent } = await gateway();
    expect(await post(JSON.stringify(joined('G1')))).toMatchObject({
      status: 202,
      body: { accepted: 1, workflowIds: ['membership/TEST/G1'] },
    });
    expect(await post(JSON.stringify([joined('G2'), payment('G2'), joined('G3')]))).toMatchObject({
      status: 202,
      body: { accepted: 3, workflowIds: ['membership/TEST/G2', 'membership/TEST/G3'] },
    });
    expect(sent.map((batch) => batch.map((e) => e.id))).toEqual([['G1-j'], ['G2-j', 'G2-p', 'G3-j']]);
  });

  it('accepts null for an optional field and an at without seconds, and sends them normalised', async () => {
    const { post, sent } = await gateway();
    const invoice = {
      id: 'G4-i',
      type: 'invoiceIssued',
      memberId: 'G4',
      at: '2026-06-01t12:00z',
      invoiceId: 'I4',
      amount: 50,
      dueDate: null,
    };
    expect(await post(JSON.stringify(invoice))).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(sent).toEqual([[{ ...invoice, at: '2026-06-01T12:00:00Z', dueDate: undefined }]]);
    expect(sent[0]![0]).not.toHaveProperty('dueDate', null);
  });

  it('takes JSON with a charset, and refuses a body that is not JSON with 415', async () => {
    const { post, url, sent } = await gateway();
    const body = JSON.stringify(joined('G1'));
    expect(
      (await post(body, { ...signedHeaders(secret, body), 'content-type': 'application/json; charset=utf-8' })).status,
    ).toBe(202);
    const { 'content-type': _json, ...unsigned } = signedHeaders(secret, body);
    const plain = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { ...unsigned, 'content-type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(415);
    expect(sent).toHaveLength(1);
  });

  it('refuses an unsigned, wrongly signed or stale request with 401 and sends nothing', async () => {
    const { post, sent } = await gateway();
    const body = JSON.stringify(joined('G1'));
    expect(await post(body, { 'content-type': 'application/json' })).toMatchObject({
      status: 401,
      body: { error: 'unauthorized', message: 'missing Standing-Timestamp header' },
    });
    expect(await post(body, signedHeaders('not-the-shared-secret-at-all', body))).toMatchObject({
      status: 401,
      body: { message: 'signature does not match' },
    });
    expect(await post(body, signedHeaders(secret, body, Date.now() - 6 * 60_000))).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('more than 300 seconds') },
    });
    // Signed for one body, sent with another (a tampered amount).
    const headers = signedHeaders(secret, body);
    expect(await post(body.replace('G1', 'G9'), headers)).toMatchObject({ status: 401 });
    expect(sent).toEqual([]);
  });

  it('refuses malformed JSON and invalid events with 400, naming every field, and sends none of the valid ones', async () => {
    const { post, sent } = await gateway();
    expect(await post('{"id": "x",')).toMatchObject({
      status: 400,
      body: { problems: [{ field: '(body)', message: expect.stringMatching(/^not JSON/) }] },
    });
    const invalid = await post(
      JSON.stringify([
        joined('G1'),
        { ...payment('G1'), amount: -5, at: 'yesterday' },
        { ...joined('G2'), membershipType: 'BROKER' },
      ]),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.problems).toEqual([
      { field: '[1].at', message: 'must be an ISO 8601 date-time with Z or an offset' },
      { field: '[1].amount', message: 'must be greater than 0' },
    ]);
    expect(
      (await post(JSON.stringify([joined('G1'), { ...joined('G2'), membershipType: 'BROKER' }]))).body.problems,
    ).toEqual([{ field: '[1].membershipType', message: 'BROKER is not defined by association TEST' }]);
    expect((await post(JSON.stringify({ ...joined('G1'), colour: 'blue' }))).body.problems).toEqual([
      { field: '(body)', message: 'Unrecognized key: "colour"' },
    ]);
    expect((await post('[]')).body.problems).toEqual([{ field: '(body)', message: 'must hold at least one event' }]);
    expect(sent).toEqual([]);
  });

  it('refuses a body over the limit with 413, before reading it as events', async () => {
    const { post, sent } = await gateway({ bodyLimit: 2_000 });
    const body = JSON.stringify(Array.from({ length: 30 }, (_, i) => joined(`G${i}`)));
    expect(body.length).toBeGreaterThan(2_000);
    expect(await post(body)).toMatchObject({ status: 413, body: { error: 'too-large' } });
    expect(sent).toEqual([]);
  });

  it('answers 503 with Retry-After when Temporal cannot be reached, so the billing system retries', async () => {
    const { post, url } = await gateway({ down: true });
    expect(await post(JSON.stringify(joined('G1')))).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: { error: 'unavailable' },
    });
    const health = await fetch(`${url}/healthz`);
    expect([health.status, await health.json()]).toEqual([
      503,
      { status: 'unavailable', temporal: 'unreachable', association: 'TEST' },
    ]);
  });

  it('reports health and serves its OpenAPI document, which is the committed one', async () => {
    const { url } = await gateway();
    const health = await fetch(`${url}/healthz`);
    expect([health.status, await health.json()]).toEqual([
      200,
      { status: 'ok', temporal: 'reachable', association: 'TEST' },
    ]);
    const served = await (await fetch(`${url}/openapi.json`)).json();
    expect(served).toEqual(openApiDocument());
    const committed = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));
    expect(committed, 'docs/openapi.json is stale: npm run schemas').toEqual(openApiDocument());
  });
});

describe('GET /v1/members/{memberId}', () => {
  // A member who paid June, then was sent a payment for July's invoice after it was voided.
  const member = run(
    config,
    new EventLog('M1')
      .join('2026-06-01')
      .dues('2026-06')
      .pay('2026-06-02', 'INV-2026-06')
      .dues('2026-07')
      .add('invoiceVoided', '2026-07-02', { invoiceId: 'INV-2026-07' })
      .add('paymentPosted', '2026-07-03', { paymentId: 'P9', invoiceId: 'INV-2026-07', amount: 50 }, 'pay-9'),
  );
  const standing = (view: typeof member | null): MemberStanding => ({
    associationId: 'TEST',
    member: view,
    nextDeadline: null,
    providerSync: null,
    warnings: [],
  });
  const members = { M1: standing(member), EARLY: standing(null) };

  it('answers the member’s state, paid-through and refused events, signed over its request target', async () => {
    const { get } = await gateway({ members });
    expect(member.rejected).toHaveLength(1);
    expect(await get('/v1/members/M1')).toEqual({
      status: 200,
      retryAfter: null,
      body: {
        memberId: 'M1',
        state: 'pastDue',
        paidThrough: '2026-06-30',
        rejected: [{ id: 'pay-9', reason: member.rejected[0]!.reason }],
      },
    });
  });

  it('answers 404 for a member with no workflow, or with no joined or imported event yet', async () => {
    const { get } = await gateway({ members });
    expect(await get('/v1/members/NOBODY')).toMatchObject({
      status: 404,
      body: { error: 'not-found', message: 'no member NOBODY in association TEST' },
    });
    expect(await get('/v1/members/EARLY')).toMatchObject({
      status: 404,
      body: { message: expect.stringContaining('no joined or imported event') },
    });
  });

  it('refuses an unsigned, wrongly signed or stale request with 401', async () => {
    const { get } = await gateway({ members });
    expect(await get('/v1/members/M1', {})).toMatchObject({
      status: 401,
      body: { message: 'missing Standing-Timestamp header' },
    });
    // A GET signs its request target: an empty body, or another member's path, does not match.
    for (const signedOver of ['', '{}', signedTarget('/v1/members/EARLY'), 'GET /v1/members/M1?x=1']) {
      expect(await get('/v1/members/M1', signedHeaders(secret, signedOver))).toMatchObject({
        status: 401,
        body: { message: 'signature does not match' },
      });
    }
    const stale = signedHeaders(secret, signedTarget('/v1/members/M1'), Date.now() - 6 * 60_000);
    expect(await get('/v1/members/M1', stale)).toMatchObject({
      status: 401,
    });
  });

  it('answers 503 with Retry-After when Temporal cannot be reached', async () => {
    const { get } = await gateway({ members, down: true });
    expect(await get('/v1/members/M1')).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: { error: 'unavailable' },
    });
  });
});
