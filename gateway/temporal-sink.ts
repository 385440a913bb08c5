// The gateway's way into Temporal for each association: its members' events as one signal-with-start
// each, a member's `view` query, and reports of billing events naming no member, in the association's namespace and on its task queue, each under
// a deadline, so a Temporal (or a worker) that does not answer turns into a prompt 503 rather than a
// request left hanging. One connection serves every namespace, with one client for each.
import { Client } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import { MembershipClient } from '../client/membership-client.js';
import { UnmatchedBillingClient } from '../client/unmatched-billing.js';
import type { LoadedAssociation } from '../common/association-set.js';
import type { EventSink } from './server.js';

export interface TemporalSinks {
  /** A sink that signals and queries this association's workflows only (`membership/<id>/<member>`). */
  sinkFor(association: Pick<LoadedAssociation, 'config' | 'namespace' | 'taskQueue'>): EventSink;
  /** Whether Temporal answers now. */
  reachable(): Promise<boolean>;
}

export function temporalSinks(connection: Connection, timeoutMs = 5_000): TemporalSinks {
  const clients = new Map<string, Client>();
  const clientIn = (namespace: string) => {
    let client = clients.get(namespace);
    if (!client) {
      client = new Client({ connection, namespace });
      clients.set(namespace, client);
    }
    return client;
  };
  return {
    sinkFor(association) {
      // The task queue is passed, not defaulted: it is where this association's workers, and only they, poll.
      const membership = new MembershipClient(
        clientIn(association.namespace),
        association.config,
        association.taskQueue,
      );
      const unmatched = new UnmatchedBillingClient(
        clientIn(association.namespace),
        association.config.association.id,
        association.taskQueue,
      );
      return {
        sendHistory: (events) => connection.withDeadline(Date.now() + timeoutMs, () => membership.sendHistory(events)),
        standing: (memberId) => connection.withDeadline(Date.now() + timeoutMs, () => membership.view(memberId)),
        reportUnmatched: async (report) => {
          await connection.withDeadline(Date.now() + timeoutMs, () => unmatched.report(report));
        },
      };
    },
    reachable: async () => {
      try {
        await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return false;
      }
    },
  };
}
