// The real `standing` binary in a process of its own, as a person or a script runs it (tests that
// need no Temporal): its exit code, stdout and stderr.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = join(import.meta.dirname, '..');

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function standing(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin', 'standing.js'), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
