// A production-shaped Temporal on this machine: the official server (built by `go install`, pinned)
// on PostgreSQL (Debian's package) with SQL advanced visibility, its data in a folder of its own
// (.data/cluster/ for `npm run cluster`), schemas set up and upgraded by temporal-sql-tool.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, chown, cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { stringify } from 'yaml';
import { registerSearchAttributes } from '../common/register-search-attributes.js';
import { executable, projectRoot } from './temporal-binaries.js';

const run = promisify(execFile);

/** Pinned: the last server release this machine's Go (1.26) builds; later tags need a newer Go. */
export const pinnedServer = {
  module: 'go.temporal.io/server',
  version: 'v1.29.1',
  packages: ['cmd/server', 'cmd/tools/sql'],
} as const;

/** Where the server, temporal-sql-tool and the schema files it ships are installed (git-ignored). */
const serverTools = join(projectRoot, '.tools', 'temporal-server');

export interface ServerBinaries {
  /** The server (`server start`). */
  readonly server: string;
  /** temporal-sql-tool (`go install` names it `sql`). */
  readonly sqlTool: string;
  /** The module's schema/postgresql/v12 folder, copied out of the Go module cache. */
  readonly schema: string;
}

/** `go` on PATH, else where the Go tarball installs it. */
export async function goTool(): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(delimiter))
    if (dir && (await executable(join(dir, 'go')))) return join(dir, 'go');
  if (await executable('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error(
    'the Temporal server is built with Go (go install), and no `go` was found on PATH or in /usr/local/go/bin',
  );
}

/**
 * The pinned server and temporal-sql-tool, built once into .tools/temporal-server/ (a few minutes);
 * a marker file makes the next call instant. The schema files come with the module's source, which
 * `go install` leaves in the module cache: they are copied beside the binaries so a cleaned cache
 * does not lose them.
 */
export async function ensureTemporalServer(log: (line: string) => void = () => undefined): Promise<ServerBinaries> {
  const binaries = {
    server: join(serverTools, 'server'),
    sqlTool: join(serverTools, 'sql'),
    schema: join(serverTools, 'schema', 'postgresql', 'v12'),
  };
  const marker = join(serverTools, 'version');
  const wanted = `${pinnedServer.module}@${pinnedServer.version}`;
  const installed = await readFile(marker, 'utf8').catch(() => '');
  if (installed === wanted && (await executable(binaries.server)) && (await executable(binaries.sqlTool)))
    return binaries;
  const go = await goTool();
  log(`building the Temporal server ${pinnedServer.version} with ${go} (go install, a few minutes the first time)`);
  await mkdir(serverTools, { recursive: true });
  const env = { ...process.env, GOBIN: serverTools, GOFLAGS: '-buildvcs=false' };
  await run(
    go,
    ['install', ...pinnedServer.packages.map((pkg) => `${pinnedServer.module}/${pkg}@${pinnedServer.version}`)],
    {
      env,
      maxBuffer: 1 << 26,
    },
  );
  const { stdout: modCache } = await run(go, ['env', 'GOMODCACHE'], { env });
  const source = join(modCache.trim(), `${pinnedServer.module}@${pinnedServer.version}`, 'schema', 'postgresql', 'v12');
  await rm(join(serverTools, 'schema'), { recursive: true, force: true });
  await cp(source, binaries.schema, { recursive: true });
  // The module cache is read-only; the copy must stay removable by the next install.
  await run('chmod', ['-R', 'u+w', join(serverTools, 'schema')]);
  await writeFile(marker, wanted);
  return binaries;
}

/** Debian's PostgreSQL: STANDING_PG_BIN, else initdb on PATH, else the newest /usr/lib/postgresql/<n>/bin. */
async function postgresBin(): Promise<string> {
  if (process.env.STANDING_PG_BIN) return process.env.STANDING_PG_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter))
    if (dir && (await executable(join(dir, 'initdb'))) && (await executable(join(dir, 'pg_ctl')))) return dir;
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  const newest = versions.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return join('/usr/lib/postgresql', newest, 'bin');
  throw new Error('PostgreSQL is needed (apt-get install postgresql): no initdb found');
}

export interface ClusterOptions {
  /** Everything the cluster keeps: postgres/ (the database), config/, the logs. */
  readonly dataDir: string;
  /** The frontend's gRPC port; history, matching and worker take the next ones, membership 300 below. */
  readonly frontendPort: number;
  readonly postgresPort: number;
  /** History shards: fixed for the life of the data (Temporal cannot change it afterwards). */
  readonly historyShards?: number;
  /**
   * Refresh the search attribute cache on every read (the dev server does): for a test cluster
   * whose namespaces and attributes are registered every few seconds. Off, a new attribute reaches
   * the history service within 60 s.
   */
  readonly freshSearchAttributes?: boolean;
  readonly log: (line: string) => void;
}

