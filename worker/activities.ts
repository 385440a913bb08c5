// The activities a standing Worker runs: provider adapters over fetch, reconciliation's drift finder
// and mass changes' staff commands, each acting for the association of the workflow that called it
// (activities/served-associations.ts): `served` says which associations this Worker serves.
import type { HttpClient } from '../activities/providers.js';
import {
  createServedProviderActivities,
  createServedReconciliationActivities,
  createServedStaffActivities,
} from '../activities/served-associations.js';
import type { ServedAssociations } from '../activities/served-associations.js';

export function createStandingActivities({ served, http = fetch }: { served: ServedAssociations; http?: HttpClient }) {
  return {
    ...createServedProviderActivities({ http, served }),
    ...createServedReconciliationActivities({ http, served }),
    ...createServedStaffActivities({ served }),
  };
}
