// A benchmark's worker in a process of its own, so its memory is the worker's alone: started with
// --expose-gc under tsx, it says 'ready', answers 'memory' with its heap, RSS and cached workflows
// after a GC, and stops on 'stop'. Both sides of that exchange live here.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Worker } from '@temporalio/worker';

export interface WorkerMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly cached: number;
}

/** The benchmark's side: forks `script` and waits until its worker is ready. */
export async function forkWorkerProcess(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; memory: () => Promise<WorkerMemory> }> {
  const child = fork(script, [...args], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, ...env },
  });
  const replies: ((value: unknown) => void)[] = [];
  child.on('message', (message) => replies.shift()?.(message));
  const nextMessage = () => new Promise((resolve) => replies.push(resolve));
  await nextMessage();
  return {
    child,
    memory: async () => {
      const reply = nextMessage();
      child.send('memory');
      return (await reply) as WorkerMemory;
    },
  };
}

/** The worker's side: answers the benchmark's messages, then runs the worker until told to stop. */
export async function serveWorkerProcess(worker: Worker): Promise<void> {
  process.on('message', (message) => {
    if (message === 'memory') {
      // Twice: the first GC can leave garbage a finalizer released for the second.
      globalThis.gc?.();
      globalThis.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      process.send?.({ rss, heapUsed, cached: worker.getStatus().numCachedWorkflows } satisfies WorkerMemory);
    }
    if (message === 'stop') worker.shutdown();
  });
  process.send?.('ready');
  await worker.run();
}
