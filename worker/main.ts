// The worker process: runs membership workflows until SIGINT or SIGTERM, and sends a changed
// association file to the running memberships (they recompute their timers without a restart).
import { watch } from 'node:fs';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/worker';
import { MembershipClient } from '../client/membership-client.js';
import { providerNames } from '../schemas/association.js';
import { createStandingActivities } from './activities.js';
import { associationFile, readAssociationFile } from '../common/association-file.js';
import { connectClient, connectWorker } from '../common/temporal-connection.js';
import { createStandingWorker } from './create-worker.js';
import { providerSettingsFromEnv } from './provider-settings.js';
import { ensureReconciliationSchedule } from './reconciliation-schedule.js';

const log = (line: string) => console.log(`[worker] ${line}`);
// The SDK's own log (bundling, state changes) at WARN unless asked for more.
Runtime.install({ logger: new DefaultLogger((process.env.STANDING_LOG_LEVEL ?? 'WARN') as LogLevel) });
const file = associationFile();
let association = await readAssociationFile(file);
const providers = providerSettingsFromEnv(association);
const { connection, settings } = await connectWorker();
const { client, connection: clientConnection } = await connectClient();
const worker = await createStandingWorker(connection, settings.namespace, {
  activities: createStandingActivities({ client, settings: providers }),
});
log(
  `association ${association.association.id} from ${file}; Temporal ${settings.address}, namespace ${settings.namespace}, task queue standing`,
);
const endpoints = providerNames.flatMap((p) => (providers[p] ? [`${p} ${providers[p].baseUrl}`] : []));
log(`providers: ${endpoints.join(', ') || 'none configured'}`);
const schedule = await ensureReconciliationSchedule(client, association);
log(`provider reconciliation: schedule ${schedule} (${process.env.STANDING_RECONCILE_CRON ?? 'nightly at 03:00'})`);

async function pushConfiguration(): Promise<void> {
  const { signalled, current } = await new MembershipClient(client, association).broadcastConfiguration();
  if (signalled > 0) log(`configuration sent to ${signalled} running membership(s); ${current} already had it`);
}

// A file saved in several writes fires several events: read it once things settle.
let pending: NodeJS.Timeout | undefined;
const watcher = watch(file, () => {
  clearTimeout(pending);
  pending = setTimeout(() => {
    readAssociationFile(file)
      .then(async (next) => {
        association = next;
        log(`${file} changed`);
        await pushConfiguration();
      })
      .catch((error: unknown) =>
        log(
          `${file} changed but is not valid; running memberships keep the previous configuration:\n${(error as Error).message}`,
        ),
      );
  }, 500);
});

pushConfiguration().catch((error: unknown) =>
  log(`could not send the configuration to running memberships: ${(error as Error).message}`),
);
// Worker.run() shuts down gracefully on SIGINT and SIGTERM: in-flight tasks finish first.
log('running');
await worker.run();
watcher.close();
clearTimeout(pending);
await clientConnection.close();
await connection.close();
log('stopped');
