// npm start: the product on one machine, for the associations of examples/associations/ (SAMPLE and
// LAKESHORE side by side; STANDING_ASSOCIATIONS or STANDING_CONFIG names others). Installs the
// Temporal CLI if needed, starts its dev server (SQLite under .data/, Web UI on 127.0.0.1:8233, every
// namespace an association names, search attributes registered), the provider simulators
// (127.0.0.1:8790, seeded with what the providers hold for every roster), the worker pointed at them,
// the billing gateway (127.0.0.1:8787, a secret and a Stripe endpoint secret per association under
// .data/gateway-secrets/),
// imports each association's roster (members already there are skipped), prints the Temporal UI
// links, and runs until Ctrl-C. STANDING_TEMPORAL=cluster runs the production-shaped cluster instead
// of the dev server (scripts/cluster.ts, data in .data/cluster/) and two worker processes. Data is
// kept across restarts. Ctrl-C stops the children in reverse order, each given STOP_GRACE_MS before
// it is killed; a second Ctrl-C kills them all at once. npm start runs it with `node --import tsx`
// rather than the tsx command, whose signal relay kills a child that does not acknowledge a signal
// within 30 ms: a supervisor must outlive its children.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { loadRoster } from '../cli/files.js';
import { seedRecordsFor } from '../provider-simulators/seed.js';
import { searchAttributeFlags } from '../workflows/search-attributes.js';
import { associationSource, loadAssociationSet, sampleAssociationsFolder } from '../common/association-set.js';
import type { LoadedAssociation } from '../common/association-set.js';
import { registerSearchAttributes } from '../common/register-search-attributes.js';
import { connectionNamespace } from '../common/temporal-connection.js';
import { formatInputError } from '../schemas/parse.js';
import { memorySettingsOf, workerNodeFlags } from '../worker/memory-settings.js';
import { hostAndPort } from './host-and-port.js';
import { ensureTemporalCli, projectRoot } from './temporal-binaries.js';
import { ensureNamespace, frontendAnswers } from './temporal-cluster.js';

/** How long a child has to finish its work after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;
/** Records per request when seeding the simulators (they take at most MAX_SEED_PAGE). */
const SEED_PAGE = 2_000;
/** Signals this close to the first are that one, delivered twice. */
const SAME_SIGNAL_MS = 500;

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const { host, port } = hostAndPort(address);
const uiPort = process.env.STANDING_UI_PORT ?? '8233';
const dataDir = join(projectRoot, '.data');
/** One file per association id, each holding the gateway secret of an association whose file names none. */
const gatewaySecretsDir = join(dataDir, 'gateway-secrets');
/** The gateway's journal of Stripe payments per association (so refunds find their member after a restart). */
const gatewayStateDir = join(dataDir, 'gateway-state');
/** STANDING_TEMPORAL=cluster runs the production-shaped cluster (scripts/cluster.ts) instead of the dev server. */
const cluster = process.env.STANDING_TEMPORAL === 'cluster';
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

const temporalAnswers = () => frontendAnswers(address);

async function simulatorsAnswer(): Promise<boolean> {
  return (await fetch(`${simulatorUrl}/admin/faults`, { signal: AbortSignal.timeout(1_000) })).ok;
}

