// Runs the real `standing` command against a test's dev server, as a person would in a terminal.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const projectRoot = join(import.meta.dirname, '..', '..');

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `standing ...args` with Temporal at `address` and the association in `configFile`. */
export async function standingCli(
  address: string,
  configFile: string,
  args: readonly string[],
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(projectRoot, 'bin', 'standing.js'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', STANDING_CONFIG: configFile },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CommandResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
