// Stripe's webhooks through the gateway on the dev server: a month of a member's subscription
// billing (two invoices finalized and paid, then a refund) sent as Stripe sends it (signed by its
// library, duplicated, a payment before its invoice) ends exactly where `standing simulate` puts the
// equivalent lifecycle events; a bad, stale, future or other association's signature signals nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { validateEvent } from '../../client/membership-client.js';
import { UnmatchedBillingClient } from '../../client/unmatched-billing.js';
import { associationTaskQueue } from '../../workflows/messages.js';
import type { MembershipClient } from '../../client/membership-client.js';
import type { LifecycleEventInput } from '../../schemas/events.js';
import { association } from '../helpers.js';
import { charge, chargeRefunded, invoice, invoiceEvent, stripeDelivery } from '../stripe-fixtures.js';
import type { InvoiceOptions } from '../stripe-fixtures.js';
import { simulated } from '../workflow/deliver.js';
import { startGatewayOnDevServer } from './gateway-fixture.js';
import type { GatewayOnDevServer } from './gateway-fixture.js';
import { namespaceFor } from './dev-server.js';
import type Stripe from 'stripe';

const config = association();
const stripeSecret = 'whsec_dGVzdC1zdHJpcGUtZW5kcG9pbnQtc2VjcmV0';
const lake = association({}, { association: { id: 'LAKE', timezone: 'America/New_York' } });
const lakeStripeSecret = 'whsec_bGFrZS1zdHJpcGUtZW5kcG9pbnQtc2VjcmV0';

const day = 86_400;
const date = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);
const iso = (unix: number) => new Date(unix * 1000).toISOString();

