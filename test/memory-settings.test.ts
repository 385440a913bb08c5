// The worker's memory settings: defaults for a 2 GB container, errors naming the variable, and the
// workflow cache budget split across a process's Workers.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACTIVITY_SLOTS,
  DEFAULT_WORKER_HEAP_MB,
  DEFAULT_WORKFLOW_CACHE,
  DEFAULT_WORKFLOW_CACHE_FLOOR,
  DEFAULT_WORKFLOW_TASK_SLOTS,
  describeMemorySettings,
  memorySettingsOf,
  splitWorkflowCache,
  workerNodeFlags,
} from '../worker/memory-settings.js';

const sum = (shares: Map<string, number>) => [...shares.values()].reduce((a, b) => a + b, 0);

describe('memory settings from the environment', () => {
  it('defaults to the 2 GB container figures when nothing is set, or a variable is empty', () => {
    const expected = {
      heapMb: DEFAULT_WORKER_HEAP_MB,
      workflowCache: DEFAULT_WORKFLOW_CACHE,
      workflowCacheFloor: DEFAULT_WORKFLOW_CACHE_FLOOR,
      workflowTaskSlots: DEFAULT_WORKFLOW_TASK_SLOTS,
      activitySlots: DEFAULT_ACTIVITY_SLOTS,
    };
    expect(memorySettingsOf({})).toEqual(expected);
    expect(memorySettingsOf({ STANDING_WORKFLOW_CACHE: '', STANDING_WORKER_HEAP_MB: '  ' })).toEqual(expected);
    expect(workerNodeFlags(memorySettingsOf({}))).toEqual([`--max-old-space-size=${DEFAULT_WORKER_HEAP_MB}`]);
  });

  it('reads every variable', () => {
    expect(
      memorySettingsOf({
        STANDING_WORKER_HEAP_MB: '3072',
        STANDING_WORKFLOW_CACHE: '4000',
        STANDING_WORKFLOW_CACHE_FLOOR: '50',
        STANDING_WORKFLOW_TASK_SLOTS: '20',
        STANDING_ACTIVITY_SLOTS: '40',
      }),
    ).toEqual({ heapMb: 3072, workflowCache: 4000, workflowCacheFloor: 50, workflowTaskSlots: 20, activitySlots: 40 });
  });

  it('names each variable that is wrong, with the value given', () => {
    expect(() => memorySettingsOf({ STANDING_WORKFLOW_CACHE: 'lots', STANDING_ACTIVITY_SLOTS: '2.5' })).toThrow(
      /STANDING_WORKFLOW_CACHE=lots: .*; STANDING_ACTIVITY_SLOTS=2\.5: /,
    );
    expect(() => memorySettingsOf({ STANDING_WORKER_HEAP_MB: '64' })).toThrow(/^STANDING_WORKER_HEAP_MB=64: /);
    expect(() => memorySettingsOf({ STANDING_WORKFLOW_TASK_SLOTS: '1' })).toThrow(/^STANDING_WORKFLOW_TASK_SLOTS=1: /);
  });

  it('refuses a floor above the budget, naming both', () => {
    expect(() => memorySettingsOf({ STANDING_WORKFLOW_CACHE: '100', STANDING_WORKFLOW_CACHE_FLOOR: '200' })).toThrow(
      'STANDING_WORKFLOW_CACHE_FLOOR=200: must not exceed STANDING_WORKFLOW_CACHE (100)',
    );
  });

  it('logs the heap it really has when the node flag is missing', () => {
    const settings = memorySettingsOf({});
    expect(describeMemorySettings(settings, 1072)).toContain('heap 1024 MiB per isolate');
    expect(describeMemorySettings(settings, 4144)).toContain(
      'heap 4144 MiB per isolate (STANDING_WORKER_HEAP_MB=1024 takes effect only as node --max-old-space-size=1024',
    );
  });
});

describe('the workflow cache budget, split across Workers', () => {
  const budget = { workflowCache: 1000, workflowCacheFloor: 20 };

  it('gives an empty legacy queue the floor and a board about to be imported the rest', () => {
    const shares = splitWorkflowCache(budget, 0, [
      { key: 'legacy', weight: 0 },
      { key: 'MRAR', weight: 1 },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ legacy: 20, MRAR: 980 });
  });

  it('splits by running workflows, every share at least the floor, summing to the budget', () => {
    const shares = splitWorkflowCache(budget, 0, [
      { key: 'big', weight: 30_001 },
      { key: 'small-1', weight: 101 },
      { key: 'small-2', weight: 101 },
      { key: 'legacy', weight: 0 },
    ]);
    expect(sum(shares)).toBe(1000);
    expect(shares.get('legacy')).toBe(20);
    expect(shares.get('small-1')).toBe(shares.get('small-2'));
    expect(shares.get('small-1')).toBeGreaterThanOrEqual(20);
    expect(shares.get('big')).toBeGreaterThan(900);
  });

  it('splits evenly when nothing weighs anything, remainders to the first', () => {
    const shares = splitWorkflowCache({ workflowCache: 100, workflowCacheFloor: 2 }, 0, [
      { key: 'a', weight: 0 },
      { key: 'b', weight: 0 },
      { key: 'c', weight: 0 },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ a: 34, b: 33, c: 33 });
  });

  it('gives a Worker started later what the running ones leave', () => {
    const shares = splitWorkflowCache(budget, 900, [{ key: 'added', weight: 5 }]);
    expect(Object.fromEntries(shares)).toEqual({ added: 100 });
  });

  it('still gives the floor when the budget is spent', () => {
    const shares = splitWorkflowCache(budget, 1000, [
      { key: 'late-1', weight: 10 },
      { key: 'late-2', weight: 0 },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ 'late-1': 20, 'late-2': 20 });
  });

  it('splits nothing among no Workers', () => {
    expect(splitWorkflowCache(budget, 0, []).size).toBe(0);
  });
});