async function main(): Promise<void> {
  // The worker's memory settings, checked before anything starts; the heap is a node flag (each
  // isolate's limit), the rest the worker reads itself.
  const workerFlags = workerNodeFlags(memorySettingsOf(process.env));
  // The samples folder unless the environment names a folder or a file; the children load the same.
  const source = associationSource(undefined, process.env);
  const sourceEnv =
    process.env.STANDING_ASSOCIATIONS || process.env.STANDING_CONFIG
      ? {}
      : { STANDING_ASSOCIATIONS: sampleAssociationsFolder };
  const set = await loadAssociationSet(source, connectionNamespace());
  for (const problem of set.problems) say(`left out: ${formatInputError(problem)}`);
  const associations = [...set.associations.values()];
  if (associations.length === 0) throw new Error(`no association to run from ${source.path}`);
  if (source.kind === 'folder' && process.env.STANDING_ROSTER)
    say(`STANDING_ROSTER is not used with a folder: each association's roster is <name>.roster.csv beside its file`);
  const rosters = new Map<string, string>();
  for (const association of associations) {
    const roster =
      source.kind === 'file' && process.env.STANDING_ROSTER ? process.env.STANDING_ROSTER : await rosterOf(association);
    if (roster) rosters.set(association.id, roster);
  }
  const namespaces = [...new Set(associations.map((association) => association.namespace))];

  await mkdir(dataDir, { recursive: true });
  if (cluster) await startTemporalCluster(namespaces);
  else await startDevServer(namespaces);

  // Every roster, read once: seeded into the simulators and imported below.
  const at = new Date().toISOString();
  const members = new Map<string, Awaited<ReturnType<typeof loadRoster>>>();
  for (const [id, roster] of rosters) members.set(id, await loadRoster(roster, at));

  // The simulators stand in for M1, the MLS and the lockbox unless the environment names real ones
  // (STANDING_PROVIDERS_URL or STANDING_M1_URL, ...: see the README). One simulator serves every
  // association: their member ids differ.
  const realProviders = ['STANDING_PROVIDERS_URL', 'STANDING_M1_URL', 'STANDING_MLS_URL', 'STANDING_LOCKBOX_URL'].some(
    (name) => process.env[name],
  );
  if (!realProviders) {
    launch(
      'provider simulators',
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'provider-simulators', 'main.ts')],
      { STANDING_SIMULATOR_PORT: simulatorPort },
    );
    await waitUntil(`the provider simulators on ${simulatorUrl}`, simulatorsAnswer, 15_000, 250);
    const records = associations.flatMap((association) =>
      seedRecordsFor(members.get(association.id) ?? [], association.config),
    );
    // In pages: one request for a board of 60,000 members would be far over any sensible body limit.
    let added = 0;
    for (let from = 0; from < records.length; from += SEED_PAGE) {
      const seeded = await fetch(`${simulatorUrl}/admin/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: records.slice(from, from + SEED_PAGE) }),
      });
      const answer = (await seeded.json()) as { added?: number; message?: string };
      if (!seeded.ok) throw new Error(`the provider simulators refused the seed: ${answer.message ?? seeded.status}`);
      added += answer.added ?? 0;
    }
    say(
      `provider simulators on ${simulatorUrl}: ${added} roster record(s) seeded, ${records.length - added} already there`,
    );
  }

  const env = {
    TEMPORAL_ADDRESS: address,
    ...sourceEnv,
    ...(realProviders ? {} : { STANDING_PROVIDERS_URL: simulatorUrl }),
  };
  // Against the cluster, two worker processes share every task queue, as a production deployment would run.
  for (const worker of cluster ? ['worker 1', 'worker 2'] : ['worker'])
    launch(worker, process.execPath, [...workerFlags, '--import', 'tsx', join(projectRoot, 'worker', 'main.ts')], env);
  const gatewayPort = process.env.STANDING_GATEWAY_PORT ?? '8787';
  const secretPlaces = new Map<string, string>();
  const stripeSecretPlaces = new Map<string, string>();
  for (const association of associations) {
    secretPlaces.set(association.id, await gatewaySecretOf(association));
    stripeSecretPlaces.set(association.id, await stripeSecretOf(association));
  }
  launch('gateway', process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway', 'main.ts')], {
    ...env,
    STANDING_GATEWAY_SECRETS_DIR: gatewaySecretsDir,
    STANDING_GATEWAY_STATE_DIR: gatewayStateDir,
    STANDING_GATEWAY_PORT: gatewayPort,
  });
  for (const [id, roster] of rosters) {
    say(`importing ${relative(projectRoot, roster)} into ${id}`);
    const importer = launch(
      `import ${id}`,
      process.execPath,
      [join(projectRoot, 'bin', 'standing.js'), 'import', roster, '--association', id],
      env,
      { transient: true },
    );
    const [imported] = (await once(importer, 'exit')) as [number | null];
    if (imported !== 0) say(`the import into ${id} did not finish; the rest keeps running`);
  }

  for (const association of associations) {
    const { id, namespace, config } = association;
    const query = encodeURIComponent(`AssociationId="${id}"`);
    say(
      cluster
        ? `${id} (${config.association.name ?? id}): namespace ${namespace}; the cluster has no Web UI of its own (README: "Production-shaped Temporal")`
        : `${id} (${config.association.name ?? id}): Temporal UI http://127.0.0.1:${uiPort}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${query}`,
    );
    say(
      `  billing gateway: POST http://127.0.0.1:${gatewayPort}/v1/associations/${id}/events, signed with the secret in ${secretPlaces.get(id)} (docs/integrators.md)`,
    );
    say(
      `  Stripe webhooks: POST http://127.0.0.1:${gatewayPort}/v1/associations/${id}/stripe, with the endpoint secret in ${stripeSecretPlaces.get(id)} (docs/integrators.md, "Stripe")`,
    );
  }
  const tries = associations
    .map((association) => ({ id: association.id, member: members.get(association.id)?.[0]?.memberId }))
    .filter(({ member }) => member !== undefined)
    .map(({ id, member }) => `npx standing show ${member} --association ${id}`);
  if (tries.length > 0) say(`try: ${tries.join('; ')}`);
  say(`(Ctrl-C stops everything; data stays in .data/)`);
}

