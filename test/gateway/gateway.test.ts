// The gateway's answers over HTTP, with a recording sink: signatures (good, missing, wrong, stale,
// rotated), bodies (one event, an array, malformed, invalid fields, unknown types, too large), a
// member read back with its refused events, a Temporal that cannot be reached, and several
// associations walled off (each its own secrets and members; unknown ones 404; the deprecated
// one-association paths). What the workflows then hold: test/integration/gateway.test.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../gateway/openapi.js';
import { buildGateway } from '../../gateway/server.js';
import type { EventSink, GatewayAssociation } from '../../gateway/server.js';
import { sign, signedHeaders, signedTarget, verify } from '../../gateway/signature.js';
import { isTemporalUnavailable } from '../../gateway/unavailable.js';
import type { AssociationConfig } from '../../schemas/association.js';
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

/** A sink recording what reached one association: the event batches it signalled and the members it was asked for. */
function recordingSink(associationId: string, options: { down?: boolean; members?: Record<string, MemberStanding> }) {
  const sent: LifecycleEvent[][] = [];
  const asked: string[] = [];
  const sink: EventSink = {
    async sendHistory(events) {
      if (options.down) throw failedCall(status.UNAVAILABLE, 'No connection established');
      sent.push([...events]);
      return Promise.resolve([...new Set(events.map((e) => `membership/${associationId}/${e.memberId}`))]);
    },
    async standing(memberId) {
      if (options.down) throw failedCall(status.DEADLINE_EXCEEDED, 'Deadline exceeded');
      asked.push(memberId);
      return Promise.resolve(options.members?.[memberId] ?? null);
    },
    async reportUnmatched() {
      return Promise.reject(new Error('the native endpoints report nothing unmatched'));
    },
  };
  return { sink, sent, asked };
}

interface Served {
  readonly config: AssociationConfig;
  readonly secrets: string[];
  readonly members?: Record<string, MemberStanding>;
}

/**
 * A gateway on its own port serving `associations` (by default TEST alone, signed with `secret`);
 * the map may be changed while it runs, as a reload changes it.
 */
async function gateway(
  options: {
    down?: boolean;
    bodyLimit?: number;
    secrets?: string[];
    members?: Record<string, MemberStanding>;
    associations?: Served[];
  } = {},
) {
  const served = options.associations ?? [
    { config, secrets: options.secrets ?? [secret], ...(options.members ? { members: options.members } : {}) },
  ];
  const sinks = new Map<string, ReturnType<typeof recordingSink>>();
  const associations = new Map<string, GatewayAssociation>();
  for (const { config: each, secrets, members } of served) {
    const id = each.association.id;
    const recording = recordingSink(id, { ...(options.down ? { down: true } : {}), ...(members ? { members } : {}) });
    sinks.set(id, recording);
    associations.set(id, { id, config: each, secrets, sink: recording.sink });
  }
  const app = await buildGateway({
    associations: () => associations,
    reachable: async () => Promise.resolve(!options.down),
    isUnavailable: isTemporalUnavailable,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  running.push(app);
  const answer = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    retryAfter: response.headers.get('retry-after'),
  });
  const postTo = async (path: string, body: string, headers: Record<string, string> = signedHeaders(secret, body)) =>
    answer(await fetch(`${url}${path}`, { method: 'POST', headers, body }));
  const post = async (body: string, headers?: Record<string, string>) =>
    postTo('/v1/associations/TEST/events', body, headers);
  const get = async (path: string, headers: Record<string, string> = signedHeaders(secret, signedTarget(path))) =>
    answer(await fetch(`${url}${path}`, { headers }));
  /** Every batch any association's sink signalled, and every member any was asked for. */
  const reached = () => ({
    sent: [...sinks].flatMap(([id, recording]) =>
      recording.sent.map((batch) => ({ id, events: batch.map((e) => e.id) })),
    ),
    asked: [...sinks].flatMap(([id, recording]) => recording.asked.map((memberId) => ({ id, memberId }))),
  });
  return { url, post, postTo, get, sent: sinks.values().next().value!.sent, sinks, associations, reached };
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

describe('POST /v1/associations/{id}/events', () => {
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

  it('accepts a paymentReversed (spec v1.1), and refuses one without a paymentId or with amount 0, naming the field', async () => {
    const { post, sent } = await gateway();
    const reversal = {
      id: 'G5-r',
      type: 'paymentReversed',
      memberId: 'G5',
      at: '2026-06-10T12:00:00Z',
      paymentId: 'P5',
      amount: null,
      reason: 'chargeback',
    };
    expect(await post(JSON.stringify(reversal))).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(sent).toEqual([[{ ...reversal, amount: undefined }]]);
    const { paymentId: _id, ...withoutPayment } = reversal;
    expect(await post(JSON.stringify([withoutPayment, { ...reversal, id: 'G5-r2', amount: 0 }]))).toMatchObject({
      status: 400,
      body: {
        problems: [
          { field: '[0].paymentId', message: expect.any(String) },
          { field: '[1].amount', message: 'must be greater than 0' },
        ],
      },
    });
    expect(sent).toHaveLength(1);
  });

  it('takes JSON with a charset, and refuses a body that is not JSON with 415', async () => {
    const { post, url, sent } = await gateway();
    const body = JSON.stringify(joined('G1'));
    expect(
      (await post(body, { ...signedHeaders(secret, body), 'content-type': 'application/json; charset=utf-8' })).status,
    ).toBe(202);
    const { 'content-type': _json, ...unsigned } = signedHeaders(secret, body);
    const plain = await fetch(`${url}/v1/associations/TEST/events`, {
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
      { status: 'unavailable', temporal: 'unreachable', associations: ['TEST'] },
    ]);
  });

  it('reports health and serves its OpenAPI document, which is the committed one', async () => {
    const { url } = await gateway();
    const health = await fetch(`${url}/healthz`);
    expect([health.status, await health.json()]).toEqual([
      200,
      { status: 'ok', temporal: 'reachable', associations: ['TEST'] },
    ]);
    const served = await (await fetch(`${url}/openapi.json`)).json();
    expect(served).toEqual(openApiDocument());
    const committed = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));
    expect(committed, 'docs/openapi.json is stale: npm run schemas').toEqual(openApiDocument());
  });
});

