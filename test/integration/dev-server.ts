// The official Temporal dev server (the pinned CLI), with the membership search attributes, and
// standing Workers on it (the legacy `standing` queue and the task queue of each association a test
// names): the runtime as `npm start` runs it, for integration tests. With STANDING_TEST_CLUSTER
// (npm run test:cluster) a running production-shaped cluster instead, each test file in namespaces
// of its own.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { registerSearchAttributes } from '../../common/register-search-attributes.js';
import { ensureNamespace } from '../../scripts/temporal-cluster.js';
import { TASK_QUEUE, associationTaskQueue } from '../../workflows/messages.js';
import { membershipSearchAttributes } from '../../workflows/search-attributes.js';
import { printRecorded, recordFile } from '../quiet-logs.js';
import { fakeProviders } from '../workflow/fake-providers.js';

export interface DevServer {
  readonly env: TestWorkflowEnvironment;
  readonly address: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** The worker's activities (made once the server's client exists): fake providers that accept everything unless given. */
  readonly activities?: (env: TestWorkflowEnvironment) => object;
  /** Start the standing workers (default); a test that restarts workers starts its own. */
  readonly worker?: boolean;
  /**
   * The associations whose own task queues (`standing/<id>`, where MembershipClient starts their
   * memberships) the workers poll, besides the legacy `standing` queue: TEST (test/helpers.ts) unless given.
   */
  readonly associations?: readonly string[];
  /** Serve the Temporal Web UI on this port (off by default). */
  readonly uiPort?: number;
  /** Listen on this port (a free one by default): a server started again where a stopped one was. */
  readonly port?: number;
  /** Keep the server's data in this SQLite file (in memory by default), so a server started on it again finds it. */
  readonly dbFilename?: string;
  /** Namespaces to create besides `default` (associations that name their own). */
  readonly namespaces?: readonly string[];
}

let servers = 0;

/**
 * The cluster's address under `npm run test:cluster`: every test file of a run shares it, so each
 * one works in namespaces of its own (a suffix per file, see namespaceFor) and never sees another
 * file's memberships, task queues or schedules.
 */
const cluster = process.env.STANDING_TEST_CLUSTER;
/** This test file's namespace suffix on the cluster (a module is loaded once per test file). */
const fileSuffix = randomBytes(4).toString('hex');

/**
 * The namespace a test calls `name` (`default`, or an association's own): that name on a dev server
 * (one per test file), the name with this file's suffix on the shared cluster.
 */
export function namespaceFor(name: string): string {
  return cluster ? `${name}-${fileSuffix}` : name;
}

/** The namespace of the connection (TEMPORAL_NAMESPACE): where associations that name none live. */
export const defaultNamespace = namespaceFor('default');
// Commands run in this process (and children that inherit its environment) use the file's namespace.
if (cluster) process.env.TEMPORAL_NAMESPACE = defaultNamespace;

/** A port nothing listens on now, for a server that must be found again at the same address. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The CLI behind a script that sends its output (a banner, the server's warnings) to a file, shown
 * only with a failing test. `exec` keeps the process id, so stopping the server stops the CLI.
 */
async function quietCli(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'standing-dev-server-'));
  const log = join(folder, 'server.log');
  const script = join(folder, 'temporal');
  await writeFile(script, `#!/bin/sh\nexec '${inject('temporalCli')}' "$@" >>'${log}' 2>&1\n`);
  await chmod(script, 0o755);
  servers += 1;
  recordFile(`dev server ${servers}`, log);
  return script;
}

/** Workers running on some task queues, one Worker per queue, all with the same activities. */
export interface RunningWorkers {
  /** Graceful: each Worker finishes what it holds. */
  stop(): Promise<void>;
}

/** One Worker per task queue on `connection` (the tests' workflow bundle), running until stop(). */
export async function startWorkers(
  connection: NativeConnection,
  taskQueues: readonly string[],
  activities: object,
): Promise<RunningWorkers> {
  const workers = await Promise.all(
    taskQueues.map((taskQueue) =>
      Worker.create({
        connection,
        namespace: defaultNamespace,
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundle') },
        activities,
      }),
    ),
  );
  const running = workers.map((worker) => worker.run());
  return {
    async stop() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all(running);
    },
  };
}

/** The legacy queue and the queues of these associations. */
export function taskQueuesOf(associations: readonly string[]): string[] {
  return [TASK_QUEUE, ...associations.map(associationTaskQueue)];
}

export async function startDevServer({
  activities = () => fakeProviders().activities,
  worker: withWorker = true,
  associations = ['TEST'],
  uiPort,
  port,
  dbFilename,
  namespaces = [],
}: DevServerOptions = {}): Promise<DevServer> {
  // A server to stop and start again (port, dbFilename) or to serve its UI is a dev server of the
  // test's own even under test:cluster: the shared cluster can do neither.
  if (cluster && !port && !dbFilename && !uiPort)
    return clusterServer(cluster, { activities, withWorker, associations, namespaces });
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: await quietCli() },
        ip: '127.0.0.1',
        searchAttributes: Object.values(membershipSearchAttributes),
        extraArgs: [
          '--sqlite-pragma',
          'journal_mode=WAL',
          ...namespaces.flatMap((namespace) => ['--namespace', namespace]),
          ...(uiPort ? ['--ui-ip', '127.0.0.1'] : []),
        ],
        ...(uiPort ? { ui: true, uiPort } : {}),
        ...(port ? { port } : {}),
        ...(dbFilename ? { dbFilename } : {}),
        // Under test:cluster, this file's namespace (the CLI registers it) rather than `default`.
        ...(cluster ? { namespace: defaultNamespace } : {}),
      },
    });
    if (cluster) await registerSearchAttributes(env.connection, defaultNamespace);
    const workers = withWorker
      ? await startWorkers(env.nativeConnection, taskQueuesOf(associations), activities(env))
      : null;
    return {
      env,
      address: env.address,
      async stop() {
        await workers?.stop();
        await env.teardown();
      },
    };
  } catch (error) {
    // A beforeAll that fails has no test to print the output under.
    printRecorded('the dev server did not start', 0);
    throw error;
  }
}

/** The shared cluster, in this file's namespaces (registered with the search attributes, 1 day's retention). */
async function clusterServer(
  address: string,
  {
    activities,
    withWorker,
    associations,
    namespaces,
  }: {
    activities: (env: TestWorkflowEnvironment) => object;
    withWorker: boolean;
    associations: readonly string[];
    namespaces: readonly string[];
  },
): Promise<DevServer> {
  for (const namespace of [defaultNamespace, ...namespaces]) await ensureNamespace(address, namespace, 1);
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace: defaultNamespace });
  const workers = withWorker
    ? await startWorkers(env.nativeConnection, taskQueuesOf(associations), activities(env))
    : null;
  return {
    env,
    address,
    async stop() {
      await workers?.stop();
      await env.teardown();
    },
  };
}
