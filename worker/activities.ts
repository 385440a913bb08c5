// The activities a standing worker runs: provider adapters over fetch; reconciliation's drift
// finder and mass changes' staff commands over the worker's Temporal client.
import type { Client } from '@temporalio/client';
import { createProviderActivities } from '../activities/providers.js';
import type { HttpClient, ProviderSettings } from '../activities/providers.js';
import { createReconciliationActivities } from '../activities/reconciliation.js';
import { createStaffActivities } from '../activities/staff.js';

export function createStandingActivities({
  client,
  settings,
  http = fetch,
}: {
  client: Client;
  settings: ProviderSettings;
  http?: HttpClient;
}) {
  const providers = createProviderActivities({ http, settings });
  return {
    ...providers,
    ...createReconciliationActivities({ client, providers, settings }),
    ...createStaffActivities({ client }),
  };
}
