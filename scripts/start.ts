// npm start: the product on one machine. Installs the Temporal CLI if needed, starts its dev server
// (SQLite under .data/, Web UI on 127.0.0.1:8233, search attributes registered), the provider
// simulators (127.0.0.1:8790, seeded with what the providers hold for the roster), the worker
// pointed at them, the billing gateway (127.0.0.1:8787), imports the sample association's roster (members already there are skipped),
// prints the Temporal UI link, and runs until Ctrl-C. Data is kept across restarts.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { loadRoster } from '../cli/files.js';
import { seedRecordsFor } from '../provider-simulators/seed.js';
import { searchAttributeFlags } from '../workflows/search-attributes.js';
import { readAssociationFile, sampleAssociationFile } from '../common/association-file.js';
import { registerSearchAttributes } from '../common/register-search-attributes.js';
import { ensureTemporalCli, projectRoot } from './temporal-binaries.js';

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const [host, port] = address.split(':') as [string, string];
const uiPort = process.env.STANDING_UI_PORT ?? '8233';
const config = process.env.STANDING_CONFIG ?? sampleAssociationFile;
const roster = process.env.STANDING_ROSTER ?? join(projectRoot, 'examples', 'sample-roster.csv');
const dataDir = join(projectRoot, '.data');
const simulatorPort = process.env.STANDING_SIMULATOR_PORT ?? '8790';
const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
const say = (line: string) => console.log(`[start] ${line}`);
const children: ChildProcess[] = [];

function launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping`);
      void stop(1);
    }
  });
  return child;
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The worker first (it finishes its tasks), then the server.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function waitForServer(): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within a minute`);
}

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
await waitForServer();
{
  // start-dev registers --search-attribute only on a new database: data kept from an older
  // version gets the attributes added since (ProviderSync, say) here.
  const connection = await Connection.connect({ address });
  await registerSearchAttributes(connection, 'default');
  await connection.close();
}

async function waitForSimulators(): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    try {
      if ((await fetch(`${simulatorUrl}/admin/faults`)).ok) return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`the provider simulators did not answer on ${simulatorUrl}`);
}

// The simulators stand in for M1, the MLS and the lockbox unless the environment names real ones
// (STANDING_PROVIDERS_URL or STANDING_M1_URL, ...: see the README).
const realProviders = ['STANDING_PROVIDERS_URL', 'STANDING_M1_URL', 'STANDING_MLS_URL', 'STANDING_LOCKBOX_URL'].some(
  (name) => process.env[name],
);
const association = await readAssociationFile(config);
if (!realProviders) {
  launch('provider simulators', process.execPath, ['--import', 'tsx', join(projectRoot, 'simulators', 'main.ts')], {
    STANDING_SIMULATOR_PORT: simulatorPort,
  });
  await waitForSimulators();
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
const gatewayPort = process.env.STANDING_GATEWAY_PORT ?? '8787';
launch('gateway', process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway', 'main.ts')], {
  ...env,
  STANDING_GATEWAY_SECRET: await gatewaySecret(),
  STANDING_GATEWAY_PORT: gatewayPort,
});
say(`importing ${roster}`);
const importer = spawn(process.execPath, [join(projectRoot, 'bin', 'standing.js'), 'import', roster], {
  env: { ...process.env, ...env },
  stdio: 'inherit',
});
const imported = await new Promise<number | null>((resolve) => importer.on('exit', resolve));
if (imported !== 0) say('the sample import did not finish; the rest keeps running');

const query = encodeURIComponent(`AssociationId="${association.association.id}"`);
say(
  `Temporal UI, ${association.association.name ?? association.association.id} memberships: http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${query}`,
);
say(
  `billing gateway: POST http://127.0.0.1:${gatewayPort}/v1/events, signed with the secret in ${process.env.STANDING_GATEWAY_SECRET ? 'STANDING_GATEWAY_SECRET' : '.data/gateway-secret'} (docs/integrators.md)`,
);
say(`try: npx standing show S0001   (Ctrl-C stops everything; data stays in .data/)`);
