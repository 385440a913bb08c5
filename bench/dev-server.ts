// The Temporal dev server the benchmark and the soak run on: the pinned CLI, SQLite with WAL in a
// fresh folder (as npm start runs it, on disk), the membership search attributes, and rate limits
// raised so a benchmark's own polling does not throttle it.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { membershipSearchAttributes } from '../workflows/search-attributes.js';
import { ensureTemporalCli } from '../scripts/temporal-binaries.js';

export interface BenchDevServer {
  readonly env: TestWorkflowEnvironment;
  /** The folder its database is in; the benchmark may keep its own files there. */
  readonly folder: string;
  /**
   * Stops the server and removes the folder (a benchmark's database can be hundreds of MB), unless
   * the benchmark gave the folder to keep.
   */
  teardown(): Promise<void>;
}

/** On a fresh scratch folder, or on `keep` (made if missing), whose database outlives the run. */
export async function startBenchDevServer(name: string, keep?: string): Promise<BenchDevServer> {
  const folder = keep ?? (await mkdtemp(join(tmpdir(), `standing-${name}-`)));
  if (keep) await mkdir(keep, { recursive: true });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: await ensureTemporalCli() },
      ip: '127.0.0.1',
      dbFilename: join(folder, 'temporal.sqlite'),
      searchAttributes: Object.values(membershipSearchAttributes),
      extraArgs: [
        '--sqlite-pragma',
        'journal_mode=WAL',
        '--dynamic-config-value',
        'frontend.namespaceRPS=100000',
        '--dynamic-config-value',
        'frontend.rps=100000',
        '--dynamic-config-value',
        'frontend.namespaceBurstRatio=10',
        '--log-level',
        'error',
      ],
    },
  });
  return {
    env,
    folder,
    async teardown() {
      await env.teardown();
      if (!keep) await rm(folder, { recursive: true, force: true });
    },
  };
}
