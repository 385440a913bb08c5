// The gateway's way into Temporal: each member's events as one signal-with-start, and a member's
// `view` query, each under a deadline, so a Temporal (or a worker) that does not answer turns into
// a prompt 503 rather than a request left hanging.
import type { Client, Connection } from '@temporalio/client';
import { MembershipClient } from '../client/membership-client.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { EventSink } from './server.js';

export function temporalSink(
  client: Client,
  connection: Connection,
  association: AssociationConfig,
  timeoutMs = 5_000,
): EventSink {
  const membership = new MembershipClient(client, association);
  return {
    sendHistory: (events) => connection.withDeadline(Date.now() + timeoutMs, () => membership.sendHistory(events)),
    standing: (memberId) => connection.withDeadline(Date.now() + timeoutMs, () => membership.view(memberId)),
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
