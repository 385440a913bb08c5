// The standing worker as `npm run worker` runs it, for benchmarks that measure it under its default
// memory settings: the node flags those settings imply, and an environment that leaves every
// setting that would override them unset (whatever the shell running the benchmark holds).
import { join } from 'node:path';
import { workerNodeFlags } from '../worker/memory-settings.js';
import type { MemorySettings } from '../worker/memory-settings.js';

/** Node's arguments and the worker's environment (beside the Temporal and association variables the caller adds). */
export function defaultSettingsWorker(
  settings: MemorySettings,
  providersUrl: string,
  workflowBundle: string,
): { readonly args: string[]; readonly env: NodeJS.ProcessEnv } {
  return {
    args: [...workerNodeFlags(settings), '--import', 'tsx', join('worker', 'main.ts')],
    env: {
      STANDING_PROVIDERS_URL: providersUrl,
      STANDING_RECONCILE_CRON: 'off',
      STANDING_WORKFLOW_BUNDLE: workflowBundle,
      STANDING_WORKER_HEAP_MB: '',
      STANDING_WORKFLOW_CACHE: '',
      STANDING_WORKFLOW_CACHE_FLOOR: '',
      STANDING_WORKFLOW_TASK_SLOTS: '',
      STANDING_ACTIVITY_SLOTS: '',
    },
  };
}
