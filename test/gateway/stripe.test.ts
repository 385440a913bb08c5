// Stripe webhooks and Standard Webhooks signatures at the gateway, with a recording sink: what each
// Stripe event becomes (amounts in zero- and three-decimal currencies, due dates and periods in the
// association's zone, refunds and lost disputes), an event naming no member of the association
// (200, logged, nothing sent), Stripe signatures too far either way, and the native endpoints
// signed in the Standard Webhooks scheme with the association's secret in either form.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/server.js';
import type { EventSink } from '../../gateway/server.js';
import { signedTarget } from '../../gateway/signature.js';
import { standardHeaders, standardSecret, verifyStandard } from '../../gateway/standard-webhooks.js';
import { currencyUnits, stripeToLifecycle } from '../../gateway/stripe.js';
import { StripeMembers } from '../../gateway/stripe-members.js';
import { isTemporalUnavailable } from '../../gateway/unavailable.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import type { UnmatchedBillingReport } from '../../schemas/unmatched-billing.js';
import { association } from '../helpers.js';
import { failedCall } from './grpc-error.js';
import {
  charge,
  chargeRefunded,
  dispute,
  disputeClosed,
  invoice,
  invoiceEvent,
  seconds,
  stripeDelivery,
} from '../stripe-fixtures.js';
import type { InvoiceOptions } from '../stripe-fixtures.js';

const chicago = association({}, { association: { id: 'TEST', timezone: 'America/Chicago' } });
const nativeSecret = 'a-native-secret-of-some-length';
const stripeSecret = 'whsec_c3RyaXBlLXVuaXQtdGVzdC1zZWNyZXQ=';

const month: InvoiceOptions = {
  id: 'in_U1',
  memberId: 'U1',
  membershipType: 'REALTOR',
  amount: 5000,
  billingReason: 'subscription_create',
  // 2026-07-01T05:00Z is midnight in Chicago: the period is July, local.
  period: { start: seconds('2026-07-01T05:00:00Z'), end: seconds('2026-08-01T05:00:00Z') },
  finalizedAt: seconds('2026-07-01T06:00:00Z'),
};

