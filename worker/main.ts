// The worker process: serves every association of STANDING_ASSOCIATIONS (a folder) or STANDING_CONFIG
// (one file), else the samples, each on its own task queue in its namespace, plus the legacy
// `standing` queue; picks up association files added, changed and removed while it runs; stops
// gracefully on SIGINT or SIGTERM. Driven by the environment only (TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE and the usual Temporal settings for the connection; STANDING_WORKFLOW_CACHE and
// the other memory settings of worker/memory-settings.ts).
import { getHeapStatistics } from 'node:v8';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/worker';
import { associationSource, loadAssociationSet, watchAssociationSet } from '../common/association-set.js';
import { connectClient, connectWorker } from '../common/temporal-connection.js';
import { AssociationWorkers } from './association-workers.js';
import { describeMemorySettings, memorySettingsOf } from './memory-settings.js';
import type { MemorySettings } from './memory-settings.js';

const log = (line: string) => console.log(`[worker] ${line}`);
let memory: MemorySettings;
try {
  memory = memorySettingsOf(process.env);
} catch (error) {
  console.error(`[worker] ${(error as Error).message}`);
  process.exit(2);
}
// The SDK's own log (bundling, state changes) at WARN unless asked for more.
Runtime.install({ logger: new DefaultLogger((process.env.STANDING_LOG_LEVEL ?? 'WARN') as LogLevel) });
const source = associationSource();
const { connection, settings } = await connectWorker();
const { connection: clientConnection } = await connectClient();
log(`Temporal ${settings.address}, namespace ${settings.namespace}; associations from ${source.kind} ${source.path}`);
log(describeMemorySettings(memory, getHeapStatistics().heap_size_limit / 1024 / 1024));

const workers = new AssociationWorkers({
  nativeConnection: connection,
  clientConnection,
  connectionNamespace: settings.namespace,
  log,
  memory,
});
await workers.start(await loadAssociationSet(source, settings.namespace));
if (workers.associationIds.length === 0) log(`no association is served yet: add a valid file to ${source.path}`);
// A reload that fails is logged by apply() and the next change is applied as usual.
const watcher = watchAssociationSet(source, settings.namespace, (set) => workers.apply(set).catch(() => undefined));
// Every Worker.run() shuts down gracefully on SIGINT and SIGTERM: in-flight tasks finish first.
log('running');
try {
  await workers.untilStopped();
} finally {
  watcher.close();
  await clientConnection.close();
  await connection.close();
}
log('stopped');
