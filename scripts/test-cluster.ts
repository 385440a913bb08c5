// npm run test:cluster [-- vitest arguments]: the integration suite (test/integration/) against the
// production-shaped cluster instead of a dev server per test file. Starts a test cluster of its own
// (data in .data/cluster-test/, frontend 127.0.0.1:7433, PostgreSQL 127.0.0.1:5434, so it runs beside
// `npm start` or `npm run cluster`) and stops it afterwards, unless STANDING_TEST_CLUSTER names a
// running one. Each test file works in namespaces of its own (test/integration/dev-server.ts).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { projectRoot } from './temporal-binaries.js';
import { startCluster } from './temporal-cluster.js';
import type { RunningCluster } from './temporal-cluster.js';

const say = (line: string) => console.log(`[test:cluster] ${line}`);

async function main(): Promise<number> {
  let cluster: RunningCluster | undefined;
  let address = process.env.STANDING_TEST_CLUSTER;
  if (!address) {
    const frontendPort = Number(process.env.STANDING_TEST_CLUSTER_PORT ?? 7433);
    const postgresPort = Number(process.env.STANDING_TEST_CLUSTER_PG_PORT ?? 5434);
    say(`starting a test cluster on 127.0.0.1:${frontendPort} (data in .data/cluster-test/)`);
    cluster = await startCluster({
      dataDir: join(projectRoot, '.data', 'cluster-test'),
      frontendPort,
      postgresPort,
      // Namespaces and their attributes are registered every few seconds, and used at once.
      freshSearchAttributes: true,
      log: say,
    });
    address = cluster.address;
  }
  // A Ctrl-C reaches vitest too; this process waits for it to end, then stops the cluster.
  process.on('SIGINT', () => say('stopping after the tests'));
  const args = process.argv.slice(2);
  const vitest = spawn(
    join(projectRoot, 'node_modules', '.bin', 'vitest'),
    ['run', ...(args.length > 0 ? args : ['test/integration/'])],
    { cwd: projectRoot, env: { ...process.env, STANDING_TEST_CLUSTER: address }, stdio: 'inherit' },
  );
  const [code] = (await once(vitest, 'exit')) as [number | null];
  if (cluster) {
    say('stopping the test cluster');
    await cluster.stop();
  }
  return code ?? 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`could not run: ${(error as Error).message}`);
    process.exit(1);
  },
);
