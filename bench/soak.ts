// npm run soak [-- --members 1000 --kills 10]
// 1,000 members through a billing cycle on the dev server while the worker is killed with SIGKILL and
// replaced at random moments, while their providers (the simulators, over HTTP) are told of every
// change. Reports events lost or applied twice, members
// whose state, paid-through or member status differ from simulate on the same events, and provider
// commands lost, applied twice or out of order. A soak run, not a test.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import proto from '@temporalio/proto';
import pLimit from 'p-limit';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { MembershipClient } from '../client/membership-client.js';
import type { LifecycleEvent } from '../schemas/events.js';
import { inTimeOrder, simulate } from '../simulate/run.js';
import { simulatedProviders } from '../provider-simulators/rules.js';
import { buildSimulator } from '../provider-simulators/server.js';
import type { LoggedRequest } from '../provider-simulators/state.js';
import { startBenchDevServer } from './dev-server.js';
import { benchAssociation } from './billing-history.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1000' },
    kills: { type: 'string', default: '10' },
    seed: { type: 'string', default: '7' },
  },
});
const members = Number(values.members);
const kills = Number(values.kills);
const rng = xoroshiro128plus(Number(values.seed));
const say = (line: string) => console.log(`[soak] ${line}`);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const { env, folder, teardown } = await startBenchDevServer('soak');
// One bundle for every worker incarnation, so a restart takes a moment, not a webpack build.
const bundle = join(folder, 'workflow-bundle.js');
await writeFile(bundle, await bundleWorkflows());
const configFile = join(folder, 'association.json');
await writeFile(configFile, JSON.stringify(benchAssociation));

// The providers: the simulators in this process (they are not what is being killed), already
// holding every member as Active, as real providers would for an onboarded roster.
const simulator = await buildSimulator();
const providersUrl = await simulator.listen({ host: '127.0.0.1', port: 0 });
const memberIds = Array.from({ length: members }, (_, index) => `K${String(index).padStart(5, '0')}`);
await simulator.inject({
  method: 'POST',
  url: '/admin/records',
  payload: {
    records: memberIds.flatMap((id) =>
      (['m1', 'mls', 'sentrilock'] as const).map((provider) => ({ provider, id, status: 'Active' })),
    ),
  },
});

const current: { worker: ChildProcess | null } = { worker: null };
function startWorker(): void {
  current.worker = fork(join(import.meta.dirname, '..', 'worker', 'main.ts'), {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      STANDING_CONFIG: configFile,
      STANDING_WORKFLOW_BUNDLE: bundle,
      STANDING_PROVIDERS_URL: providersUrl,
      STANDING_RECONCILE_CRON: 'off',
    },
    stdio: 'ignore',
  });
}
startWorker();

const client = new MembershipClient(env.client, benchAssociation);
const sent = new Map<string, LifecycleEvent[]>();
const nextMonth = (offset: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, offset === 0 ? 0 : 1))
    .toISOString()
    .slice(0, 10);
};
const monthEnd = nextMonth(0);
const coversFrom = nextMonth(1);
const coversThrough = new Date(Date.UTC(Number(coversFrom.slice(0, 4)), Number(coversFrom.slice(5, 7)), 0))
  .toISOString()
  .slice(0, 10);

/** The member's billing cycle, each event stamped as it is sent. */
async function cycle(index: number): Promise<void> {
  const memberId = memberIds[index]!;
  const events: LifecycleEvent[] = [];
  sent.set(memberId, events);
  const stamp = () => new Date().toISOString();
  const imported = {
    id: `${memberId}-import`,
    type: 'imported',
    memberId,
    at: stamp(),
    membershipType: 'REALTOR',
    role: 'primary',
    state: 'active',
    paidThrough: monthEnd,
  } as LifecycleEvent;
  events.push(imported);
  await client.importMember(imported);
  const invoice = {
    id: `${memberId}-inv`,
    type: 'invoiceIssued',
    memberId,
    at: stamp(),
    invoiceId: `INV-${memberId}`,
    amount: 50,
    coversFrom,
    coversThrough,
  } as LifecycleEvent;
  events.push(invoice);
  await client.send(invoice);
  // Some pay in two parts, some not at all.
  const plan = uniformInt(rng, 1, 10);
  const payments = plan <= 6 ? [50] : plan <= 9 ? [20, 30] : [];
  for (const [part, amount] of payments.entries()) {
    const payment = {
      id: `${memberId}-pay-${part}`,
      type: 'paymentPosted',
      memberId,
      at: stamp(),
      paymentId: `PAY-${memberId}-${part}`,
      invoiceId: `INV-${memberId}`,
      amount,
    } as LifecycleEvent;
    events.push(payment);
    await client.send(payment);
  }
  // A third are dropped by staff: M1, the MLS and the lockbox are told (the import's paid-through
  // has gone by, so the others are suspended by their timers, which tells the MLS and the lockbox).
  if (index % 3 === 0) {
    const drop = {
      id: `${memberId}-dropped`,
      type: 'dropped',
      memberId,
      at: stamp(),
      reason: 'resigned',
    } as LifecycleEvent;
    events.push(drop);
    await client.send(drop);
  }
}