describe('Stripe events as lifecycle events', () => {
  it('turns a first invoice into joined and invoiceIssued: amount in units, due date and period in the association zone', () => {
    const sendInvoice = invoice({ ...month, dueDate: seconds('2026-07-16T03:00:00Z') });
    const mapped = stripeToLifecycle(
      invoiceEvent('evt_U1_fin', 'invoice.finalized', sendInvoice, month.finalizedAt),
      chicago,
      new StripeMembers(),
    );
    expect(mapped).toEqual({
      kind: 'events',
      events: [
        {
          id: 'stripe:joined:in_U1',
          type: 'joined',
          memberId: 'U1',
          at: '2026-07-01T06:00:00.000Z',
          membershipType: 'REALTOR',
        },
        {
          // One id for the invoice, whichever event issues it first.
          id: 'stripe:issued:in_U1',
          type: 'invoiceIssued',
          memberId: 'U1',
          at: '2026-07-01T06:00:00.000Z',
          invoiceId: 'in_U1',
          amount: 50,
          // 03:00Z on July 16 is still July 15 in Chicago.
          dueDate: '2026-07-15',
          coversFrom: '2026-07-01',
          coversThrough: '2026-07-31',
        },
      ],
    });
  });

  it('turns a voided invoice into invoiceVoided, dated when it was voided, after the invoice it voids', () => {
    const voided = invoice({ ...month, voidedAt: seconds('2026-07-03T12:00:00Z') });
    expect(stripeToLifecycle(invoiceEvent('evt_V', 'invoice.voided', voided, 0), chicago, new StripeMembers())).toEqual(
      {
        kind: 'events',
        events: [
          // The invoice as finalized, under its one id: a void arriving before the finalization voids it all the same.
          expect.objectContaining({ id: 'stripe:issued:in_U1', type: 'invoiceIssued', at: '2026-07-01T06:00:00.000Z' }),
          { id: 'evt_V', type: 'invoiceVoided', memberId: 'U1', at: '2026-07-03T12:00:00.000Z', invoiceId: 'in_U1' },
        ],
      },
    );
  });

  it('reads amounts in zero-decimal and three-decimal currencies as they are', () => {
    expect(currencyUnits(5000, 'JPY')).toBe(5000);
    expect(currencyUnits(5000, 'krw')).toBe(5000);
    expect(currencyUnits(5000, 'usd')).toBe(50);
    expect(currencyUnits(5000, 'kwd')).toBe(5);
    const yen = stripeToLifecycle(
      invoiceEvent(
        'evt_Y',
        'invoice.paid',
        invoice({ ...month, currency: 'jpy', amount: 6000, paidAt: month.finalizedAt + 60 }),
        0,
      ),
      chicago,
      new StripeMembers(),
    );
    expect(yen).toMatchObject({
      kind: 'events',
      events: [
        { type: 'joined' },
        { type: 'invoiceIssued', amount: 6000 },
        { type: 'paymentPosted', amount: 6000, paymentId: 'pi_in_U1' },
      ],
    });
  });

  it('finds the member of a refund or a lost dispute from the invoice that was paid; a partial refund takes what it grew by', () => {
    const known = new StripeMembers();
    stripeToLifecycle(
      invoiceEvent(
        'evt_P',
        'invoice.paid',
        invoice({ ...month, customer: 'cus_U1', paidAt: month.finalizedAt + 60, paymentIntent: 'pi_U1' }),
        0,
      ),
      chicago,
      known,
    );
    const refunded = charge({ id: 'ch_U1', paymentIntent: 'pi_U1', amount: 5000, amountRefunded: 3000, created: 0 });
    expect(
      stripeToLifecycle(chargeRefunded('evt_R', refunded, seconds('2026-07-10T00:00:00Z'), 1000), chicago, known),
    ).toEqual({
      kind: 'events',
      events: [
        {
          id: 'evt_R',
          type: 'paymentReversed',
          memberId: 'U1',
          at: '2026-07-10T00:00:00.000Z',
          paymentId: 'pi_U1',
          amount: 20,
          reason: 'refund',
        },
      ],
    });
    const lost = dispute({
      id: 'dp_U1',
      charge: 'ch_U1',
      paymentIntent: 'pi_U1',
      amount: 2000,
      status: 'lost',
      created: 0,
    });
    expect(stripeToLifecycle(disputeClosed('evt_D', lost, 0), chicago, known)).toMatchObject({
      kind: 'events',
      events: [{ type: 'paymentReversed', memberId: 'U1', paymentId: 'pi_U1', amount: 20, reason: 'chargeback' }],
    });
    expect(stripeToLifecycle(disputeClosed('evt_W', { ...lost, status: 'won' }, 0), chicago, known).kind).toBe(
      'ignored',
    );
    // A gateway that saw no invoice paid by it cannot name the member.
    expect(stripeToLifecycle(chargeRefunded('evt_R2', refunded, 0), chicago, new StripeMembers()).kind).toBe(
      'unmatched',
    );
  });

  it('names no member for an invoice without the metadata, or one whose metadata names another association', () => {
    const members = new StripeMembers();
    const { memberId: _memberId, ...anonymous } = month;
    expect(
      stripeToLifecycle(invoiceEvent('evt_A', 'invoice.finalized', invoice(anonymous), 0), chicago, members),
    ).toMatchObject({
      kind: 'unmatched',
      reason: expect.stringContaining('names no member (metadata standing_member_id)'),
    });
    expect(
      stripeToLifecycle(
        invoiceEvent('evt_B', 'invoice.finalized', invoice({ ...month, association: 'LAKE' }), 0),
        chicago,
        members,
      ),
    ).toMatchObject({ kind: 'unmatched', reason: expect.stringContaining("is association LAKE's") });
  });
});

const running: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

