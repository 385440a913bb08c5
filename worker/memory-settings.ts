// How much memory a worker process may use, from the environment: one workflow cache budget for the
// whole process, split across its Temporal Workers; task slots per Worker; the Node heap per isolate.
// The defaults fit a 2 GB container (README, "Memory: sizing a worker"; figures in docs/decisions.md).
import { z } from 'zod';

/**
 * Each V8 isolate's old-space limit, in MiB: `--max-old-space-size`, which the process must be
 * started with (npm run worker and npm start pass it). A V8 flag applies to every isolate, so it
 * bounds the main thread and each Worker's workflow thread separately, not their sum: what bounds
 * the sum is the workflow cache budget. Without the flag Node picks up to 4 GiB per isolate, and
 * the SDK sizes each Worker's cache from that (about 2,300 workflows each).
 */
export const DEFAULT_WORKER_HEAP_MB = 1024;
/** Cached workflows in the whole process: about 640 KiB of RSS each (docs/decisions.md), about 640 MiB in all. */
export const DEFAULT_WORKFLOW_CACHE = 1000;
/** The least cache a Worker gets, whatever its share: it can hold the workflow tasks it runs at once. */
export const DEFAULT_WORKFLOW_CACHE_FLOOR = 20;
/** Workflow tasks one Worker runs at once (the SDK's default is 40): they take turns on one thread anyway. */
export const DEFAULT_WORKFLOW_TASK_SLOTS = 10;
/** Activities one Worker runs at once (the SDK's default is 100): provider calls, mostly waiting on HTTP. */
export const DEFAULT_ACTIVITY_SLOTS = 20;

const count = (least: number) => z.coerce.number().int().min(least);

const memoryEnvSchema = z.object({
  STANDING_WORKER_HEAP_MB: count(128).default(DEFAULT_WORKER_HEAP_MB),
  STANDING_WORKFLOW_CACHE: count(2).default(DEFAULT_WORKFLOW_CACHE),
  // The SDK needs at least 2 in a cache that is not off.
  STANDING_WORKFLOW_CACHE_FLOOR: count(2).default(DEFAULT_WORKFLOW_CACHE_FLOOR),
  STANDING_WORKFLOW_TASK_SLOTS: count(2).default(DEFAULT_WORKFLOW_TASK_SLOTS),
  STANDING_ACTIVITY_SLOTS: count(1).default(DEFAULT_ACTIVITY_SLOTS),
});

export interface MemorySettings {
  readonly heapMb: number;
  /** Cached workflows across every Worker of the process. */
  readonly workflowCache: number;
  /** The least any one Worker's cache gets. */
  readonly workflowCacheFloor: number;
  /** Per Worker (and never more than its cache). */
  readonly workflowTaskSlots: number;
  /** Per Worker. */
  readonly activitySlots: number;
}

/** The settings, or an Error naming every variable that is wrong. An empty variable is unset. */
export function memorySettingsOf(env: NodeJS.ProcessEnv = process.env): MemorySettings {
  const names = Object.keys(memoryEnvSchema.shape);
  const given = Object.fromEntries(names.flatMap((name) => (env[name]?.trim() ? [[name, env[name].trim()]] : [])));
  const parsed = memoryEnvSchema.safeParse(given);
  if (!parsed.success)
    throw new Error(
      parsed.error.issues
        .map((issue) => `${issue.path.join('.')}=${given[String(issue.path[0])]}: ${issue.message}`)
        .join('; '),
    );
  const settings = parsed.data;
  if (settings.STANDING_WORKFLOW_CACHE_FLOOR > settings.STANDING_WORKFLOW_CACHE)
    throw new Error(
      `STANDING_WORKFLOW_CACHE_FLOOR=${settings.STANDING_WORKFLOW_CACHE_FLOOR}: must not exceed STANDING_WORKFLOW_CACHE (${settings.STANDING_WORKFLOW_CACHE})`,
    );
  return {
    heapMb: settings.STANDING_WORKER_HEAP_MB,
    workflowCache: settings.STANDING_WORKFLOW_CACHE,
    workflowCacheFloor: settings.STANDING_WORKFLOW_CACHE_FLOOR,
    workflowTaskSlots: settings.STANDING_WORKFLOW_TASK_SLOTS,
    activitySlots: settings.STANDING_ACTIVITY_SLOTS,
  };
}

/** The node flag the worker process must start with, for the heap setting. */
export function workerNodeFlags(settings: MemorySettings): string[] {
  return [`--max-old-space-size=${settings.heapMb}`];
}

/** A Worker that needs a cache: its key, and its weight (running workflows on its queue, plus one per association it serves). */
export interface CacheClaim {
  readonly key: string;
  readonly weight: number;
}

/**
 * Splits what is left of the process's cache budget (`held` is what running Workers already have:
 * a Worker's cache is fixed when it starts) among the Workers starting now: each gets the floor,
 * and the rest goes by weight (evenly when every weight is 0), remainders to the largest fractions,
 * so the shares sum to exactly what is left. When the floors alone exceed what is left, each still
 * gets the floor: a Worker must be able to hold its tasks; the log shows the budget exceeded.
 */
export function splitWorkflowCache(
  { workflowCache, workflowCacheFloor }: Pick<MemorySettings, 'workflowCache' | 'workflowCacheFloor'>,
  held: number,
  claims: readonly CacheClaim[],
): Map<string, number> {
  const shares = new Map<string, number>();
  if (claims.length === 0) return shares;
  const spare = Math.max(workflowCache - held - claims.length * workflowCacheFloor, 0);
  const total = claims.reduce((sum, claim) => sum + Math.max(claim.weight, 0), 0);
  const exact = claims.map((claim) =>
    total === 0 ? spare / claims.length : (spare * Math.max(claim.weight, 0)) / total,
  );
  const whole = exact.map(Math.floor);
  let left = spare - whole.reduce((sum, n) => sum + n, 0);
  const byFraction = exact.map((value, index) => ({ index, fraction: value - whole[index]! }));
  byFraction.sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (const { index } of byFraction) {
    if (left <= 0) break;
    whole[index]! += 1;
    left -= 1;
  }
  claims.forEach((claim, index) => shares.set(claim.key, workflowCacheFloor + whole[index]!));
  return shares;
}

/** One line for the start-up log: the effective settings, and the heap limit this process really has. */
export function describeMemorySettings(settings: MemorySettings, heapLimitMb: number): string {
  const heap =
    Math.abs(heapLimitMb - settings.heapMb) <= settings.heapMb * 0.1
      ? `heap ${settings.heapMb} MiB per isolate`
      : `heap ${Math.round(heapLimitMb)} MiB per isolate (STANDING_WORKER_HEAP_MB=${settings.heapMb} takes effect only as node --max-old-space-size=${settings.heapMb}, which npm run worker passes)`;
  return `memory: workflow cache ${settings.workflowCache} workflows for the process (at least ${settings.workflowCacheFloor} per Worker), per Worker ${settings.workflowTaskSlots} workflow tasks and ${settings.activitySlots} activities at once; ${heap}`;
}
