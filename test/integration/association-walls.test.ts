// Walls between associations: two associations, each with its own provider endpoints and keys,
// its own namespace and lockbox vendor, served first by one worker process and then by a worker
// process each. Their providers (two simulators that record who called them) see only their own
// association, with its own keys, for deliveries, mass changes and reconciliation reads; and no
// key or gateway secret appears in any history, memo, search attribute or query result.
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { buildSimulator, credentialFingerprint } from '../../provider-simulators/server.js';
import type { LoggedRequest } from '../../provider-simulators/state.js';
import { associationConfigSchema } from '../../schemas/association.js';
import type { AssociationConfigInput } from '../../schemas/association.js';
import { associationTaskQueue, viewQuery, workflowTypes } from '../../workflows/messages.js';
import type { massChangeWorkflow } from '../../workflows/mass-change.js';
import type { reconciliationWorkflow } from '../../workflows/reconciliation.js';
import { paidMemberEvents } from '../helpers.js';
import { providersSettled, untilStanding } from '../workflow/until.js';
import { defaultNamespace, namespaceFor, startDevServer } from './dev-server.js';
import { startWorkerProcess } from './worker-process.js';
import type { WorkerProcess } from './worker-process.js';
import type { DevServer } from './dev-server.js';

/** Each association's keys: A's come from variables, B's from files its association file names. */
const keys = {
  A: { m1: 'key-A-m1-7f3e', mls: 'key-A-mls-51c2', lockbox: 'key-A-sentrilock-d04a' },
  B: { m1: 'key-B-m1-9a1b', mls: 'key-B-mls-3e77', lockbox: 'key-B-supra-c5d8' },
} as const;
/** B's own namespace (with this file's suffix under test:cluster). */
const wallsB = namespaceFor('walls-b');
const gatewaySecrets = { A: 'gateway-secret-A-2b9f', B: 'gateway-secret-B-6e1c' } as const;
const everySecret = [...Object.values(keys.A), ...Object.values(keys.B), ...Object.values(gatewaySecrets)];

const rules = {
  activated: { m1: 'Active', mls: 'Active', lockbox: 'Active' },
  dropped: { m1: 'Terminated', mls: 'Inactive', lockbox: 'Inactive' },
} as const;

function associationFile(id: 'A' | 'B', simulatorUrl: string): AssociationConfigInput {
  const viaVariables = id === 'A';
  const key = (provider: 'm1' | 'mls' | 'lockbox') =>
    viaVariables ? { apiKeyEnv: `WALLS_A_${provider.toUpperCase()}_KEY` } : { apiKeyFile: `keys/${provider}.key` };
  return {
    association: { id: `WALLS${id}`, timezone: id === 'A' ? 'America/Chicago' : 'America/New_York' },
    // A shares the connection's namespace; B has one of its own.
    ...(id === 'B' ? { temporal: { namespace: wallsB } } : {}),
    gateway: viaVariables ? { secretsEnv: 'WALLS_A_GATEWAY_SECRETS' } : { secretsFile: 'keys/gateway' },
    providers: {
      m1: { url: simulatorUrl, ...key('m1') },
      mls: { url: simulatorUrl, ...key('mls') },
      lockbox: { vendor: id === 'A' ? 'sentrilock' : 'supra', url: simulatorUrl, ...key('lockbox') },
    },
    membershipTypes: [{ code: 'REALTOR', gracePeriod: 'P30D', rules }],
  };
}

interface Side {
  readonly id: 'A' | 'B';
  readonly associationId: string;
  readonly namespace: string;
  readonly simulator: FastifyInstance;
  readonly url: string;
  readonly file: string;
  readonly client: Client;
  readonly members: MembershipClient;
}

