// The worker process on a folder of associations (STANDING_ASSOCIATIONS), as `npm run worker` runs
// it: an association file added while it runs is served (its members start on its own task queue
// and run), its log line says where its key comes from without the key, and a file removed stops
// its Worker while the others keep running.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { addDays } from '../../machines/calendar.js';
import type { AssociationConfig, AssociationConfigInput } from '../../schemas/association.js';
import { association } from '../helpers.js';
import { record } from '../quiet-logs.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';
import { projectRoot } from './standing-cli.js';

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
  let worker: ChildProcess;
  let output = '';

  beforeAll(async () => {
    server = await startDevServer({ worker: false });
    folder = await mkdtemp(join(tmpdir(), 'standing-associations-'));
    await writeFile(join(folder, 'hota.yaml'), JSON.stringify(first));
    const { STANDING_CONFIG: _file, ...env } = process.env;
    worker = spawn(process.execPath, ['--import', 'tsx', join('worker', 'main.ts')], {
      cwd: projectRoot,
      env: {
        ...env,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: 'default',
        STANDING_ASSOCIATIONS: folder,
        STANDING_WORKFLOW_BUNDLE: inject('workflowBundle'),
        STANDING_RECONCILE_CRON: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      record('worker', chunk.toString());
    });
    worker.stderr!.on('data', (chunk: Buffer) => record('worker', chunk.toString()));
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  /** Waits for the worker to log `line`. */
  async function logged(line: string): Promise<void> {
    await expect.poll(() => output, { timeout: 60_000, interval: 50 }).toContain(line);
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
    expect(output).toContain('[worker] serving task queue standing/HOTA in namespace default: HOTA');
    await activeMember(first, 'HA1');

    await writeFile(join(folder, 'hotb-m1.key'), `${KEY}\n`);
    await writeFile(join(folder, 'hotb.yaml'), JSON.stringify(second));
    await logged('[worker] serving task queue standing/HOTB in namespace default: HOTB');
    await activeMember(second, 'HB1');
    expect(output).toContain(
      `[worker] association HOTB from ${join(folder, 'hotb.yaml')}: namespace default, task queue standing/HOTB; providers: m1 http://127.0.0.1:9 (key: file hotb-m1.key)`,
    );
    expect(output).not.toContain(KEY);

    await rm(join(folder, 'hota.yaml'));
    await logged('[worker] stopped serving task queue standing/HOTA in namespace default');
    await activeMember(second, 'HB2');
    expect(worker.exitCode).toBeNull();
  }, 180_000);
});
