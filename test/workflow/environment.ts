// The time-skipping test server and a worker on it, started once per test file.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import type { MembershipClient } from '../../client/membership-client.js';
import { registerSearchAttributes } from '../../worker/search-attributes.js';
import { fakeProviders } from './fake-providers.js';

let runtimeQuiet = false;

/** Keeps the SDK's own logging to errors (a refused provider call is a warning), so test output stays readable. */
function quietRuntime(): void {
  if (runtimeQuiet) return;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runtimeQuiet = true;
}

/** The time-skipping server, with the membership search attributes registered. */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServer') } } });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/**
 * A worker on the environment's task queue, running the suite's prebuilt workflow bundle, with
 * fake providers that accept everything unless the test hands in its own.
 */
export async function testWorker(env: TestWorkflowEnvironment, taskQueue: string, options: Partial<WorkerOptions> = {}): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundle') },
    activities: fakeProviders().activities,
    ...options,
  });
}

/**
 * Waits until no provider delivery of these members is on its way. A test ends with it before its
 * worker stops: the time-skipping server holds its clock while an activity is outstanding, so a
 * delivery left on a queue nobody polls would freeze time for every later test on the server.
 */
export async function providersSettled(client: MembershipClient, memberIds: readonly string[]): Promise<void> {
  for (const memberId of memberIds) {
    for (let attempt = 0; ; attempt += 1) {
      const standing = await client.view(memberId);
      const waiting = standing?.providerSync?.deliveries.some((d) => d.outcome === 'pending') ?? false;
      if (!waiting) break;
      if (attempt > 500) throw new Error(`provider deliveries of ${memberId} still pending: ${JSON.stringify(standing?.providerSync)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
