// Once per `npm test`: install the pinned Temporal binaries and Debian's Chromium (for the UI
// browser test), and bundle the workflows, so each test file starts its environment from files on
// disk. Every temporary folder of the run (the tests' own, the dev servers', the CLI's) goes into
// one folder of the run's, removed at its end: a run leaves nothing behind in the system's.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureChromium } from '../scripts/chromium.js';
import { ensureTemporalCli, ensureTestServer, projectRoot } from '../scripts/temporal-binaries.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalCli: string;
    testServer: string;
    workflowBundle: string;
    chromium: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.error(`global setup: ${line}`);
  const [temporalCli, testServer, chromium] = [
    await ensureTemporalCli(log),
    await ensureTestServer(log),
    await ensureChromium(log),
  ];
  const code = await bundleWorkflows({
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn: (m) => log(m), error: (m) => log(m) },
  });
  const folder = join(projectRoot, '.tools', 'test');
  await mkdir(folder, { recursive: true });
  const workflowBundle = join(folder, 'workflow-bundle.js');
  await writeFile(workflowBundle, code);
  project.provide('temporalCli', temporalCli);
  project.provide('testServer', testServer);
  project.provide('workflowBundle', workflowBundle);
  project.provide('chromium', chromium);
  // Last, so a failed set-up leaves no folder; before the test workers start, so they and every
  // process they start inherit it.
  const scratch = await mkdtemp(join(tmpdir(), 'standing-test-run-'));
  process.env.TMPDIR = scratch;
  return async () => {
    await rm(scratch, { recursive: true, force: true });
  };
}
