// Waits for a member's workflow the event-driven way: its standing is read again each time its
// history grows (a long poll on the history, as the SDK waits for a result), not on a timer. A
// workflow changes only in workflow tasks, and each completed task adds events, so no change is
// missed. Plain Temporal calls, so the history recorder (run outside vitest) uses it too.
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import type { MembershipClient } from '../../client/membership-client.js';
import type { MemberStanding } from '../../workflows/messages.js';

/**
 * The member's standing once `done` holds for it (null: no workflow yet); throws, naming `what`
 * and the standing last seen, when it does not hold within `timeoutMs`.
 */
export async function untilStanding(
  client: MembershipClient,
  memberId: string,
  done: (standing: MemberStanding | null) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<MemberStanding | null> {
  const handle = client.handle(memberId);
  const { workflowService, connection, options } = handle.client;
  const deadline = Date.now() + timeoutMs;
  /** Where the last page of the current run's history ended; none: read it from the start. */
  let position: Uint8Array | undefined;
  for (let standing = await client.view(memberId); ; standing = await client.view(memberId)) {
    if (done(standing)) return standing;
    // The time-skipping server gives no position and answers only events added after the request
    // arrives: one added between reading the standing and asking would be missed, so a long poll
    // there lasts a second at most. The dev server answers at once from `position`.
    const pollEnds = Math.min(deadline, Date.now() + (position ? 20_000 : 1_000));
    try {
      // Answers at once with the events past `position`, or as soon as one is added.
      const page = await connection.withDeadline(pollEnds, () =>
        workflowService.getWorkflowExecutionHistory({
          namespace: options.namespace,
          execution: { workflowId: handle.workflowId },
          nextPageToken: position ?? null,
          waitNewEvent: true,
        }),
      );
      // No token: the run closed (continued as new; the next run is read from its start), or the
      // time-skipping server, which gives none.
      position = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } catch (error) {
      // DEADLINE_EXCEEDED: our deadline, not the server's long-poll timeout, which answers empty.
      // CANCELLED: the time-skipping server sometimes drops a waiting long poll; ask again.
      if (!isGrpcServiceError(error) || (error.code !== status.DEADLINE_EXCEEDED && error.code !== status.CANCELLED))
        throw error;
      if (Date.now() < deadline) continue;
      const last = await client.view(memberId);
      if (done(last)) return last;
      throw new Error(`${memberId}: ${what} did not happen in ${timeoutMs} ms; last seen ${JSON.stringify(last)}`, {
        cause: error,
      });
    }
  }
}

/**
 * Waits until no provider delivery of these members is on its way. A test ends with it before its
 * worker stops: the time-skipping server holds its clock while an activity is outstanding, so a
 * delivery left on a queue nobody polls would freeze time for every later test on the server.
 */
export async function providersSettled(client: MembershipClient, memberIds: readonly string[]): Promise<void> {
  for (const memberId of memberIds)
    await untilStanding(
      client,
      memberId,
      (standing) => !(standing?.providerSync?.deliveries.some((d) => d.outcome === 'pending') ?? false),
      'every provider delivery settled',
    );
}
