// Debian's Chromium for the browser test of the Temporal UI: installed with apt when missing
// (never a browser downloaded by a test tool). CHROMIUM_PATH names another executable.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

export async function ensureChromium(log: (line: string) => void = () => undefined): Promise<string> {
  const path = process.env.CHROMIUM_PATH ?? DEBIAN_CHROMIUM;
  if (await executable(path)) return path;
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${path} is not an executable`);
  log('installing Debian chromium with apt-get (once)');
  // As root directly; otherwise through sudo, if it asks for no password.
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = async (...args: string[]) => {
    const [command, ...rest] = [...asRoot, 'apt-get', ...args];
    await run(command!, rest, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
    });
  };
  try {
    await apt('update', '-qq');
    await apt('install', '-y', '-qq', '--no-install-recommends', 'chromium');
  } catch (error) {
    throw new Error(
      `could not install chromium with apt-get (${(error as Error).message.split('\n')[0]}); install Debian's chromium package, or set CHROMIUM_PATH`,
      { cause: error },
    );
  }
  if (!(await executable(path))) throw new Error(`apt-get installed chromium, but ${path} is not there`);
  return path;
}
