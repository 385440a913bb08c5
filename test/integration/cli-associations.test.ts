// The CLI on a folder of two associations, one in a namespace of its own: `--association` decides
// which association's namespace and task queue a command works in, and the other never sees it.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createStaffActivities } from '../../activities/staff.js';
import { registerSearchAttributes } from '../../common/register-search-attributes.js';
import type { MassChangeReport } from '../../workflows/mass-change.js';
import { membershipWorkflowId } from '../../workflows/messages.js';
import { fakeProviders } from '../workflow/fake-providers.js';
import { projectRoot } from './standing-cli.js';
import type { CommandResult } from './standing-cli.js';
import { defaultNamespace, namespaceFor, startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

const run = promisify(execFile);
const eastNamespace = namespaceFor('east-board');

const associationYaml = (id: string, extra = '') =>
  `association:\n  id: ${id}\n  timezone: America/New_York\nmembershipTypes:\n  - code: REALTOR\n    rules:\n      activated: { mls: Active }\n      dropped: { mls: Inactive }\n${extra}`;

describe('the CLI with two associations loaded', () => {
  let server: DevServer;
  let folder: string;
  let east: Client;
  let worker: Worker;
  let running: Promise<void>;

  /** `standing ...args` on the folder, as a person with STANDING_ASSOCIATIONS set runs it. */
  async function standing(...args: string[]): Promise<CommandResult> {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(projectRoot, 'bin', 'standing.js'), ...args], {
        cwd: projectRoot,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: server.address,
          TEMPORAL_NAMESPACE: defaultNamespace,
          STANDING_ASSOCIATIONS: folder,
          STANDING_CONFIG: undefined,
          STANDING_ASSOCIATION: undefined,
        },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as CommandResult;
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  beforeAll(async () => {
    server = await startDevServer({ worker: false });
    folder = await mkdtemp(join(tmpdir(), 'standing-two-associations-'));
    await writeFile(
      join(folder, 'east.yaml'),
      associationYaml('EASTCLI', `temporal:\n  namespace: ${eastNamespace}\n`),
    );
    await writeFile(join(folder, 'west.yaml'), associationYaml('WESTCLI'));
    const { connection } = server.env;
    await connection.workflowService.registerNamespace({
      namespace: eastNamespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // A namespace just registered is served once the server's namespace cache has it.
    await vi.waitFor(() => registerSearchAttributes(connection, eastNamespace), { timeout: 30_000, interval: 250 });
    east = new Client({ connection, namespace: eastNamespace });
    // EASTCLI's worker: its namespace, its task queue, and staff activities that reach its memberships.
    worker = await Worker.create({
      connection: server.env.nativeConnection,
      namespace: eastNamespace,
      taskQueue: 'standing/EASTCLI',
      workflowBundle: { codePath: inject('workflowBundle') },
      activities: { ...fakeProviders().activities, ...createStaffActivities({ client: east }) },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await server?.stop();
  });

  it('imports into the named association: its namespace, its task queue; the other has no such member', async () => {
    const roster = join(folder, 'east.roster.csv');
    await writeFile(
      roster,
      'memberId,membershipType,role,state,paidThrough\nE1,REALTOR,primary,active,2099-12-31\nE2,REALTOR,primary,active,2099-12-31\n',
    );
    expect(await standing('import', roster, '--association', 'EASTCLI', '--json')).toMatchObject({
      code: 0,
      stdout: '{"started":2,"exists":0}\n',
    });
    const described = await east.workflow.getHandle(membershipWorkflowId('EASTCLI', 'E1')).describe();
    expect(described.taskQueue).toBe('standing/EASTCLI');

    const shown = await standing('show', 'E1', '--association', 'EASTCLI', '--json');
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(shown.stdout)).toMatchObject({ associationId: 'EASTCLI', member: { state: 'active' } });
    expect(await standing('show', 'E1', '--association', 'WESTCLI')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'standing: no membership E1 in association WESTCLI\n',
    });

    // A mass change starts its batch in the association's namespace, on its queue (EASTCLI's worker runs it).
    await expect
      .poll(async () => JSON.parse((await standing('list', '--association', 'EASTCLI', '--json')).stdout).length, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(2);
    const dropped = await standing(
      'mass-drop',
      '--association',
      'EASTCLI',
      '--state',
      'active',
      '--reason',
      'board merged',
      '--by',
      'test',
      '--json',
    );
    expect(dropped).toMatchObject({ code: 0 });
    const report = JSON.parse(dropped.stdout) as MassChangeReport;
    expect(report).toMatchObject({ action: 'drop', changed: 2, refused: 0 });
  });
});
