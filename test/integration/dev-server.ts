// The official Temporal dev server (the pinned CLI), with the membership search attributes, and a
// standing worker on it: the runtime as `npm start` runs it, for integration tests.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { TASK_QUEUE } from '../../workflows/messages.js';
import { membershipSearchAttributes } from '../../workflows/search-attributes.js';

export interface DevServer {
  readonly env: TestWorkflowEnvironment;
  readonly address: string;
  stop(): Promise<void>;
}

export async function startDevServer(): Promise<DevServer> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: inject('temporalCli') },
      ip: '127.0.0.1',
      searchAttributes: Object.values(membershipSearchAttributes),
      extraArgs: ['--sqlite-pragma', 'journal_mode=WAL'],
    },
  });
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle: { codePath: inject('workflowBundle') } });
  const running = worker.run();
  return {
    env,
    address: env.address,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