describe('GET /v1/associations/{id}/members/{memberId}', () => {
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
    expect(await get('/v1/associations/TEST/members/M1')).toEqual({
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
    expect(await get('/v1/associations/TEST/members/NOBODY')).toMatchObject({
      status: 404,
      body: { error: 'not-found', message: 'no member NOBODY in association TEST' },
    });
    expect(await get('/v1/associations/TEST/members/EARLY')).toMatchObject({
      status: 404,
      body: { message: expect.stringContaining('no joined or imported event') },
    });
  });

  it('refuses an unsigned, wrongly signed or stale request with 401', async () => {
    const { get } = await gateway({ members });
    expect(await get('/v1/associations/TEST/members/M1', {})).toMatchObject({
      status: 401,
      body: { message: 'missing Standing-Timestamp header' },
    });
    // A GET signs its request target: an empty body, another member's path, or another path, does not match.
    for (const signedOver of [
      '',
      '{}',
      signedTarget('/v1/associations/TEST/members/EARLY'),
      'GET /v1/associations/TEST/members/M1?x=1',
      // The target of the deprecated path: a signature names the path it was made for.
      signedTarget('/v1/members/M1'),
    ]) {
      expect(await get('/v1/associations/TEST/members/M1', signedHeaders(secret, signedOver))).toMatchObject({
        status: 401,
        body: { message: 'signature does not match' },
      });
    }
    const stale = signedHeaders(secret, signedTarget('/v1/associations/TEST/members/M1'), Date.now() - 6 * 60_000);
    expect(await get('/v1/associations/TEST/members/M1', stale)).toMatchObject({
      status: 401,
    });
  });

  it('answers 503 with Retry-After when Temporal cannot be reached', async () => {
    const { get } = await gateway({ members, down: true });
    expect(await get('/v1/associations/TEST/members/M1')).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: { error: 'unavailable' },
    });
  });
});

