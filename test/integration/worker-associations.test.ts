// The worker process on a folder of associations (STANDING_ASSOCIATIONS), as `npm run worker` runs
// it: an association file added while it runs is served (its members start on its own task queue
// and run), its log line says where its key comes from without the key, and a file removed stops
// its Worker while the others keep running. The workflow cache budget (STANDING_WORKFLOW_CACHE,
// default 1,000) goes to the Workers started together; one added later gets what is left, at least the floor.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { addDays } from '../../machines/calendar.js';
import type { AssociationConfig, AssociationConfigInput } from '../../schemas/association.js';
import { association } from '../helpers.js';
import { defaultNamespace, startDevServer } from './dev-server.js';
import { startWorkerProcess } from './worker-process.js';
import type { WorkerProcess } from './worker-process.js';
import type { DevServer } from './dev-server.js';

/** An association of this test with no provider rules: its members need no provider to run. */
const board = (id: string, providers: AssociationConfigInput['providers'] = {}) =>
  association({ rules: {} }, { association: { id, timezone: 'UTC' }, providers });

const first = board('HOTA');
const KEY = 'hotb-m1-key-never-logged';
// M1 configured (a URL nothing listens on, a key file beside the association file); no rule sends to it.
const second = board('HOTB', { m1: { url: 'http://127.0.0.1:9', apiKeyFile: 'hotb-m1.key' } });

describe('a worker on a folder of associations', () => {
  let server: DevServer;
  let folder: string;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    server = await startDevServer({ worker: false });
    folder = await mkdtemp(join(tmpdir(), 'standing-associations-'));
    await writeFile(join(folder, 'hota.yaml'), JSON.stringify(first));
    worker = await startWorkerProcess('worker', {
      TEMPORAL_ADDRESS: server.address,
      STANDING_ASSOCIATIONS: folder,
      STANDING_WORKFLOW_CACHE: '1000',
      STANDING_WORKFLOW_CACHE_FLOOR: '20',
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  /** Waits for the worker to log `line`. */
  async function logged(line: string): Promise<void> {
    await expect.poll(() => worker?.output() ?? '', { timeout: 60_000, interval: 50 }).toContain(line);
  }

  async function activeMember(config: AssociationConfig, memberId: string): Promise<void> {
    const client = new MembershipClient(server.env.client, config);
    const at = new Date().toISOString();
    await client.importMember({
      id: `import-${memberId}`,
      type: 'imported',
      memberId,
      at,
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: addDays(at.slice(0, 10), 200),
    });
    await expect
      .poll(async () => (await client.view(memberId))?.member?.state, { timeout: 30_000, interval: 100 })
      .toBe('active');
  }

  it('serves an association whose file is added while it runs, and stops serving one whose file is removed', async () => {
    await logged('[worker] running');
    // Nothing runs on the legacy queue yet: it gets the floor, HOTA the rest.
    expect(worker!.output()).toContain(
      `legacy task queue standing in namespace ${defaultNamespace}: memberships started before each association had its own queue, for every association of the namespace (workflow cache 20)`,
    );
    expect(worker!.output()).toContain(
      `[worker] serving task queue standing/HOTA in namespace ${defaultNamespace}: HOTA (workflow cache 980)`,
    );
    await activeMember(first, 'HA1');

    await writeFile(join(folder, 'hotb-m1.key'), `${KEY}\n`);
    await writeFile(join(folder, 'hotb.yaml'), JSON.stringify(second));
    await logged(
      `[worker] serving task queue standing/HOTB in namespace ${defaultNamespace}: HOTB (workflow cache 20)`,
    );
    // Logged just after the line above: it may come in the next chunk of the worker's output.
    await logged(
      "[worker] the Workers' caches hold 1020 workflows, over STANDING_WORKFLOW_CACHE=1000: each has at least STANDING_WORKFLOW_CACHE_FLOOR=20; restart the worker to split the budget anew",
    );
    await activeMember(second, 'HB1');
    expect(worker!.output()).toContain(
      `[worker] association HOTB from ${join(folder, 'hotb.yaml')}: namespace ${defaultNamespace}, task queue standing/HOTB; providers: m1 http://127.0.0.1:9 (key: file hotb-m1.key)`,
    );
    expect(worker!.output()).not.toContain(KEY);

    await rm(join(folder, 'hota.yaml'));
    await logged(`[worker] stopped serving task queue standing/HOTA in namespace ${defaultNamespace}`);
    await activeMember(second, 'HB2');
    expect(worker!.child.exitCode).toBeNull();
  }, 180_000);
});
