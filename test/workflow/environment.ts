// The time-skipping test server and a worker on it, started once per test file.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { registerSearchAttributes } from '../../common/register-search-attributes.js';
import '../quiet-logs.js';
import { fakeProviders } from './fake-providers.js';

export { providersSettled } from './until.js';

/** The time-skipping server, with the membership search attributes registered. */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServer') } },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/**
 * A worker on the environment's task queue, running the suite's prebuilt workflow bundle, with
 * fake providers that accept everything unless the test hands in its own.
 */
export async function testWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  options: Partial<WorkerOptions> = {},
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundle') },
    activities: fakeProviders().activities,
    ...options,
  });
}

export interface RunningWorker {
  readonly env: TestWorkflowEnvironment;
  /** Shuts the worker down, waits for it, then tears the server down. */
  stop(): Promise<void>;
}

/** The time-skipping server with a test worker polling `taskQueue` until stop(): a test file's beforeAll. */
export async function timeSkippingWorker(
  taskQueue: string,
  options: Partial<WorkerOptions> = {},
): Promise<RunningWorker> {
  const env = await timeSkippingEnvironment();
  try {
    const worker = await testWorker(env, taskQueue, options);
    const running = worker.run();
    return {
      env,
      async stop() {
        worker.shutdown();
        await running;
        await env.teardown();
      },
    };
  } catch (error) {
    await env.teardown();
    throw error;
  }
}
