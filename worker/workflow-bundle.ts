// How the workflow bundle is built, wherever it is: the worker in development, npm run
// build:workflows, the tests' global setup, the history recorder and the benchmarks. One recipe, so
// the tests run the bundle production runs.
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { BundleOptions } from '@temporalio/worker';

export const workflowsPath = join(import.meta.dirname, '..', 'workflows', 'index.ts');

/**
 * zod, preloaded: evaluated once per worker and shared by every workflow, where otherwise each
 * cached workflow would evaluate it again (the sandbox runs module top levels per workflow), about
 * 650 KiB each (docs/decisions.md). schemas/zod-mini.ts says what preloading asks of a schema.
 */
export const bundlerOptions = {
  preloadModules: [join(import.meta.dirname, '..', 'schemas', 'zod-mini.ts')],
} satisfies Pick<BundleOptions, 'preloadModules'>;

/** The bundle's code. */
export async function bundleWorkflows(options: Partial<BundleOptions> = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, ...bundlerOptions, ...options });
  return code;
}