describe('walls between associations', () => {
  let server: DevServer;
  let both: string;
  const sides: Partial<Record<'A' | 'B', Side>> = {};
  const workers: WorkerProcess[] = [];

  const side = (id: 'A' | 'B'): Side => sides[id]!;
  const requestsTo = async (id: 'A' | 'B'): Promise<LoggedRequest[]> =>
    (await side(id).simulator.inject({ method: 'GET', url: '/admin/requests' })).json();

  /** A standing worker process (worker/main.ts, as `npm run worker`) on a folder of association files. */
  async function startWorker(name: string, folder: string): Promise<void> {
    workers.push(
      await startWorkerProcess(name, {
        TEMPORAL_ADDRESS: server.address,
        STANDING_ASSOCIATIONS: folder,
        WALLS_A_M1_KEY: keys.A.m1,
        WALLS_A_MLS_KEY: keys.A.mls,
        WALLS_A_LOCKBOX_KEY: keys.A.lockbox,
        WALLS_A_GATEWAY_SECRETS: gatewaySecrets.A,
      }),
    );
  }

  async function stopWorkers(): Promise<void> {
    for (const worker of workers.splice(0)) await worker.stop();
  }

  /** Members join and pay (their activation goes to every provider), then one is dropped by a mass change, then a reconciliation reads them all. */
  async function exercise(id: 'A' | 'B', phase: string): Promise<void> {
    const { members, client, associationId } = side(id);
    const memberIds = [1, 2, 3].map((n) => `${phase}-${id}${n}`);
    for (const memberId of memberIds) await members.sendHistory(paidMemberEvents(memberId));
    for (const memberId of memberIds)
      await untilStanding(members, memberId, (s) => s?.member?.state === 'active', 'active');
    await providersSettled(members, memberIds);

    const drop = await client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
      workflowId: `mass-drop/${associationId}/${phase}`,
      taskQueue: associationTaskQueue(associationId),
      args: [{ associationId, action: 'drop', memberIds: [memberIds[0]!], reason: 'walls test', by: 'test' }],
    });
    expect(await drop.result()).toMatchObject({ changed: 1, refused: 0 });
    await providersSettled(members, memberIds);

    const reconcile = await client.workflow.start<typeof reconciliationWorkflow>(workflowTypes.reconciliation, {
      workflowId: `reconcile-providers/${associationId}/${phase}`,
      taskQueue: associationTaskQueue(associationId),
      args: [{ associationId }],
    });
    const report = await reconcile.result();
    expect(report.drift).toEqual([]);
    expect(report.unreadable).toEqual([]);
    expect(report.recordsChecked).toBeGreaterThanOrEqual(memberIds.length * 3);
  }

  /** How many requests each side's providers have seen so far. */
  async function requestCounts(): Promise<Record<'A' | 'B', number>> {
    return { A: (await requestsTo('A')).length, B: (await requestsTo('B')).length };
  }

  /** Every request a side's providers saw since `since` came from its own association, with its own keys, none with the other's. */
  async function expectWalled(since: Record<'A' | 'B', number>): Promise<void> {
    for (const id of ['A', 'B'] as const) {
      const other = id === 'A' ? 'B' : 'A';
      const own = new Set(Object.values(keys[id]).map((key) => credentialFingerprint(`Bearer ${key}`)));
      const others = new Set(Object.values(keys[other]).map((key) => credentialFingerprint(`Bearer ${key}`)));
      const requests = (await requestsTo(id)).slice(since[id]);
      expect(requests.length, `requests to ${id}'s providers`).toBeGreaterThan(0);
      for (const request of requests) {
        const what = `${request.method} ${request.url} to ${id}'s providers`;
        expect(request.association, what).toBe(side(id).associationId);
        expect(own.has(request.credential), `${what} carries ${id}'s key`).toBe(true);
        expect(others.has(request.credential), `${what} carries ${other}'s key`).toBe(false);
        expect(request.statusCode, what).toBeLessThan(400);
      }
      // Deliveries (writes) and reconciliation (reads) both went out.
      expect(requests.some((r) => r.method === 'GET')).toBe(true);
      expect(requests.some((r) => r.method !== 'GET')).toBe(true);
    }
  }

  beforeAll(async () => {
    server = await startDevServer({ worker: false, namespaces: [wallsB] });
    const folder = await mkdtemp(join(tmpdir(), 'standing-walls-'));
    both = join(folder, 'both');
    await mkdir(join(both, 'keys'), { recursive: true });
    for (const id of ['A', 'B'] as const) {
      const providerKeys = { m1: keys[id].m1, mls: keys[id].mls, lockbox: keys[id].lockbox };
      const vendor = id === 'A' ? 'sentrilock' : 'supra';
      const simulator = await buildSimulator({
        apiKeys: { m1: providerKeys.m1, mls: providerKeys.mls, [vendor]: providerKeys.lockbox },
      });
      const url = await simulator.listen({ host: '127.0.0.1', port: 0 });
      const config = associationFile(id, url);
      const file = join(both, `${id.toLowerCase()}.yaml`);
      await writeFile(file, JSON.stringify(config));
      const namespace = id === 'B' ? wallsB : defaultNamespace;
      const client = new Client({ connection: server.env.connection, namespace });
      sides[id] = {
        id,
        associationId: `WALLS${id}`,
        namespace,
        simulator,
        url,
        file,
        client,
        members: new MembershipClient(client, associationConfigSchema.parse(config)),
      };
    }
    for (const [provider, key] of Object.entries(keys.B)) await writeFile(join(both, 'keys', `${provider}.key`), key);
    await writeFile(join(both, 'keys', 'gateway'), `${gatewaySecrets.B}\n`);
  }, 60_000);

  afterAll(async () => {
    await stopWorkers();
    for (const id of ['A', 'B'] as const) await sides[id]?.simulator.close();
    await server?.stop();
  });

  it('on one worker process, each association reaches only its own providers with its own keys', async () => {
    const since = await requestCounts();
    await startWorker('worker (A and B)', both);
    await Promise.all([exercise('A', 'one'), exercise('B', 'one')]);
    await expectWalled(since);
    await stopWorkers();
  }, 180_000);

  it('on a worker process each, the same', async () => {
    const folders = { A: join(both, '..', 'only-a'), B: join(both, '..', 'only-b') };
    for (const id of ['A', 'B'] as const) {
      await mkdir(join(folders[id], 'keys'), { recursive: true });
      await copyFile(side(id).file, join(folders[id], `${id.toLowerCase()}.yaml`));
    }
    for (const name of ['m1.key', 'mls.key', 'lockbox.key', 'gateway'])
      await copyFile(join(both, 'keys', name), join(folders.B, 'keys', name));
    const since = await requestCounts();
    await startWorker('worker A', folders.A);
    await startWorker('worker B', folders.B);
    await Promise.all([exercise('A', 'two'), exercise('B', 'two')]);
    await expectWalled(since);
    await stopWorkers();
  }, 180_000);

  it('no key or secret is in any history, memo, search attribute or query result', async () => {
    await startWorker('worker (A and B)', both);
    await Promise.all([exercise('A', 'keys'), exercise('B', 'keys')]);
    for (const id of ['A', 'B'] as const) {
      const { client, associationId } = side(id);
      const workflows: string[] = [];
      for await (const execution of client.workflow.list()) {
        // This test's memberships, its mass change and its reconciliation.
        if (!execution.workflowId.includes(`/${associationId}/keys`)) continue;
        workflows.push(execution.workflowId);
        const handle = client.workflow.getHandle(execution.workflowId);
        const history = await handle.fetchHistory();
        const description = await handle.describe();
        const standing = execution.workflowId.startsWith('membership/') ? await handle.query(viewQuery) : null;
        const seen = [
          textOf(history),
          JSON.stringify(description.memo ?? {}),
          JSON.stringify(description.searchAttributes),
          JSON.stringify(description.typedSearchAttributes.getAll()),
          JSON.stringify(standing),
        ].join('\n');
        for (const secret of everySecret) expect(seen, `${execution.workflowId} holds a secret`).not.toContain(secret);
        // Where the keys are is deployment, not rules: not even the variable or file names travel.
        expect(seen).not.toMatch(/WALLS_A_\w+_KEY|keys\/\w+\.key|apiKey|secretsFile|secretsEnv/);
      }
      expect(
        workflows.filter((w) => w.startsWith('membership/')),
        `${id}'s memberships`,
      ).toHaveLength(3);
      expect(workflows, `${id}'s mass change and reconciliation`).toHaveLength(5);
    }
    await stopWorkers();
  }, 120_000);
});

/** Every string in a history, its payloads decoded (they are JSON bytes). */
function textOf(value: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || node === undefined) return;
    if (typeof node === 'string') parts.push(node);
    else if (node instanceof Uint8Array) parts.push(Buffer.from(node).toString('utf8'));
    else if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(value);
  return parts.join('\n');
}