describe('many associations, walled off', () => {
  const northSecret = 'north-billing-secret-0123456789';
  const southSecret = 'south-billing-secret-9876543210';
  const north = association({}, { association: { id: 'NORTH', timezone: 'UTC' } });
  const south = association(
    {},
    {
      association: { id: 'SOUTH', timezone: 'America/New_York' },
      membershipTypes: [{ code: 'STAFF', isMember: false }],
    },
  );
  const staffJoined = (memberId: string) => ({ ...joined(memberId), membershipType: 'STAFF' });
  const standing = (associationId: string): MemberStanding => ({
    associationId,
    member: run(north, new EventLog('X1').join('2026-06-01')),
    nextDeadline: null,
    providerSync: null,
    warnings: [],
  });
  const twoBoards = () =>
    gateway({
      associations: [
        { config: north, secrets: [northSecret], members: { X1: standing('NORTH') } },
        { config: south, secrets: [southSecret], members: { X1: standing('SOUTH') } },
      ],
    });
  const signedGet = (path: string, withSecret: string) => signedHeaders(withSecret, signedTarget(path));

  it('lets each association sign with its own secret and reach only its own members', async () => {
    const { postTo, get, reached } = await twoBoards();
    const northBody = JSON.stringify(joined('N1'));
    expect(
      await postTo('/v1/associations/NORTH/events', northBody, signedHeaders(northSecret, northBody)),
    ).toMatchObject({ status: 202, body: { accepted: 1, workflowIds: ['membership/NORTH/N1'] } });
    const southBody = JSON.stringify([staffJoined('S1'), staffJoined('S2')]);
    expect(
      await postTo('/v1/associations/SOUTH/events', southBody, signedHeaders(southSecret, southBody)),
    ).toMatchObject({
      status: 202,
      body: { accepted: 2, workflowIds: ['membership/SOUTH/S1', 'membership/SOUTH/S2'] },
    });
    const path = '/v1/associations/SOUTH/members/X1';
    expect(await get(path, signedGet(path, southSecret))).toMatchObject({ status: 200, body: { memberId: 'X1' } });
    expect(reached()).toEqual({
      sent: [
        { id: 'NORTH', events: ['N1-j'] },
        { id: 'SOUTH', events: ['S1-j', 'S2-j'] },
      ],
      asked: [{ id: 'SOUTH', memberId: 'X1' }],
    });
  });

  it('refuses one association’s secret on another’s path with 401, reaching neither', async () => {
    const { postTo, get, reached } = await twoBoards();
    const body = JSON.stringify(staffJoined('S9'));
    expect(await postTo('/v1/associations/SOUTH/events', body, signedHeaders(northSecret, body))).toMatchObject({
      status: 401,
      body: { error: 'unauthorized', message: 'signature does not match' },
    });
    // North's secret over South's member path, and North's own signed read replayed on South's path.
    const southPath = '/v1/associations/SOUTH/members/X1';
    expect(await get(southPath, signedGet(southPath, northSecret))).toMatchObject({ status: 401 });
    expect(await get(southPath, signedGet('/v1/associations/NORTH/members/X1', northSecret))).toMatchObject({
      status: 401,
    });
    expect(reached()).toEqual({ sent: [], asked: [] });
  });

  it('checks membership types against the association of the path', async () => {
    const { postTo, reached } = await twoBoards();
    const body = JSON.stringify(staffJoined('N2'));
    expect(await postTo('/v1/associations/NORTH/events', body, signedHeaders(northSecret, body))).toMatchObject({
      status: 400,
      body: { problems: [{ field: 'membershipType', message: 'STAFF is not defined by association NORTH' }] },
    });
    expect(reached().sent).toEqual([]);
  });

  it('answers 404 for an association it does not serve, signed or not, before reading the body, reaching nothing', async () => {
    const { postTo, get, reached } = await twoBoards();
    const body = JSON.stringify(joined('W1'));
    for (const headers of [signedHeaders(northSecret, body), { 'content-type': 'application/json' }])
      expect(await postTo('/v1/associations/WEST/events', body, headers)).toEqual({
        status: 404,
        retryAfter: null,
        body: { error: 'not-found', message: 'no association WEST is served here' },
      });
    // Not even a body too large, or not JSON, is looked at for an association that is not here.
    expect(
      await postTo('/v1/associations/WEST/events', 'x', {
        ...signedHeaders(northSecret, 'x'),
        'content-type': 'text/plain',
      }),
    ).toMatchObject({ status: 404 });
    const path = '/v1/associations/WEST/members/X1';
    expect(await get(path, signedGet(path, northSecret))).toMatchObject({ status: 404, body: { error: 'not-found' } });
    expect(reached()).toEqual({ sent: [], asked: [] });
  });

  it('answers 401 to every request for an association with no secret, and serves the others', async () => {
    const { postTo, reached } = await gateway({
      associations: [
        { config: north, secrets: [northSecret] },
        { config: south, secrets: [] },
      ],
    });
    const body = JSON.stringify(staffJoined('S3'));
    for (const headers of [signedHeaders(southSecret, body), signedHeaders('', body), signedHeaders(northSecret, body)])
      expect(await postTo('/v1/associations/SOUTH/events', body, headers)).toMatchObject({
        status: 401,
        body: { message: 'association SOUTH has no gateway secret configured: it takes no requests until it has one' },
      });
    const northBody = JSON.stringify(joined('N3'));
    expect(
      (await postTo('/v1/associations/NORTH/events', northBody, signedHeaders(northSecret, northBody))).status,
    ).toBe(202);
    expect(reached().sent).toEqual([{ id: 'NORTH', events: ['N3-j'] }]);
  });

  it('serves the deprecated paths while exactly one association is loaded, pointing at the new ones', async () => {
    const { url, get, reached } = await gateway({ members: { X1: standing('NORTH') } });
    const body = JSON.stringify(joined('D1'));
    const posted = await fetch(`${url}/v1/events`, { method: 'POST', headers: signedHeaders(secret, body), body });
    expect([posted.status, await posted.json(), posted.headers.get('link')]).toEqual([
      202,
      { accepted: 1, workflowIds: ['membership/TEST/D1'] },
      '</v1/associations/TEST/events>; rel="successor-version"',
    ]);
    expect(await get('/v1/members/X1')).toMatchObject({ status: 200, body: { memberId: 'X1' } });
    expect(reached()).toEqual({ sent: [{ id: 'TEST', events: ['D1-j'] }], asked: [{ id: 'TEST', memberId: 'X1' }] });
  });

  it('answers 404 naming the new path on the deprecated paths when several are loaded, reaching nothing', async () => {
    const { postTo, get, reached } = await twoBoards();
    const body = JSON.stringify(joined('N4'));
    expect(await postTo('/v1/events', body, signedHeaders(northSecret, body))).toMatchObject({
      status: 404,
      body: {
        error: 'not-found',
        message:
          "this gateway serves several associations: use POST /v1/associations/{associationId}/events, signed with that association's secret",
      },
    });
    expect(await get('/v1/members/X1', signedGet('/v1/members/X1', northSecret))).toMatchObject({
      status: 404,
      body: { message: expect.stringContaining('GET /v1/associations/{associationId}/members/X1') },
    });
    expect(reached()).toEqual({ sent: [], asked: [] });
  });

  it('follows the served set as it changes: an association added is served, one removed is 404, new secrets take effect', async () => {
    const { postTo, associations, reached } = await gateway({
      associations: [{ config: north, secrets: [northSecret] }],
    });
    const body = JSON.stringify(staffJoined('S4'));
    const toSouth = (withSecret: string) =>
      postTo('/v1/associations/SOUTH/events', body, signedHeaders(withSecret, body)).then((answer) => answer.status);
    expect(await toSouth(southSecret)).toBe(404);

    const southSink = recordingSink('SOUTH', {});
    associations.set('SOUTH', { id: 'SOUTH', config: south, secrets: [southSecret], sink: southSink.sink });
    expect(await toSouth(southSecret)).toBe(202);

    const rotated = 'south-next-year-secret-000000';
    associations.set('SOUTH', { ...associations.get('SOUTH')!, secrets: [rotated] });
    expect(await toSouth(southSecret)).toBe(401);
    expect(await toSouth(rotated)).toBe(202);

    associations.delete('SOUTH');
    expect(await toSouth(rotated)).toBe(404);
    expect(southSink.sent.map((batch) => batch.map((e) => e.id))).toEqual([['S4-j'], ['S4-j']]);
    expect(reached().sent).toEqual([]);
  });
});
