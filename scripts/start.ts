// npm start: the product on one machine. Installs the Temporal CLI if needed, starts its dev server
// (SQLite under .data/, Web UI on 127.0.0.1:8233, search attributes registered), the provider
// simulators (127.0.0.1:8790, seeded with what the providers hold for the roster), the worker
// pointed at them, the billing gateway (127.0.0.1:8787), imports the sample association's roster
// (members already there are skipped), prints the Temporal UI link, and runs until Ctrl-C. Data is
// kept across restarts. Ctrl-C stops the children in reverse order, each given STOP_GRACE_MS before
// it is killed; a second Ctrl-C kills them all at once. npm start runs it with `node --import tsx`
// rather than the tsx command, whose signal relay kills a child that does not acknowledge a signal
// within 30 ms: a supervisor must outlive its children.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { loadRoster } from '../cli/files.js';
import { seedRecordsFor } from '../provider-simulators/seed.js';
import { searchAttributeFlags } from '../workflows/search-attributes.js';
import { readAssociationFile, sampleAssociationFile } from '../common/association-file.js';
import { registerSearchAttributes } from '../common/register-search-attributes.js';
import { hostAndPort } from './host-and-port.js';
import { ensureTemporalCli, projectRoot } from './temporal-binaries.js';

/** How long a child has to finish its work after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;
/** Signals this close to the first are that one, delivered twice. */
const SAME_SIGNAL_MS = 500;

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const { host, port } = hostAndPort(address);
const uiPort = process.env.STANDING_UI_PORT ?? '8233';
const config = process.env.STANDING_CONFIG ?? sampleAssociationFile;
const roster = process.env.STANDING_ROSTER ?? join(projectRoot, 'examples', 'sample-roster.csv');
const dataDir = join(projectRoot, '.data');
const simulatorPort = process.env.STANDING_SIMULATOR_PORT ?? '8790';
const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
const say = (line: string) => console.log(`[start] ${line}`);

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
}
const children: Child[] = [];
const running = (child: Child) => child.process.exitCode === null && child.process.signalCode === null;

/**
 * Starts a child whose output is ours. One that stops on its own stops everything, unless it is
 * `transient` (a one-off task, like the import).
 */
function launch(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  { transient = false } = {},
): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push({ name, process: child });
  child.on('error', (error) => {
    say(`${name} could not start: ${error.message}`);
    if (!transient) void stop(1);
  });
  child.on('exit', (code, signal) => {
    if (!transient && !stopping) {
      say(`${name} exited (${signal ?? code}); stopping`);
      void stop(1);
    }
  });
  return child;
}

/** SIGTERM, then SIGKILL if the child has not exited within the grace period. */
async function end(child: Child): Promise<void> {
  if (!running(child)) return;
  const exited = once(child.process, 'exit');
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    say(`${child.name} did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
    child.process.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function killAll(): void {
  for (const child of children) if (running(child)) child.process.kill('SIGKILL');
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The last started first: the gateway and the worker (which finishes its tasks) before the server.
  for (const child of [...children].reverse()) await end(child);
  process.exit(code);
}
/** When the first Ctrl-C (or SIGTERM) came. */
let stopAsked = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stopping) {
      stopAsked = Date.now();
      say(`stopping (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again kills everything at once)`);
      void stop(0);
      return;
    }
    // One Ctrl-C can arrive more than once (the terminal signals the whole process group, and a
    // parent such as npm may pass it on): only one that comes later is a second Ctrl-C.
    if (Date.now() - stopAsked < SAME_SIGNAL_MS) return;
    say('killing everything now');
    killAll();
    process.exit(130);
  });
}
// However this process ends, it leaves no child behind.
process.on('exit', killAll);

/** Asks `ready` every `intervalMs` until it answers true; throws once `timeoutMs` has passed. */
async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs: number, intervalMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (Date.now() >= deadline) throw new Error(`${what} did not answer within ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
}

async function temporalAnswers(): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: '1s' });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

async function simulatorsAnswer(): Promise<boolean> {
  return (await fetch(`${simulatorUrl}/admin/faults`, { signal: AbortSignal.timeout(1_000) })).ok;
}