/** The Temporal CLI's dev server (the default): SQLite in .data/, the Web UI, the namespaces made by its flags. */
async function startDevServer(namespaces: readonly string[]): Promise<void> {
  const temporal = await ensureTemporalCli(say);
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
    // `default` always exists; an association with a namespace of its own gets it made here.
    ...namespaces.filter((namespace) => namespace !== 'default').flatMap((namespace) => ['--namespace', namespace]),
  ]);
  await waitUntil(`the Temporal dev server on ${address}`, temporalAnswers, 60_000, 500);
  {
    // start-dev registers --search-attribute only on a new database: data kept from an older
    // version gets the attributes added since (ProviderSync, say) here, in every namespace used.
    const connection = await Connection.connect({ address });
    for (const namespace of namespaces) await registerSearchAttributes(connection, namespace);
    await connection.close();
  }
}

/**
 * STANDING_TEMPORAL=cluster: the production-shaped cluster (npm run cluster, data in .data/cluster/)
 * started here unless one already answers on the address, every namespace used registered with the
 * membership search attributes (7 days' retention). Stopped last, by SIGTERM: the server, then PostgreSQL.
 */
async function startTemporalCluster(namespaces: readonly string[]): Promise<void> {
  if (await temporalAnswers().catch(() => false))
    say(`a Temporal already answers on ${address}: using it as the cluster`);
  else {
    say(`Temporal cluster (server + PostgreSQL) on ${address}, data in .data/cluster/`);
    launch('temporal cluster', process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'cluster.ts')], {
      STANDING_CLUSTER_PORT: port,
      STANDING_CLUSTER_SUPERVISED: '1',
    });
    // The first start builds the server (go install): minutes.
    await waitUntil(`the Temporal cluster on ${address}`, temporalAnswers, 20 * 60_000, 1_000);
  }
  for (const namespace of namespaces) await ensureNamespace(address, namespace, 7);
}

/** An association's roster: `<name>.roster.csv` beside its file `<name>.yaml`, if there is one. */
async function rosterOf(association: LoadedAssociation): Promise<string | undefined> {
  const file = association.file;
  const beside = join(dirname(file), `${basename(file, extname(file))}.roster.csv`);
  return access(beside).then(
    () => beside,
    () => undefined,
  );
}

/**
 * Where an association's gateway secret is: the variable or file its own file names, else one made
 * for this machine once and kept in .data/gateway-secrets/<id> (the gateway reads it there).
 */
async function gatewaySecretOf(association: LoadedAssociation): Promise<string> {
  const own = association.config.gateway;
  if (own?.secretsEnv) return `the variable ${own.secretsEnv}`;
  if (own?.secretsFile) return relative(projectRoot, join(dirname(association.file), own.secretsFile));
  const file = join(gatewaySecretsDir, association.id);
  await mkdir(gatewaySecretsDir, { recursive: true, mode: 0o700 });
  const kept = await readFile(file, 'utf8').catch(() => '');
  if (!kept.trim()) await writeFile(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return relative(projectRoot, file);
}

/**
 * Where an association's Stripe endpoint secret is: as for its gateway secret, else one made for this
 * machine once, in Stripe's form (`whsec_...`), kept in .data/gateway-secrets/<id>.stripe. With a real
 * Stripe endpoint, replace it with the endpoint's signing secret (or `stripe listen`'s).
 */
async function stripeSecretOf(association: LoadedAssociation): Promise<string> {
  const own = association.config.gateway;
  if (own?.stripeSecretsEnv) return `the variable ${own.stripeSecretsEnv}`;
  if (own?.stripeSecretsFile) return relative(projectRoot, join(dirname(association.file), own.stripeSecretsFile));
  const file = join(gatewaySecretsDir, `${association.id}.stripe`);
  await mkdir(gatewaySecretsDir, { recursive: true, mode: 0o700 });
  const kept = await readFile(file, 'utf8').catch(() => '');
  if (!kept.trim()) await writeFile(file, `whsec_${randomBytes(24).toString('base64')}\n`, { mode: 0o600 });
  return relative(projectRoot, file);
}

main().catch((error: unknown) => {
  if (stopping) return;
  say(`could not start: ${(error as Error).message}`);
  void stop(1);
});
