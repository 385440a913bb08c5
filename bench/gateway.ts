// npm run bench:gateway [-- --members 500 --concurrency 20]
// Signed billing events through the gateway (HTTP, HMAC check, zod, signal-with-start) into the
// membership workflows: events per second and p50/p99 of the 202, against the same kind of events
// sent straight through MembershipClient (the same signal-with-start, no HTTP) as the baseline.
// Then Stripe's webhooks through /stripe (Stripe's signature checked with its library, the event
// mapped): a member's first invoice finalized and paid, each one Stripe event per request, with
// events per second and p99 of the 200 as a ratio to the native path's in the same run.
// A benchmark, not a test.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pLimit from 'p-limit';
import { MembershipClient } from '../client/membership-client.js';
import { buildGateway } from '../gateway/server.js';
import { signedHeaders } from '../gateway/signature.js';
import { temporalSinks } from '../gateway/temporal-sink.js';
import { isTemporalUnavailable } from '../gateway/unavailable.js';
import type { LifecycleEventInput } from '../schemas/events.js';
import { invoice, invoiceEvent, stripeDelivery } from '../test/stripe-fixtures.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { liveBenchAssociation } from './association.js';
import { startBenchDevServer } from './dev-server.js';

const { values } = parseArgs({
  options: { members: { type: 'string', default: '500' }, concurrency: { type: 'string', default: '20' } },
});
const members = Number(values.members);
const concurrency = Number(values.concurrency);
const secret = 'bench-secret-0123456789abcdef';
const stripeSecret = 'whsec_YmVuY2gtc3RyaXBlLWVuZHBvaW50LXNlY3JldA==';

const association = liveBenchAssociation();

Runtime.install({ logger: new DefaultLogger('ERROR') });
const { env, folder, teardown } = await startBenchDevServer('gateway');
console.log(`Temporal dev server (SQLite with WAL in ${folder}), a worker, and the gateway…`);
const worker = fork(join(import.meta.dirname, 'runtime-worker.ts'), {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, TEMPORAL_ADDRESS: env.address },
});
await new Promise((resolve) => worker.once('message', resolve));
// The runtime worker polls the legacy queue: the association is served there, in the server's namespace.
const sinks = temporalSinks(env.connection);
const served = {
  id: association.association.id,
  config: association,
  secrets: [secret],
  stripeSecrets: [stripeSecret],
  sink: sinks.sinkFor({ config: association, namespace: env.namespace ?? 'default', taskQueue: TASK_QUEUE }),
};
const gateway = await buildGateway({
  associations: () => new Map([[served.id, served]]),
  reachable: sinks.reachable,
  isUnavailable: isTemporalUnavailable,
});
const listening = await gateway.listen({ host: '127.0.0.1', port: 0 });
const url = `${listening}/v1/associations/${served.id}/events`;
const stripeUrl = `${listening}/v1/associations/${served.id}/stripe`;
const client = new MembershipClient(env.client, association, TASK_QUEUE);

/** A member's first month: joined, invoiced, paid; each event sent on its own, as live billing does. */
function cycle(memberId: string): LifecycleEventInput[] {
  const today = new Date().toISOString().slice(0, 10);
  const at = new Date().toISOString();
  return [
    { id: `${memberId}-j`, type: 'joined', memberId, at, membershipType: 'REALTOR' },
    {
      id: `${memberId}-i`,
      type: 'invoiceIssued',
      memberId,
      at,
      invoiceId: 'DUES',
      amount: 500,
      coversFrom: today,
      coversThrough: today,
    },
    { id: `${memberId}-p`, type: 'paymentPosted', memberId, at, paymentId: 'PAY', invoiceId: 'DUES', amount: 500 },
  ];
}

interface Result {
  readonly eventsPerSecond: number;
  readonly latencies: number[];
}

