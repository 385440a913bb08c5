// The worker bench:mass-change measures, in its own process: membership, mass-change and no-op
// Update workflows on one task queue, the staff activities (a Temporal client of their own, as the
// real worker has), and provider commands to the simulators in this process.
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
const simulator = await buildSimulator();
const baseUrl = await simulator.listen({ host: '127.0.0.1', port: 0 });
const settings = providerSettingsSchema.parse({
  associationId: 'BENCH',
  m1: { baseUrl },
  mls: { baseUrl },
  lockbox: { baseUrl, vendor: 'sentrilock' },
});
const worker = await Worker.create({
  connection,
  taskQueue: TASK_QUEUE,
  workflowsPath: join(import.meta.dirname, 'mass-change-workflows.ts'),
  bundlerOptions,
  maxCachedWorkflows: Number(process.env.BENCH_CACHE ?? 10_000),
  activities: {
    ...createProviderActivities({ http: fetch, settings }),
    ...createStaffActivities({ client: new Client({ connection: clientConnection }) }),
  },
});
await serveWorkerProcess(worker);
await simulator.close();
await clientConnection.close();
await connection.close();
// The IPC channel would keep this process alive after the worker stops.
process.disconnect?.();