export interface RunningCluster {
  readonly address: string;
  /** Resolves with the server's exit (code or signal) when it stops on its own. */
  readonly exited: Promise<string>;
  /** The server (SIGTERM, then SIGKILL after a grace period), then PostgreSQL (a fast shutdown). */
  stop(): Promise<void>;
}

/** The database user: initdb makes it the superuser; only 127.0.0.1 can connect (trust). */
const dbUser = 'temporal';
const databases = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;
/** How long the server has to stop before it is killed: under npm start's 10 s grace for the whole cluster. */
const SERVER_STOP_MS = 6_000;

/**
 * PostgreSQL refuses to run as root: as root, its commands run as Debian's `postgres` user, who
 * owns the database folder.
 */
function asPostgres(bin: string, command: string, args: string[]): [string, string[]] {
  const path = join(bin, command);
  return userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

async function startPostgres(options: ClusterOptions): Promise<() => Promise<void>> {
  const bin = await postgresBin();
  const pgData = join(options.dataDir, 'postgres');
  const pg = (command: string, args: string[]) => {
    const [file, argv] = asPostgres(bin, command, args);
    return run(file, argv, { maxBuffer: 1 << 24 });
  };
  const fresh = !(await access(join(pgData, 'PG_VERSION')).then(
    () => true,
    () => false,
  ));
  if (fresh) {
    await mkdir(pgData, { recursive: true, mode: 0o700 });
    if (userInfo().uid === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: group } = await run('id', ['-g', 'postgres']);
      await chown(pgData, Number(stdout), Number(group));
    }
    options.log(`initdb: a new PostgreSQL database in ${pgData}`);
    await pg('initdb', ['-D', pgData, '-U', dbUser, '--auth=trust', '-E', 'UTF8', '--locale=C']);
  }
  const status = await pg('pg_ctl', ['-D', pgData, 'status']).then(
    () => 'running',
    () => 'stopped',
  );
  if (status === 'running') options.log(`PostgreSQL already runs on ${pgData}: using it`);
  else {
    // Loopback only, and the socket in its own folder (not /var/run/postgresql, which may not be writable).
    const settings = `-p ${options.postgresPort} -c listen_addresses=127.0.0.1 -k ${pgData}`;
    // The log inside the database folder: the one place the postgres user can surely write.
    await pg('pg_ctl', ['-D', pgData, '-l', join(pgData, 'postgres.log'), '-w', '-o', settings, 'start']);
  }
  return async () => {
    await pg('pg_ctl', ['-D', pgData, '-m', 'fast', '-w', 'stop']).catch((error: unknown) =>
      options.log(`PostgreSQL did not stop: ${(error as Error).message.split('\n')[0]}`),
    );
  };
}

/**
 * Each database created and its schema set up once (a marker file records it), then upgraded to the
 * versions the pinned server ships (nothing to do when current): what a server upgrade needs too.
 */
async function setUpSchemas(binaries: ServerBinaries, options: ClusterOptions): Promise<void> {
  const common = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(options.postgresPort), '-u', dbUser];
  for (const [folder, database] of Object.entries(databases)) {
    const sql = (args: string[]) =>
      run(binaries.sqlTool, [...common, '--db', database, ...args], { maxBuffer: 1 << 24 });
    const marker = join(options.dataDir, `schema-${database}`);
    const done = await access(marker).then(
      () => true,
      () => false,
    );
    if (!done) {
      options.log(`temporal-sql-tool: database ${database}, schema ${folder}`);
      await sql(['create-database']).catch((error: unknown) => {
        if (!/already exists/.test(String((error as { stderr?: string }).stderr ?? error))) throw error;
      });
      await sql(['setup-schema', '-v', '0.0']);
      await writeFile(marker, `${new Date().toISOString()}\n`);
    }
    await sql(['update-schema', '-d', join(binaries.schema, folder, 'versioned')]);
  }
}

