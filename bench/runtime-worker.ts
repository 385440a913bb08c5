// The worker bench:runtime, bench:gateway and bench:mass-change measure, in its own process: the
// membership and mass-change workflows and the no-op baselines (bench/workflows.ts), a cache large
// enough to hold every workflow of the run, and its memory on request (after a GC). Provider
// commands go over HTTP to the simulators, run in this process too; a mass change's staff
// commands go through a Temporal client of its own, as the real worker's do. bench:scale runs it
// for its trivial members alone: on a task queue of its own (BENCH_TASK_QUEUE), in a namespace
// (TEMPORAL_NAMESPACE), its commands to the simulators the real worker uses (BENCH_PROVIDERS_URL).
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createProviderActivities, providerSettingsSchema } from '../activities/providers.js';
import { createStaffActivities } from '../activities/staff.js';
import { buildSimulator } from '../provider-simulators/server.js';
import { bundlerOptions } from '../worker/workflow-bundle.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { serveWorkerProcess } from './worker-process.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const address = process.env.TEMPORAL_ADDRESS!;
const connection = await NativeConnection.connect({ address });
const clientConnection = await Connection.connect({ address });
const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
const simulator = process.env.BENCH_PROVIDERS_URL ? undefined : await buildSimulator();
const baseUrl = process.env.BENCH_PROVIDERS_URL || (await simulator!.listen({ host: '127.0.0.1', port: 0 }));
const settings = providerSettingsSchema.parse({
  associationId: 'BENCH',
  m1: { baseUrl },
  mls: { baseUrl },
  lockbox: { baseUrl, vendor: 'sentrilock' },
});
const worker = await Worker.create({
  connection,
  namespace,
  taskQueue: process.env.BENCH_TASK_QUEUE || TASK_QUEUE,
  workflowsPath: join(import.meta.dirname, 'workflows.ts'),
  bundlerOptions,
  maxCachedWorkflows: Number(process.env.BENCH_CACHE ?? 10_000),
  activities: {
    ...createProviderActivities({ http: fetch, settings }),
    ...createStaffActivities({ client: new Client({ connection: clientConnection, namespace }) }),
  },
});
await serveWorkerProcess(worker);
await simulator?.close();
await clientConnection.close();
await connection.close();
// The IPC channel would keep this process alive after the worker stops.
process.disconnect?.();
