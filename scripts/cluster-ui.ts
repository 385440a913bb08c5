// npm run cluster:ui: the Temporal Web UI for the cluster (the server build has none): the official
// UI server `github.com/temporalio/ui-server/v2` (its assets are in the module), built once with
// `go install` into .tools/temporal-ui/, on http://127.0.0.1:8233 against the cluster's frontend.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { projectRoot } from './temporal-binaries.js';
import { clusterDefaults, goTool } from './temporal-cluster.js';

const run = promisify(execFile);
const say = (line: string) => console.log(`[cluster:ui] ${line}`);

/** Pinned: v2.55.0 is the last release whose go.mod this machine's Go (1.26.8) satisfies. */
const pinnedUi = { module: 'github.com/temporalio/ui-server/v2', version: 'v2.55.0' } as const;
const uiTools = join(projectRoot, '.tools', 'temporal-ui');

async function ensureUiServer(): Promise<string> {
  const binary = join(uiTools, 'server');
  const marker = join(uiTools, 'version');
  const wanted = `${pinnedUi.module}@${pinnedUi.version}`;
  const installed = await readFile(marker, 'utf8').catch(() => '');
  const present = await access(binary, constants.X_OK).then(
    () => true,
    () => false,
  );
  if (installed === wanted && present) return binary;
  say(`building the Temporal UI server ${pinnedUi.version} (go install, a few minutes the first time)`);
  await mkdir(uiTools, { recursive: true });
  await run(await goTool(), ['install', `${pinnedUi.module}/cmd/server@${pinnedUi.version}`], {
    env: { ...process.env, GOBIN: uiTools, GOFLAGS: '-buildvcs=false' },
    maxBuffer: 1 << 26,
  });
  await writeFile(marker, wanted);
  return binary;
}

async function main(): Promise<void> {
  const server = await ensureUiServer();
  const address = process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${clusterDefaults.frontendPort}`;
  const port = Number(process.env.STANDING_UI_PORT ?? 8233);
  const root = join(clusterDefaults.dataDir, 'ui');
  await mkdir(join(root, 'config'), { recursive: true });
  // Loopback only, no auth: the same trust as the cluster it shows.
  await writeFile(
    join(root, 'config', 'production.yaml'),
    stringify({ temporalGrpcAddress: address, host: '127.0.0.1', port, enableUi: true, defaultNamespace: 'default' }),
  );
  const child = spawn(server, ['--root', root, '--env', 'production', 'start'], { stdio: 'inherit' });
  say(`Temporal UI on http://127.0.0.1:${port} for the cluster on ${address} (Ctrl-C stops it)`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill('SIGTERM'));
  const [code] = (await once(child, 'exit')) as [number | null];
  process.exit(code ?? 0);
}

main().catch((error: unknown) => {
  say(`could not start: ${(error as Error).message}`);
  process.exit(1);
});
