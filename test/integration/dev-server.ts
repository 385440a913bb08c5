// The official Temporal dev server (the pinned CLI), with the membership search attributes, and a
// standing worker on it: the runtime as `npm start` runs it, for integration tests.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { TASK_QUEUE } from '../../workflows/messages.js';
import { membershipSearchAttributes } from '../../workflows/search-attributes.js';
import { fakeProviders } from '../workflow/fake-providers.js';

export interface DevServer {
  readonly env: TestWorkflowEnvironment;
  readonly address: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** The worker's activities (made once the server's client exists): fake providers that accept everything unless given. */
  readonly activities?: (env: TestWorkflowEnvironment) => object;
  /** Start the standing worker (default); a test that restarts workers starts its own. */
  readonly worker?: boolean;
  /** Serve the Temporal Web UI on this port (off by default). */
  readonly uiPort?: number;
}

export async function startDevServer({
  activities = () => fakeProviders().activities,
  worker: withWorker = true,
  uiPort,
}: DevServerOptions = {}): Promise<DevServer> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: inject('temporalCli') },
      ip: '127.0.0.1',
      searchAttributes: Object.values(membershipSearchAttributes),
      extraArgs: ['--sqlite-pragma', 'journal_mode=WAL', ...(uiPort ? ['--ui-ip', '127.0.0.1'] : [])],
      ...(uiPort ? { ui: true, uiPort } : {}),
    },
  });
  const worker = withWorker
    ? await Worker.create({
        connection: env.nativeConnection,
        taskQueue: TASK_QUEUE,
        workflowBundle: { codePath: inject('workflowBundle') },
        activities: activities(env),
      })
    : null;
  const running = worker?.run();
  return {
    env,
    address: env.address,
    async stop() {
      worker?.shutdown();
      await running;
      await env.teardown();
    },
  };
}