/** A member's first month as Stripe sends it: the subscription's first invoice finalized, then paid. */
function stripeCycle(memberId: string): string[] {
  const now = Math.floor(Date.now() / 1000);
  const options = {
    id: `in_${memberId}`,
    memberId,
    membershipType: 'REALTOR',
    amount: 50_000,
    billingReason: 'subscription_create' as const,
    period: { start: now, end: now + 86_400 },
    finalizedAt: now,
  };
  return [
    invoiceEvent(`evt_${memberId}_f`, 'invoice.finalized', invoice(options), now),
    invoiceEvent(`evt_${memberId}_p`, 'invoice.paid', invoice({ ...options, paidAt: now }), now),
  ].map((event) => JSON.stringify(event));
}

async function phase<T>(
  name: string,
  prefix: string,
  send: (event: T) => Promise<void>,
  events: (memberId: string) => T[],
): Promise<Result> {
  const limit = pLimit(concurrency);
  const latencies: number[] = [];
  let done = 0;
  let count = 0;
  const progress = setInterval(() => process.stderr.write(`  ${name}: ${done}/${members} members\n`), 5_000);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: members }, (_, index) =>
      limit(async () => {
        for (const event of events(`${prefix}${String(index).padStart(6, '0')}`)) {
          const sent = performance.now();
          await send(event);
          latencies.push(performance.now() - sent);
          count += 1;
        }
        done += 1;
      }),
    ),
  );
  clearInterval(progress);
  return { eventsPerSecond: (count / (performance.now() - started)) * 1000, latencies };
}

const viaGateway = await phase(
  'gateway',
  'G',
  async (event: LifecycleEventInput) => {
    const body = JSON.stringify(event);
    const response = await fetch(url, { method: 'POST', headers: signedHeaders(secret, body), body });
    if (response.status !== 202) throw new Error(`gateway answered ${response.status}: ${await response.text()}`);
  },
  cycle,
);
const viaStripe = await phase(
  'stripe',
  'S',
  async (event: string) => {
    const { body, headers } = stripeDelivery(JSON.parse(event), stripeSecret);
    const response = await fetch(stripeUrl, { method: 'POST', headers, body });
    const answer = (await response.json()) as { applied?: number };
    if (response.status !== 200 || !answer.applied)
      throw new Error(`/stripe answered ${response.status}: ${JSON.stringify(answer)}`);
  },
  stripeCycle,
);
const direct = await phase(
  'client',
  'C',
  async (event: LifecycleEventInput) => {
    await client.sendHistory([event]);
  },
  cycle,
);

// Every member must have ended active: the 202 meant the events got there.
const sample = await client.view('G000000');
const stripeSample = await client.view('S000000');
await gateway.close();
worker.send('stop');
await new Promise((resolve) => worker.once('exit', resolve));
await teardown();

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const row = (name: string, result: Result) =>
  `| ${name} | ${result.eventsPerSecond.toFixed(0)} | ${percentile(result.latencies, 50).toFixed(0)} ms | ${percentile(result.latencies, 99).toFixed(0)} ms |`;
console.log(
  `\n${members.toLocaleString('en-US')} members x 3 events (2 Stripe events), concurrency ${concurrency}; sample members ended ${sample?.member?.state ?? 'missing'} (native), ${stripeSample?.member?.state ?? 'missing'} (Stripe)\n`,
);
console.log('| path | events per second | p50 | p99 |\n| --- | --- | --- | --- |');
console.log(row('gateway (signed HTTP, one event per request)', viaGateway));
console.log(row('stripe (Stripe-Signature, one Stripe event per request)', viaStripe));
console.log(row('client (signal-with-start, no HTTP)', direct));
console.log(
  `\nthroughput ratio, gateway / client: ${(viaGateway.eventsPerSecond / direct.eventsPerSecond).toFixed(2)}`,
);
console.log(
  `stripe / native gateway: events per second ${(viaStripe.eventsPerSecond / viaGateway.eventsPerSecond).toFixed(2)}, p99 ${(percentile(viaStripe.latencies, 99) / percentile(viaGateway.latencies, 99)).toFixed(2)}`,
);
process.exit(0);