describe('Stripe webhooks through the gateway on the dev server', () => {
  let running: GatewayOnDevServer;
  let client: MembershipClient;

  beforeAll(async () => {
    running = await startGatewayOnDevServer([
      { config, secrets: ['stripe-test-native-secret-0123'], stripeSecrets: [stripeSecret] },
      {
        config: lake,
        secrets: ['stripe-lake-native-secret-0123'],
        stripeSecrets: [lakeStripeSecret],
        namespace: namespaceFor('stripe-lake'),
      },
    ]);
    client = running.clientOf('TEST');
  });
  afterAll(async () => {
    await running?.stop();
  });

  const deliver = async (
    event: Stripe.Event,
    secret = stripeSecret,
    path = '/v1/associations/TEST/stripe',
    timestamp?: number,
  ) => {
    const { body, headers } = stripeDelivery(event, secret, timestamp);
    const response = await fetch(`${running.url}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('leaves a month of billing and a refund, duplicated and out of order, where simulate puts the same events', async () => {
    const memberId = 'SM1';
    const now = Math.floor(Date.now() / 1000);
    // Month 1 ended at today's midnight (UTC, the association's zone); month 2's events since then, in order,
    // so no deadline falls between an event and the present when it is delivered, as with live billing.
    const midnight = Math.floor(now / day) * day;
    const since = now - midnight;
    const month1: InvoiceOptions = {
      id: 'in_SM1_1',
      memberId,
      membershipType: 'REALTOR',
      customer: 'cus_SM1',
      amount: 5000,
      billingReason: 'subscription_create',
      period: { start: midnight - 30 * day, end: midnight },
      finalizedAt: midnight - 30 * day + 60,
      paymentIntent: 'pi_SM1_1',
    };
    const paid1 = { ...month1, paidAt: midnight - 30 * day + 120 };
    const month2: InvoiceOptions = {
      ...month1,
      id: 'in_SM1_2',
      billingReason: 'subscription_cycle',
      period: { start: midnight, end: midnight + 30 * day },
      finalizedAt: midnight + Math.floor(since / 4),
      paymentIntent: 'pi_SM1_2',
    };
    const paid2 = { ...month2, paidAt: midnight + Math.floor(since / 2) };
    const refundedAt = midnight + Math.floor((3 * since) / 4);

    const finalized1 = invoiceEvent('evt_SM1_fin1', 'invoice.finalized', invoice(month1), month1.finalizedAt);
    const paidEvent1 = invoiceEvent('evt_SM1_paid1', 'invoice.paid', invoice(paid1), paid1.paidAt);
    const finalized2 = invoiceEvent('evt_SM1_fin2', 'invoice.finalized', invoice(month2), month2.finalizedAt);
    const paidEvent2 = invoiceEvent('evt_SM1_paid2', 'invoice.paid', invoice(paid2), paid2.paidAt);
    const refund = chargeRefunded(
      'evt_SM1_refund',
      charge({
        id: 'ch_SM1_2',
        paymentIntent: 'pi_SM1_2',
        customer: 'cus_SM1',
        amount: 5000,
        amountRefunded: 5000,
        created: paid2.paidAt,
      }),
      refundedAt,
      0,
    );

    // The payment before its invoice, the invoice twice, month 2's payment twice.
    for (const event of [paidEvent1, finalized1, finalized1, finalized2, paidEvent2, paidEvent2, refund])
      expect(await deliver(event), event.id).toMatchObject({ status: 200, body: { received: true } });

    // The same month as lifecycle events, in order, as a billing system would have sent them.
    const equivalent: LifecycleEventInput[] = [
      {
        id: 'stripe:joined:in_SM1_1',
        type: 'joined',
        memberId,
        at: iso(month1.finalizedAt),
        membershipType: 'REALTOR',
      },
      {
        id: 'stripe:issued:in_SM1_1',
        type: 'invoiceIssued',
        memberId,
        at: iso(month1.finalizedAt),
        invoiceId: 'in_SM1_1',
        amount: 50,
        dueDate: date(month1.finalizedAt),
        coversFrom: date(midnight - 30 * day),
        coversThrough: date(midnight - day),
      },
      {
        id: 'evt_SM1_paid1',
        type: 'paymentPosted',
        memberId,
        at: iso(paid1.paidAt),
        paymentId: 'pi_SM1_1',
        invoiceId: 'in_SM1_1',
        amount: 50,
      },
      {
        id: 'stripe:issued:in_SM1_2',
        type: 'invoiceIssued',
        memberId,
        at: iso(month2.finalizedAt),
        invoiceId: 'in_SM1_2',
        amount: 50,
        dueDate: date(month2.finalizedAt),
        coversFrom: date(midnight),
        coversThrough: date(midnight + 29 * day),
      },
      {
        id: 'evt_SM1_paid2',
        type: 'paymentPosted',
        memberId,
        at: iso(paid2.paidAt),
        paymentId: 'pi_SM1_2',
        invoiceId: 'in_SM1_2',
        amount: 50,
      },
      {
        id: 'evt_SM1_refund',
        type: 'paymentReversed',
        memberId,
        at: iso(refundedAt),
        paymentId: 'pi_SM1_2',
        amount: 50,
        reason: 'refund',
      },
    ];
    const expected = simulated(config, equivalent.map(validateEvent), new Date().toISOString())[0]!;
    // The refund put the member back in past due: what simulate says, and what the workflow holds.
    expect(expected).toMatchObject({ state: 'pastDue', paidThrough: date(midnight - day), rejected: [] });
    expect(expected.timeline.at(-1)).toMatchObject({ cause: 'paymentReversed', change: 'pastDue' });
    // Sent before its invoice's finalization, month 1's payment carried the invoice (as every Stripe
    // invoice event does): issued, then paid, as in order, so the payment activated the member.
    expect(expected.timeline[0]).toMatchObject({ cause: 'paymentPosted', change: 'activated' });
    await expect.poll(async () => (await client.view(memberId))?.member, { timeout: 30_000 }).toEqual(expected);
  }, 60_000);

  it('reports a refund naming no member where staff look, once however often Stripe retries it, in its own association only', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refund = chargeRefunded(
      'evt_NOBODY_refund',
      charge({ id: 'ch_NOBODY', paymentIntent: 'pi_NOBODY', amount: 5000, amountRefunded: 5000, created: now - 60 }),
      now,
      0,
    );
    for (let delivery = 0; delivery < 2; delivery += 1)
      expect(await deliver(refund)).toMatchObject({
        status: 200,
        body: { applied: 0, unmatched: expect.stringContaining('charge ch_NOBODY') },
      });
    const testReports = new UnmatchedBillingClient(running.server.env.client, 'TEST', associationTaskQueue('TEST'));
    const lakeReports = new UnmatchedBillingClient(
      new Client({ connection: running.server.env.connection, namespace: namespaceFor('stripe-lake') }),
      'LAKE',
      associationTaskQueue('LAKE'),
    );
    await expect
      .poll(() => testReports.open(), { timeout: 15_000 })
      .toEqual([
        expect.objectContaining({
          source: 'stripe',
          eventId: 'evt_NOBODY_refund',
          eventType: 'charge.refunded',
          workflowId: 'unmatched-billing/TEST/evt_NOBODY_refund',
        }),
      ]);
    expect(await lakeReports.open()).toEqual([]);
    const outcome = await testReports.dismiss('evt_NOBODY_refund', { by: 'desk', reason: 'not ours' });
    expect(outcome.dismissed).toMatchObject({ by: 'desk', reason: 'not ours' });
    await expect.poll(() => testReports.open(), { timeout: 15_000 }).toEqual([]);
    // Stripe retrying after staff dismissed it opens no new report.
    expect((await deliver(refund)).status).toBe(200);
    expect(await testReports.open()).toEqual([]);
  });

  it('signals nothing for a bad signature, a stale or future one, or one signed for another association', async () => {
    const memberId = 'SM2';
    const now = Math.floor(Date.now() / 1000);
    const options: InvoiceOptions = {
      id: 'in_SM2_1',
      memberId,
      membershipType: 'REALTOR',
      amount: 5000,
      billingReason: 'subscription_create',
      period: { start: now - 60, end: now + 30 * day },
      finalizedAt: now - 60,
    };
    const event = invoiceEvent('evt_SM2_fin', 'invoice.finalized', invoice(options), now - 60);
    expect(await deliver(event, 'whsec_c29tZS1vdGhlci1zZWNyZXQtZW50aXJlbHk=')).toMatchObject({
      status: 401,
      body: { message: 'signature does not match' },
    });
    expect(await deliver(event, stripeSecret, undefined, now - 10 * 60)).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('older than') },
    });
    expect(await deliver(event, stripeSecret, undefined, now + 10 * 60)).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('ahead of') },
    });
    // LAKE's endpoint secret on TEST's path, and TEST's on LAKE's.
    expect((await deliver(event, lakeStripeSecret)).status).toBe(401);
    expect((await deliver(event, stripeSecret, '/v1/associations/LAKE/stripe')).status).toBe(401);
    // A body that is not what was signed.
    const { headers } = stripeDelivery(event, stripeSecret);
    const tampered = await fetch(`${running.url}/v1/associations/TEST/stripe`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...event, id: 'evt_other' }),
    });
    expect(tampered.status).toBe(401);
    expect(await client.view(memberId)).toBeNull();
    expect(await running.clientOf('LAKE').view(memberId)).toBeNull();
  });
});
