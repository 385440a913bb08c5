// The activities a Worker registers, walled off by association: each call acts for the association
// of the workflow that called it (Temporal's activity info, never the activity's input), with that
// association's provider endpoints and keys and its namespace's Temporal client, and is refused
// (non-retryable, AssociationNotServed) when this Worker does not serve that association or when the
// request names another one.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { associationOfWorkflowId } from '../workflows/messages.js';
import { createProviderActivities, createProviderBulkReads } from './providers.js';
import type { HttpClient, ProviderActivities, ProviderSettings } from './providers.js';
import { createReconciliationActivities } from './reconciliation.js';
import type { ReconciliationActivities } from './reconciliation.js';
import { createStaffActivities } from './staff.js';
import type { StaffActivities } from './staff.js';

/** One association as a Worker serves it. */
export interface ServedAssociation {
  readonly id: string;
  /** Its providers' endpoints and keys. */
  readonly settings: ProviderSettings;
  /** A Temporal client of its namespace. */
  readonly client: Client;
}

/**
 * The associations a Worker serves, looked up at each call, so a reloaded association file takes
 * effect at the next activity: undefined for an association the Worker does not serve.
 */
export type ServedAssociations = (associationId: string) => ServedAssociation | undefined;

/** A fixed set, for tests and single-purpose workers. */
export function serving(...associations: readonly ServedAssociation[]): ServedAssociations {
  const byId = new Map(associations.map((a) => [a.id, a]));
  return (id) => byId.get(id);
}

export const ASSOCIATION_NOT_SERVED = 'AssociationNotServed';

function refuse(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ASSOCIATION_NOT_SERVED);
}

/** The association of the workflow that called the running activity, if this Worker serves it. */
export function callerAssociation(served: ServedAssociations): ServedAssociation {
  const { workflowExecution, activityType } = Context.current().info;
  // No workflow (an activity started on its own): no association to act for.
  const workflowId = workflowExecution?.workflowId;
  const id = workflowId === undefined ? undefined : associationOfWorkflowId(workflowId);
  const association = id === undefined ? undefined : served(id);
  if (association === undefined)
    throw refuse(
      id === undefined
        ? `${activityType}: the caller (${workflowId ?? 'no workflow'}) names no association`
        : `${activityType}: association ${id} (workflow ${workflowId}) is not served by this worker`,
    );
  return association;
}

/** Provider adapters with the settings of the calling workflow's association. */
export function createServedProviderActivities({
  http,
  served,
}: {
  http: HttpClient;
  served: ServedAssociations;
}): ProviderActivities {
  const adapters = () => createProviderActivities({ http, settings: callerAssociation(served).settings });
  return {
    applyProviderStatus: (request) => adapters().applyProviderStatus(request),
    readProviderStatus: (request) => adapters().readProviderStatus(request),
  };
}

/** Reconciliation of the calling workflow's association only: its members, its providers, its keys. */
export function createServedReconciliationActivities({
  http,
  served,
  concurrency,
}: {
  http: HttpClient;
  served: ServedAssociations;
  concurrency?: number;
}): ReconciliationActivities {
  /** The caller's association, refusing a request that names another one. */
  const reconciliationOf = (activity: string, associationId: string) => {
    const caller = callerAssociation(served);
    if (associationId !== caller.id)
      throw refuse(`${activity}: a workflow of association ${caller.id} asked about association ${associationId}`);
    const { settings, client } = caller;
    return createReconciliationActivities({
      client,
      providers: createProviderActivities({ http, settings }),
      bulkReads: createProviderBulkReads({ http, settings }),
      settings,
      ...(concurrency === undefined ? {} : { concurrency }),
    });
  };
  return {
    findProviderDriftPage: (request) =>
      reconciliationOf('findProviderDriftPage', request.associationId).findProviderDriftPage(request),
    findProviderDrift: (request) =>
      reconciliationOf('findProviderDrift', request.associationId).findProviderDrift(request),
  };
}

/** Staff commands to members of the calling workflow's association only, through its namespace's client. */
export function createServedStaffActivities({ served }: { served: ServedAssociations }): StaffActivities {
  return {
    async applyStaffCommand(request) {
      const caller = callerAssociation(served);
      const target = associationOfWorkflowId(request.workflowId);
      if (target !== caller.id)
        throw refuse(
          `applyStaffCommand: a workflow of association ${caller.id} targeted ${request.workflowId}, which is not one of its members`,
        );
      return createStaffActivities({ client: caller.client }).applyStaffCommand(request);
    },
    async applyStaffCommands(request) {
      const caller = callerOwning(served, 'applyStaffCommands', request.associationId, 'targeted members of');
      return createStaffActivities({ client: caller.client }).applyStaffCommands(request);
    },
    async listMassChangePage(request) {
      const caller = callerOwning(served, 'listMassChangePage', request.associationId, 'asked for members of');
      return createStaffActivities({ client: caller.client }).listMassChangePage(request);
    },
    async planMassChange(request) {
      const caller = callerOwning(served, 'planMassChange', request.associationId, 'asked for members of');
      return createStaffActivities({ client: caller.client }).planMassChange(request);
    },
    async listMassChangeRange(request) {
      const caller = callerOwning(served, 'listMassChangeRange', request.associationId, 'asked for members of');
      return createStaffActivities({ client: caller.client }).listMassChangeRange(request);
    },
  };
}

/** The calling workflow's association, refusing (non-retryably) a request that names another one. */
function callerOwning(served: ServedAssociations, activity: string, associationId: string, what: string) {
  const caller = callerAssociation(served);
  if (associationId !== caller.id)
    throw refuse(`${activity}: a workflow of association ${caller.id} ${what} association ${associationId}`);
  return caller;
}