say(`${members} members, ${kills} worker kills (SIGKILL) at random moments`);
const started = performance.now();
let killed = 0;
let sending = true;
const killer = (async () => {
  while (sending && killed < kills) {
    await sleep(uniformInt(rng, 500, 3000));
    if (!sending) break;
    current.worker?.kill('SIGKILL');
    killed += 1;
    await sleep(uniformInt(rng, 100, 1000));
    startWorker();
  }
})();
const limit = pLimit(20);
await Promise.all(Array.from({ length: members }, (_, index) => limit(() => cycle(index))));
sending = false;
await killer;
say(
  `sent ${[...sent.values()].reduce((sum, events) => sum + events.length, 0)} events in ${((performance.now() - started) / 1000).toFixed(1)} s; worker killed ${killed} times`,
);

// Every member's workflow must have caught up before it is compared.
const { EventType } = proto.temporal.api.enums.v1;
let lost = 0;
let twice = 0;
let differ = 0;
let firstRejection = '';
const until = Date.now();
for (const [memberId, events] of sent) {
  const expected = simulate(
    benchAssociation,
    inTimeOrder(events.map((event, index) => ({ line: index + 1, event }))),
    until,
  ).members[0]!;
  let view = (await client.view(memberId))?.member;
  for (let attempt = 0; attempt < 100 && view && JSON.stringify(view) !== JSON.stringify(expected); attempt += 1) {
    await sleep(100);
    view = (await client.view(memberId))?.member;
  }
  const history = await client.handle(memberId).fetchHistory();
  const signals = (history.events ?? []).filter(
    (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  ).length;
  const expectedSignals = events.length - 1; // the import travels with the start
  lost += Math.max(0, expectedSignals - signals);
  twice += Math.max(0, signals - expectedSignals) + (view?.rejected.length ?? 0);
  if (view?.rejected.length && !firstRejection)
    firstRejection = `${memberId}: ${JSON.stringify(view.rejected)} (simulate: ${JSON.stringify(expected.rejected)})`;
  if (
    !view ||
    view.state !== expected.state ||
    view.paidThrough !== expected.paidThrough ||
    view.memberStatus !== expected.memberStatus
  )
    differ += 1;
}

// Provider commands: once every delivery has settled, what each provider applied for a member (the
// simulator's log, replays of a known idempotency key left out) must be the member's deliveries,
// once each, in order.
let commandsSent = 0;
let commandsLost = 0;
let commandsTwice = 0;
let commandsOutOfOrder = 0;
const requests = (await simulator.inject({ method: 'GET', url: '/admin/requests' })).json<LoggedRequest[]>();
const applied = new Map<string, LoggedRequest[]>();
for (const request of requests) {
  if (request.method === 'GET' || request.replayed || request.statusCode >= 300) continue;
  const memberId = decodeURIComponent(request.url.split('/').at(request.provider === 'mls' ? -1 : -2)!);
  const key = `${memberId}/${request.provider}`;
  applied.set(key, [...(applied.get(key) ?? []), request]);
}
for (const memberId of sent.keys()) {
  let standing = await client.view(memberId);
  for (
    let attempt = 0;
    attempt < 300 && standing?.providerSync?.deliveries.some((d) => d.outcome === 'pending');
    attempt += 1
  ) {
    await sleep(100);
    standing = await client.view(memberId);
  }
  for (const provider of simulatedProviders) {
    const name = provider === 'sentrilock' ? 'lockbox' : provider;
    const deliveries = (standing?.providerSync?.deliveries ?? []).filter(
      (d) => d.provider === name && d.outcome !== 'superseded' && d.outcome !== 'skipped',
    );
    const writes = applied.get(`${memberId}/${provider}`) ?? [];
    commandsSent += deliveries.length;
    commandsLost += deliveries.filter((d) => d.outcome !== 'acknowledged').length;
    const keys = writes.map((w) => w.idempotencyKey);
    commandsTwice += keys.length - new Set(keys).size;
    if (
      JSON.stringify(writes.map((w) => w.requested)) !==
      JSON.stringify(deliveries.filter((d) => d.outcome === 'acknowledged').map((d) => d.status))
    )
      commandsOutOfOrder += 1;
  }
}
current.worker?.kill('SIGTERM');
await simulator.close();
await teardown();
say(
  `events lost: ${lost}; events applied twice: ${twice} (target 0)${firstRejection ? `; first rejection: ${firstRejection}` : ''}`,
);
say(`members whose state, paid-through or member status differ from simulate: ${differ} of ${sent.size} (target 0)`);
say(
  `provider commands: ${commandsSent} delivered; not acknowledged: ${commandsLost}; applied twice: ${commandsTwice}; member/provider pairs whose applied writes differ from the deliveries: ${commandsOutOfOrder} (target 0 each)`,
);
process.exit(lost + twice + differ + commandsLost + commandsTwice + commandsOutOfOrder === 0 ? 0 : 1);