/** The server's configuration: PostgreSQL for both stores (SQL advanced visibility), loopback ports. */
function serverConfig(options: ClusterOptions): object {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${options.postgresPort}`,
      connectProtocol: 'tcp',
      user: dbUser,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const base = options.frontendPort;
  const service = (offset: number) => ({
    rpc: { grpcPort: base + offset, membershipPort: base - 300 + offset, bindOnLocalHost: true },
  });
  return {
    log: { stdout: false, level: 'warn', outputFile: join(options.dataDir, 'temporal.log') },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: options.historyShards ?? 4,
      datastores: {
        'postgres-default': store(databases.temporal, 20),
        'postgres-visibility': store(databases.visibility, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: { rpc: { ...service(0).rpc, httpPort: base + 10 } },
      history: service(1),
      matching: service(2),
      worker: service(6),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${base}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: join(options.dataDir, 'config', 'dynamicconfig.yaml'), pollInterval: '10s' },
  };
}

function dynamicConfig(options: ClusterOptions): object {
  return options.freshSearchAttributes
    ? { 'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }] }
    : {};
}

/** Whether a Temporal frontend answers at `address` (throws when it cannot be reached). */
export async function frontendAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: '1s' });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/** Asks `ready` every `intervalMs` until it answers true; throws once `timeoutMs` has passed. */
export async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs: number, intervalMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await ready()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline)
      throw new Error(
        `${what} was not ready within ${timeoutMs / 1000} s${last ? ` (${(last as Error).message.split('\n')[0]})` : ''}`,
      );
    await sleep(intervalMs);
  }
}

/** Whether a Temporal frontend answers at this address now. */
export function temporalAnswers(address: string): Promise<boolean> {
  return frontendAnswers(address).catch(() => false);
}

/** PostgreSQL, the schemas, the configuration, then the server; resolves once the frontend answers. */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const binaries = await ensureTemporalServer(options.log);
  await mkdir(join(options.dataDir, 'config'), { recursive: true });
  const stopPostgres = await startPostgres(options);
  let server: ChildProcess | undefined;
  try {
    await setUpSchemas(binaries, options);
    await writeFile(join(options.dataDir, 'config', 'production.yaml'), stringify(serverConfig(options)));
    await writeFile(join(options.dataDir, 'config', 'dynamicconfig.yaml'), stringify(dynamicConfig(options)));
    const address = `127.0.0.1:${options.frontendPort}`;
    server = spawn(
      binaries.server,
      ['--root', options.dataDir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'],
      // A process group of its own: a Ctrl-C in the terminal reaches us, and we stop the server
      // before PostgreSQL (which pg_ctl also starts in a session of its own).
      { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
    );
    const child = server;
    const killServer = () => child.kill('SIGKILL');
    // However this process ends, it leaves no server behind.
    process.on('exit', killServer);
    const exited = once(child, 'exit').then(([code, signal]) => String(signal ?? code));
    const early = exited.then((how) => {
      throw new Error(
        `the Temporal server exited (${how}) before it answered; see ${join(options.dataDir, 'temporal.log')}`,
      );
    });
    await Promise.race([
      waitUntil(`the Temporal server on ${address}`, () => frontendAnswers(address), 120_000, 500),
      early,
    ]);
    early.catch(() => undefined);
    let stopped: Promise<void> | undefined;
    return {
      address,
      exited,
      stop() {
        stopped ??= (async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const timer = setTimeout(() => {
              options.log(`the Temporal server did not stop within ${SERVER_STOP_MS / 1000} s; killing it`);
              child.kill('SIGKILL');
            }, SERVER_STOP_MS);
            await exited;
            clearTimeout(timer);
          }
          process.off('exit', killServer);
          await stopPostgres();
        })();
        return stopped;
      },
    };
  } catch (error) {
    server?.kill('SIGKILL');
    await stopPostgres();
    throw error;
  }
}

/**
 * A namespace with the membership search attributes, ready for workflows: registered if it is not
 * (another process doing it at the same moment is fine), then its attributes added once the
 * server's namespace cache has it (a moment after registration).
 */
export async function ensureNamespace(address: string, namespace: string, retentionDays: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) })
      .catch((error: unknown) => {
        if (!/already exists/i.test((error as Error).message)) throw error;
      });
    await waitUntil(
      `namespace ${namespace}`,
      async () => {
        await registerSearchAttributes(connection, namespace);
        await connection.workflowService.countWorkflowExecutions({ namespace, query: '' });
        return true;
      },
      30_000,
      250,
    );
  } finally {
    await connection.close();
  }
}

/** Ports and folders of `npm run cluster` (and `STANDING_TEMPORAL=cluster npm start`). */
export const clusterDefaults = {
  dataDir: join(projectRoot, '.data', 'cluster'),
  frontendPort: Number(process.env.STANDING_CLUSTER_PORT ?? 7233),
  postgresPort: Number(process.env.STANDING_CLUSTER_PG_PORT ?? 5433),
} as const;
