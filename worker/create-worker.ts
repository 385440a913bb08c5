// A standing worker: the membership workflows on the `standing` task queue.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { TASK_QUEUE } from '../workflows/messages.js';
import { bundlerOptions, workflowsPath } from './workflow-bundle.js';

/** Where `npm run build:workflows` writes the production bundle. */
export const prebuiltBundle = join(import.meta.dirname, '..', 'dist', 'workflow-bundle.js');

export async function createStandingWorker(
  connection: NativeConnection,
  namespace: string,
  options: Partial<WorkerOptions> = {},
): Promise<Worker> {
  // A prebuilt bundle starts in milliseconds and is exactly what was tested; without one the worker
  // bundles the TypeScript sources at start-up (development).
  const bundlePath = process.env.STANDING_WORKFLOW_BUNDLE ?? (existsSync(prebuiltBundle) ? prebuiltBundle : undefined);
  const workflows = bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath, bundlerOptions };
  return Worker.create({ connection, namespace, taskQueue: TASK_QUEUE, ...workflows, ...options });
}
