// GET /v1/associations/{id}/members/{memberId} in front of the real dev server: a billing system learns that an
// event the gateway accepted (202) was refused by the member, and why; 404 and 503 as documented.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders, signedTarget } from '../../gateway/signature.js';
import { association } from '../helpers.js';
import { gatewayTo, startGatewayOnDevServer } from './gateway-fixture.js';
import type { GatewayOnDevServer } from './gateway-fixture.js';

const secret = 'member-read-secret-0123456789';
const config = association();

describe('reading a member back through the gateway', () => {
  let running: GatewayOnDevServer;
  let url: string;

  beforeAll(async () => {
    running = await startGatewayOnDevServer([{ config, secrets: [secret] }]);
    url = running.url;
  });

  afterAll(async () => {
    await running?.stop();
  });

  const get = async (base: string, memberId: string) => {
    const path = `/v1/associations/TEST/members/${memberId}`;
    const response = await fetch(`${base}${path}`, { headers: signedHeaders(secret, signedTarget(path)) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
  const today = new Date().toISOString().slice(0, 10);
  const nextYear = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;

  it('lists an accepted event the member refused, with the reason, beside its state and paid-through', async () => {
    const events = [
      { id: 'R1-j', type: 'joined', memberId: 'R1', at: at(40), membershipType: 'REALTOR' },
      ...['DUES', 'WRONG'].map((invoiceId, index) => ({
        id: `R1-${invoiceId}`,
        type: 'invoiceIssued',
        memberId: 'R1',
        at: at(30 - index),
        invoiceId,
        amount: 500,
        coversFrom: today,
        coversThrough: nextYear,
      })),
      { id: 'R1-void', type: 'invoiceVoided', memberId: 'R1', at: at(20), invoiceId: 'WRONG' },
      {
        id: 'R1-pay',
        type: 'paymentPosted',
        memberId: 'R1',
        at: at(10),
        paymentId: 'P1',
        invoiceId: 'DUES',
        amount: 500,
      },
      {
        id: 'R1-late',
        type: 'paymentPosted',
        memberId: 'R1',
        at: at(5),
        paymentId: 'P2',
        invoiceId: 'WRONG',
        amount: 500,
      },
    ];
    const body = JSON.stringify(events);
    const posted = await fetch(`${url}/v1/associations/TEST/events`, {
      method: 'POST',
      headers: signedHeaders(secret, body),
      body,
    });
    expect(posted.status).toBe(202);
    await expect
      .poll(() => get(url, 'R1'), { timeout: 15_000, interval: 200 })
      .toEqual({
        status: 200,
        body: {
          memberId: 'R1',
          state: 'active',
          paidThrough: nextYear,
          rejected: [{ id: 'R1-late', reason: 'invoice WRONG is voided; a payment cannot be applied to it' }],
        },
      });
  });

  it('answers 404 for a member that has no workflow', async () => {
    expect(await get(url, 'NOBODY')).toEqual({
      status: 404,
      body: { error: 'not-found', message: 'no member NOBODY in association TEST' },
    });
  });

  it('answers 503 when Temporal cannot be reached', async () => {
    const down = await gatewayTo('127.0.0.1:1', [{ config, secrets: [secret] }]);
    try {
      expect(await get(down.url, 'R1')).toMatchObject({ status: 503, body: { error: 'unavailable' } });
    } finally {
      await down.close();
    }
  });
});
