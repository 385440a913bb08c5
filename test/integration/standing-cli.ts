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

/**
 * `standing ...args` with Temporal at `address` and the association in `configFile` (STANDING_CONFIG:
 * one file, one association, so no command needs --association); a folder or an association id in
 * the environment of whoever runs the tests is left out.
 */
export async function standingCli(
  address: string,
  configFile: string,
  args: readonly string[],
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(projectRoot, 'bin', 'standing.js'), ...args], {
      cwd: projectRoot,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: 'default',
        STANDING_CONFIG: configFile,
        STANDING_ASSOCIATIONS: undefined,
        STANDING_ASSOCIATION: undefined,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CommandResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