async function main(): Promise<void> {
  const temporal = await ensureTemporalCli(say);
  await mkdir(dataDir, { recursive: true });
  say(`Temporal dev server on ${address}, data in .data/temporal.sqlite`);
  launch('temporal server', temporal, [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    port,
    '--ui-ip',
    '127.0.0.1',
    '--ui-port',
    uiPort,
    '--db-filename',
    join(dataDir, 'temporal.sqlite'),
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--log-level',
    'warn',
    ...searchAttributeFlags.flatMap((flag) => ['--search-attribute', flag]),
  ]);
  await waitUntil(`the Temporal dev server on ${address}`, temporalAnswers, 60_000, 500);
  {
    // start-dev registers --search-attribute only on a new database: data kept from an older
    // version gets the attributes added since (ProviderSync, say) here.
    const connection = await Connection.connect({ address });
    await registerSearchAttributes(connection, 'default');
    await connection.close();
  }

  // The simulators stand in for M1, the MLS and the lockbox unless the environment names real ones
  // (STANDING_PROVIDERS_URL or STANDING_M1_URL, ...: see the README).
  const realProviders = ['STANDING_PROVIDERS_URL', 'STANDING_M1_URL', 'STANDING_MLS_URL', 'STANDING_LOCKBOX_URL'].some(
    (name) => process.env[name],
  );
  const association = await readAssociationFile(config);
  if (!realProviders) {
    launch(
      'provider simulators',
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'provider-simulators', 'main.ts')],
      { STANDING_SIMULATOR_PORT: simulatorPort },
    );
    await waitUntil(`the provider simulators on ${simulatorUrl}`, simulatorsAnswer, 15_000, 250);
    const records = seedRecordsFor(await loadRoster(roster, new Date().toISOString()), association);
    const seeded = await fetch(`${simulatorUrl}/admin/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    const { added } = (await seeded.json()) as { added: number };
    say(
      `provider simulators on ${simulatorUrl}: ${added} roster record(s) seeded, ${records.length - added} already there`,
    );
  }

  const env = {
    TEMPORAL_ADDRESS: address,
    STANDING_CONFIG: config,
    ...(realProviders ? {} : { STANDING_PROVIDERS_URL: simulatorUrl }),
  };
  launch('worker', process.execPath, ['--import', 'tsx', join(projectRoot, 'worker', 'main.ts')], env);
  const gatewayPort = process.env.STANDING_GATEWAY_PORT ?? '8787';
  launch('gateway', process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway', 'main.ts')], {
    ...env,
    STANDING_GATEWAY_SECRET: await gatewaySecret(),
    STANDING_GATEWAY_PORT: gatewayPort,
  });
  say(`importing ${roster}`);
  const importer = launch(
    'import',
    process.execPath,
    [join(projectRoot, 'bin', 'standing.js'), 'import', roster],
    env,
    {
      transient: true,
    },
  );
  const [imported] = (await once(importer, 'exit')) as [number | null];
  if (imported !== 0) say('the sample import did not finish; the rest keeps running');

  const query = encodeURIComponent(`AssociationId="${association.association.id}"`);
  say(
    `Temporal UI, ${association.association.name ?? association.association.id} memberships: http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${query}`,
  );
  say(
    `billing gateway: POST http://127.0.0.1:${gatewayPort}/v1/events, signed with the secret in ${process.env.STANDING_GATEWAY_SECRET ? 'STANDING_GATEWAY_SECRET' : '.data/gateway-secret'} (docs/integrators.md)`,
  );
  say(`try: npx standing show S0001   (Ctrl-C stops everything; data stays in .data/)`);
}

/** The gateway's shared secret: STANDING_GATEWAY_SECRET, else one made for this machine and kept in .data/. */
async function gatewaySecret(): Promise<string> {
  if (process.env.STANDING_GATEWAY_SECRET) return process.env.STANDING_GATEWAY_SECRET;
  const file = join(dataDir, 'gateway-secret');
  const kept = await readFile(file, 'utf8').catch(() => '');
  if (kept.trim()) return kept.trim();
  const made = randomBytes(24).toString('hex');
  await writeFile(file, `${made}\n`, { mode: 0o600 });
  return made;
}

main().catch((error: unknown) => {
  if (stopping) return;
  say(`could not start: ${(error as Error).message}`);
  void stop(1);
});
