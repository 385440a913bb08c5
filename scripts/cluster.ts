// npm run cluster: the production-shaped Temporal (scripts/temporal-cluster.ts) on 127.0.0.1:7233,
// data in .data/cluster/, the `default` namespace (7 days' retention) and every namespace in
// STANDING_CLUSTER_NAMESPACES registered with the membership search attributes; runs until SIGINT
// or SIGTERM, which stop the server, then PostgreSQL. `STANDING_TEMPORAL=cluster npm start` runs
// this as its Temporal.
import { relative } from 'node:path';
import { projectRoot } from './temporal-binaries.js';
import { clusterDefaults, ensureNamespace, startCluster, temporalAnswers } from './temporal-cluster.js';
import type { RunningCluster } from './temporal-cluster.js';

const say = (line: string) => console.log(`[cluster] ${line}`);
/** Retention of closed workflows in the namespaces registered here. */
const RETENTION_DAYS = 7;

let cluster: RunningCluster | undefined;
let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Asked during the start: main stops what it has started once startCluster returns.
  if (!cluster) return;
  say('stopping the Temporal server, then PostgreSQL');
  await cluster.stop();
  process.exit(code);
}
// Under npm start, a Ctrl-C reaches every process of the terminal: this one waits for npm start's
// SIGTERM, which comes after the workers and the gateway have stopped.
const signals = process.env.STANDING_CLUSTER_SUPERVISED ? (['SIGTERM'] as const) : (['SIGINT', 'SIGTERM'] as const);
for (const signal of signals) process.on(signal, () => void stop(0));
if (process.env.STANDING_CLUSTER_SUPERVISED) process.on('SIGINT', () => undefined);

async function main(): Promise<void> {
  const { dataDir, frontendPort, postgresPort } = clusterDefaults;
  const address = `127.0.0.1:${frontendPort}`;
  if (await temporalAnswers(address))
    throw new Error(`something already answers on ${address} (npm start's dev server?)`);
  say(`PostgreSQL on 127.0.0.1:${postgresPort}, data in ${relative(projectRoot, dataDir)}/`);
  const started = await startCluster({ dataDir, frontendPort, postgresPort, log: say });
  cluster = started;
  if (stopping) {
    await started.stop();
    process.exit(0);
  }
  const namespaces = new Set([
    'default',
    ...(process.env.STANDING_CLUSTER_NAMESPACES ?? '').split(',').filter((name) => name.trim()),
  ]);
  for (const namespace of namespaces) await ensureNamespace(address, namespace.trim(), RETENTION_DAYS);
  say(
    `Temporal server (${[...namespaces].join(', ')}) on ${address}; no Web UI in this build (README: "Production-shaped Temporal")`,
  );
  say('ready (Ctrl-C stops the server, then PostgreSQL; data stays)');
  const how = await cluster.exited;
  if (!stopping) {
    say(`the Temporal server exited (${how}); stopping PostgreSQL`);
    await stop(1);
  }
}

main().catch(async (error: unknown) => {
  say(`could not start: ${(error as Error).message}`);
  stopping = false;
  await stop(1);
  process.exit(1);
});
