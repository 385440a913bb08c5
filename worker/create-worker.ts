// A standing Worker: the membership workflows on one task queue of one namespace. A worker process
// runs one per (namespace, task queue) it serves, all on one bundle of the workflows.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { bundleWorkflows } from './workflow-bundle.js';

/** Where `npm run build:workflows` writes the production bundle. */
export const prebuiltBundle = join(import.meta.dirname, '..', 'dist', 'workflow-bundle.js');

let bundled: Promise<WorkerOptions['workflowBundle']> | undefined;

/**
 * The workflow bundle, made once per process: a prebuilt bundle starts in milliseconds and is
 * exactly what was tested; without one the sources are bundled at start-up (development), once for
 * every Worker the process runs rather than once each.
 */
function workflowBundle(): Promise<WorkerOptions['workflowBundle']> {
  bundled ??= (async () => {
    const bundlePath =
      process.env.STANDING_WORKFLOW_BUNDLE ?? (existsSync(prebuiltBundle) ? prebuiltBundle : undefined);
    return bundlePath ? { codePath: bundlePath } : { code: await bundleWorkflows() };
  })();
  return bundled;
}

export async function createStandingWorker(
  connection: NativeConnection,
  { namespace, taskQueue }: { namespace: string; taskQueue: string },
  options: Partial<WorkerOptions> = {},
): Promise<Worker> {
  return Worker.create({ connection, namespace, taskQueue, workflowBundle: await workflowBundle(), ...options });
}