async function gateway(options: { temporalDown?: boolean; stateDir?: string } = {}) {
  const sent: LifecycleEvent[][] = [];
  const reported: UnmatchedBillingReport[] = [];
  const logged: string[] = [];
  const sink: EventSink = {
    async sendHistory(events) {
      sent.push([...events]);
      return Promise.resolve([...new Set(events.map((event) => `membership/TEST/${event.memberId}`))]);
    },
    async standing() {
      return Promise.resolve(null);
    },
    async reportUnmatched(report) {
      if (options.temporalDown) throw failedCall(status.UNAVAILABLE, 'No connection established');
      reported.push(report);
      return Promise.resolve();
    },
  };
  const app = await buildGateway({
    associations: () =>
      new Map([
        ['TEST', { id: 'TEST', config: chicago, secrets: [nativeSecret], stripeSecrets: [stripeSecret], sink }],
      ]),
    reachable: async () => Promise.resolve(true),
    isUnavailable: isTemporalUnavailable,
    log: (line) => logged.push(line),
    ...(options.stateDir ? { stripeMembers: (id: string) => StripeMembers.open(options.stateDir!, id) } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  running.push(app);
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { url, sent, reported, logged, post };
}

describe('POST /v1/associations/{id}/stripe', () => {
  it('answers 200 for an event naming no member, reports it where staff look, and sends nothing', async () => {
    const { sent, reported, logged, post } = await gateway();
    const { memberId: _memberId, ...anonymous } = month;
    const { body, headers } = stripeDelivery(
      invoiceEvent('evt_N', 'invoice.finalized', invoice(anonymous), 0),
      stripeSecret,
    );
    expect(await post('/v1/associations/TEST/stripe', body, headers)).toMatchObject({
      status: 200,
      body: { received: true, applied: 0, unmatched: expect.stringContaining('evt_N') },
    });
    expect(sent).toEqual([]);
    expect(reported).toEqual([
      {
        associationId: 'TEST',
        source: 'stripe',
        eventId: 'evt_N',
        eventType: 'invoice.finalized',
        reason: expect.stringMatching(/^invoice.finalized evt_N: .*names no member/),
        receivedAt: expect.any(String),
      },
    ]);
    expect(logged).toEqual([
      expect.stringMatching(/^association TEST: Stripe invoice.finalized evt_N: .*names no member.*reported/),
    ]);
  });

  it('finds the member of a refund after a restart: the payment was journaled before the 200', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'stripe-state-'));
    try {
      const before = await gateway({ stateDir });
      const paid = stripeDelivery(
        invoiceEvent(
          'evt_RS_paid',
          'invoice.paid',
          invoice({ ...month, paidAt: month.finalizedAt, paymentIntent: 'pi_RS' }),
          month.finalizedAt,
        ),
        stripeSecret,
      );
      expect((await before.post('/v1/associations/TEST/stripe', paid.body, paid.headers)).status).toBe(200);
      await Promise.all(running.splice(0).map((app) => app.close()));
      const after = await gateway({ stateDir });
      const refund = stripeDelivery(
        chargeRefunded(
          'evt_RS_refund',
          charge({ id: 'ch_RS', paymentIntent: 'pi_RS', amount: 5000, amountRefunded: 5000, created: 0 }),
          month.finalizedAt + 86_400,
          0,
        ),
        stripeSecret,
      );
      expect(await after.post('/v1/associations/TEST/stripe', refund.body, refund.headers)).toMatchObject({
        status: 200,
        body: { applied: 1 },
      });
      expect(after.sent.flat()).toEqual([
        expect.objectContaining({ id: 'evt_RS_refund', type: 'paymentReversed', memberId: 'U1', paymentId: 'pi_RS' }),
      ]);
      // Without the journal, the restarted gateway would not know the payment.
      const forgetful = await gateway();
      expect(await forgetful.post('/v1/associations/TEST/stripe', refund.body, refund.headers)).toMatchObject({
        status: 200,
        body: { applied: 0, unmatched: expect.stringContaining('ch_RS') },
      });
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('answers 503 when the report of an unmatched event cannot be opened, so Stripe sends it again', async () => {
    const { reported, post } = await gateway({ temporalDown: true });
    const { memberId: _memberId, ...anonymous } = month;
    const { body, headers } = stripeDelivery(
      invoiceEvent('evt_N2', 'invoice.finalized', invoice(anonymous), 0),
      stripeSecret,
    );
    expect(await post('/v1/associations/TEST/stripe', body, headers)).toMatchObject({ status: 503 });
    expect(reported).toEqual([]);
  });

  it('sends what it maps, and answers 200 to a type it does not map', async () => {
    const { sent, post } = await gateway();
    const paid = stripeDelivery(
      invoiceEvent('evt_OK', 'invoice.paid', invoice({ ...month, paidAt: month.finalizedAt }), 0),
      stripeSecret,
    );
    expect(await post('/v1/associations/TEST/stripe', paid.body, paid.headers)).toMatchObject({
      status: 200,
      body: { applied: 3, workflowIds: ['membership/TEST/U1'] },
    });
    expect(sent.flat().map((event) => event.id)).toEqual(['stripe:joined:in_U1', 'stripe:issued:in_U1', 'evt_OK']);
    const sentEvent: Stripe.InvoiceSentEvent = {
      ...(invoiceEvent('evt_X', 'invoice.voided', invoice(month), 0) as Stripe.InvoiceVoidedEvent),
      type: 'invoice.sent',
    };
    const other = stripeDelivery(sentEvent, stripeSecret);
    expect(await post('/v1/associations/TEST/stripe', other.body, other.headers)).toMatchObject({
      status: 200,
      body: { applied: 0 },
    });
    expect(sent).toHaveLength(1);
  });

  it('answers 401 on /stripe for an association with no Stripe endpoint secret, its body unread', async () => {
    const app = await buildGateway({
      associations: () =>
        new Map([
          [
            'TEST',
            {
              id: 'TEST',
              config: chicago,
              secrets: [nativeSecret],
              sink: {
                sendHistory: () => Promise.reject(new Error('none')),
                standing: () => Promise.resolve(null),
                reportUnmatched: () => Promise.reject(new Error('none')),
              },
            },
          ],
        ]),
      reachable: async () => Promise.resolve(true),
      isUnavailable: isTemporalUnavailable,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    running.push(app);
    const { body, headers } = stripeDelivery(
      invoiceEvent('evt_Z', 'invoice.finalized', invoice(month), 0),
      stripeSecret,
    );
    const response = await fetch(`${url}/v1/associations/TEST/stripe`, { method: 'POST', headers, body });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 401,
      body: {
        error: 'unauthorized',
        message:
          'association TEST has no Stripe endpoint secret configured: it takes no Stripe webhooks until it has one',
      },
    });
  });

  it('refuses a Stripe signature made too far ahead, or too long ago, of the gateway clock, or with the native secret', async () => {
    const { sent, post } = await gateway();
    const event = invoiceEvent('evt_T', 'invoice.paid', invoice({ ...month, paidAt: month.finalizedAt }), 0);
    const now = Math.floor(Date.now() / 1000);
    for (const [timestamp, message] of [
      [now + 400, 'ahead of'],
      [now - 400, 'older than'],
    ] as const) {
      const { body, headers } = stripeDelivery(event, stripeSecret, timestamp);
      expect(await post('/v1/associations/TEST/stripe', body, headers)).toMatchObject({
        status: 401,
        body: { message: expect.stringContaining(message) },
      });
    }
    const { body, headers } = stripeDelivery(event, nativeSecret);
    expect((await post('/v1/associations/TEST/stripe', body, headers)).status).toBe(401);
    expect(sent).toEqual([]);
  });
});

describe('Standard Webhooks signatures on the native endpoints', () => {
  const event = { id: 'SW-j', type: 'joined', memberId: 'SW1', at: '2026-07-01T12:00:00Z', membershipType: 'REALTOR' };

  it('takes an event signed with the association secret in whsec_ form, and still the Standing-Signature', async () => {
    const { sent, post } = await gateway();
    const body = JSON.stringify(event);
    expect(
      (await post('/v1/associations/TEST/events', body, standardHeaders(nativeSecret, body, 'msg_1'))).status,
    ).toBe(202);
    expect(sent).toHaveLength(1);
    // The same key, as a sender's Standard Webhooks library is given it.
    expect(standardSecret(nativeSecret)).toBe(`whsec_${Buffer.from(nativeSecret).toString('base64')}`);
    expect(standardSecret(stripeSecret)).toBe(stripeSecret);
  });

  it('refuses another secret, a stale or future timestamp, and a missing header, naming it', async () => {
    const { sent, post } = await gateway();
    const body = JSON.stringify(event);
    const path = '/v1/associations/TEST/events';
    expect(await post(path, body, standardHeaders('some-other-secret-entirely', body, 'msg_2'))).toMatchObject({
      status: 401,
      body: { message: 'signature does not match' },
    });
    for (const skew of [-10 * 60_000, 10 * 60_000])
      expect(await post(path, body, standardHeaders(nativeSecret, body, 'msg_3', Date.now() + skew))).toMatchObject({
        status: 401,
        body: { message: expect.stringContaining('webhook-timestamp is more than 300 seconds') },
      });
    const { 'webhook-id': _id, ...noId } = standardHeaders(nativeSecret, body, 'msg_4');
    expect(await post(path, body, noId)).toMatchObject({ status: 401, body: { message: 'missing webhook-id header' } });
    expect(sent).toEqual([]);
  });

  it('signs a member read over its request target', async () => {
    const { url } = await gateway();
    const path = '/v1/associations/TEST/members/SW1';
    const headers = standardHeaders(nativeSecret, signedTarget(path), 'msg_5');
    // No such member (the sink knows none): past the signature, to the 404.
    expect((await fetch(`${url}${path}`, { headers })).status).toBe(404);
    const other = standardHeaders(nativeSecret, signedTarget('/v1/associations/TEST/members/SW2'), 'msg_6');
    expect((await fetch(`${url}${path}`, { headers: other })).status).toBe(401);
    const now = Date.now();
    const verdict = verifyStandard(
      [nativeSecret],
      (name) => standardHeaders(nativeSecret, 'x', 'msg_7', now)[name],
      Buffer.from('x'),
      now,
      300,
    );
    expect(verdict).toEqual({ ok: true });
  });
});
