// Runs the `standing` command against a test's dev server: in this process by default (its `main`,
// with its environment and output as a terminal would give them; a process each would cost most of
// the CLI tests' time), or as the real binary in a process of its own, as a person would run it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../cli/main.js';
import { defaultNamespace } from './dev-server.js';

const run = promisify(execFile);
export const projectRoot = join(import.meta.dirname, '..', '..');

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What a test's command runs with: its Temporal and its one association file (so no --association is needed). */
function environmentOf(address: string, configFile: string): Record<string, string | undefined> {
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: defaultNamespace,
    STANDING_CONFIG: configFile,
    // A folder or an association id in the environment of whoever runs the tests is left out.
    STANDING_ASSOCIATIONS: undefined,
    STANDING_ASSOCIATION: undefined,
  };
}

/** Commands run in this process one at a time: each takes over stdout, stderr and the environment while it runs. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * `standing ...args` in this process: `main` with the command's environment, its stdout and stderr
 * captured, and its exit code, exactly as bin/standing.js would give them.
 */
export function standingCli(address: string, configFile: string, args: readonly string[]): Promise<CommandResult> {
  const running = queue.then(async () => {
    const environment = environmentOf(address, configFile);
    const saved = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]));
    const restoreEnvironment = () => {
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    };
    for (const [name, value] of Object.entries(environment))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    const output = { stdout: '', stderr: '' };
    const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
    const capture = (stream: 'stdout' | 'stderr') =>
      ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        output[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = capture('stdout');
    process.stderr.write = capture('stderr');
    try {
      const code = await main(args);
      return { code, ...output };
    } finally {
      process.stdout.write = writes.stdout;
      process.stderr.write = writes.stderr;
      restoreEnvironment();
    }
  });
  queue = running.catch(() => undefined);
  return running;
}

/** `standing ...args` as the real binary (bin/standing.js) in a process of its own. */
export async function standingBinary(
  address: string,
  configFile: string,
  args: readonly string[],
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(projectRoot, 'bin', 'standing.js'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...environmentOf(address, configFile) },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CommandResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
