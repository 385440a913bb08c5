// What a member workflow holds after a mass drop that a worker crash or restart interrupted: the
// drop applied once, by one accepted Update, however often the activity sending it was retried.
import proto from '@temporalio/proto';
import { expect } from 'vitest';
import type { MembershipClient } from '../../client/membership-client.js';

const { EventType } = proto.temporal.api.enums.v1;

/** The Updates the member's workflow accepted, from its history (a refused one adds none). */
export async function acceptedUpdates(client: MembershipClient, memberId: string): Promise<unknown[]> {
  return ((await client.handle(memberId).fetchHistory()).events ?? []).filter(
    (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  );
}

/** Each member's timeline has one `dropped`, and its workflow accepted one Update. */
export async function expectDroppedOnce(client: MembershipClient, memberIds: readonly string[]): Promise<void> {
  for (const memberId of memberIds) {
    const view = await client.view(memberId);
    expect(
      view?.member?.timeline.filter((e) => e.change === 'dropped'),
      memberId,
    ).toHaveLength(1);
    expect(await acceptedUpdates(client, memberId), memberId).toHaveLength(1);
  }
}
