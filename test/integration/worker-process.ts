// The standing worker as `npm run worker` runs it (worker/main.ts in a process of its own) against a
// test's dev server, its output kept for a failing test: for tests of what only a real worker
// process shows (a crash, a folder of associations, walls between them).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { inject } from 'vitest';
import { record } from '../quiet-logs.js';
import { defaultNamespace } from './dev-server.js';
import { projectRoot } from './standing-cli.js';
import { memorySettingsOf, workerNodeFlags } from '../../worker/memory-settings.js';

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it has printed on stdout so far. */
  output(): string;
  /** SIGTERM (a graceful shutdown), and its exit; nothing if it has already exited. */
  stop(): Promise<void>;
}

/**
 * Starts a worker with `env` (TEMPORAL_ADDRESS and STANDING_ASSOCIATIONS or STANDING_CONFIG, at
 * least) over the tests' own settings, started as npm run worker starts it (the heap flag): the tests' workflow bundle, no nightly schedule, INFO logs,
 * and no association source from the environment of whoever runs the tests. Resolves once it says
 * it is running.
 */
export async function startWorkerProcess(name: string, env: Record<string, string>): Promise<WorkerProcess> {
  const {
    STANDING_CONFIG: _file,
    STANDING_ASSOCIATIONS: _folder,
    STANDING_ASSOCIATION: _id,
    ...inherited
  } = process.env;
  // The node flags npm run worker passes (the heap per isolate).
  const flags = workerNodeFlags(memorySettingsOf({ ...inherited, ...env }));
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join('worker', 'main.ts')], {
    cwd: projectRoot,
    env: {
      ...inherited,
      TEMPORAL_NAMESPACE: defaultNamespace,
      STANDING_WORKFLOW_BUNDLE: inject('workflowBundle'),
      STANDING_RECONCILE_CRON: 'off',
      STANDING_LOG_LEVEL: 'INFO',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => record(name, chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      record(name, chunk.toString());
      if (output.includes('[worker] running')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it ran`)));
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
