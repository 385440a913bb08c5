// The senders: one coroutine per provider, each sending its provider's deliveries one at a time,
// in order. They run beside the membership and never hold it up: a provider that is down only
// keeps its own deliveries pending (the activity retries without limit, with backoff), while the
// member's events, timers and staff Updates go on.
import { ActivityFailure, ApplicationFailure, condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { ProviderActivities } from '../activities/providers.js';
import { ProviderDeliveries } from '../machines/deliveries.js';
import type { Delivery } from '../machines/deliveries.js';
import { providerOrder } from '../machines/providers.js';
import type { MemberState, ProviderName } from '../machines/types.js';

const { applyProviderStatus } = proxyActivities<ProviderActivities>({
  startToCloseTimeout: '1 minute',
  // No attempt limit: a provider outage ends, and then the command goes through. Business
  // refusals are thrown non-retryable by the activity and end the attempt at once.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export interface SenderContext {
  readonly memberId: string;
  readonly deliveries: ProviderDeliveries;
  /** The member's state now (timers due up to now fired first). */
  readonly stateNow: () => MemberState | 'none';
  /** Called after every outcome, to publish ProviderSync and the UI's details. */
  readonly changed: () => void;
}

export function startProviderSenders(context: SenderContext): void {
  for (const provider of providerOrder) void send(provider, context);
}

async function send(
  provider: ProviderName,
  { memberId, deliveries, stateNow, changed }: SenderContext,
): Promise<never> {
  for (;;) {
    await condition(() => deliveries.next(provider) !== null);
    const delivery = deliveries.next(provider)!;
    if (delivery.outcome === 'deferred') {
      await releaseWhenWindowOpens(delivery, deliveries, stateNow);
    } else {
      try {
        const acknowledgement = await applyProviderStatus({
          provider,
          memberId,
          // Deliveries saved before provider ids have no address: they go to memberId, as they did.
          ...(delivery.address ? { providerId: delivery.address } : {}),
          status: delivery.status,
          role: delivery.role,
          idempotencyKey: ProviderDeliveries.attemptKey(delivery),
        });
        deliveries.finish(delivery.key, 'acknowledged', { acknowledgedAt: acknowledgement.recordedAt });
      } catch (error) {
        if (isCancellation(error)) throw error;
        deliveries.finish(delivery.key, 'failed', { reason: refusalOf(error) });
      }
    }
    changed();
  }
}

/**
 * A deferred M1 suspension waits on a durable timer for the window. A later M1 command makes it
 * moot; a member no longer suspended when the window opens is not suspended at M1 either.
 */
async function releaseWhenWindowOpens(
  delivery: Delivery,
  deliveries: ProviderDeliveries,
  stateNow: () => MemberState | 'none',
): Promise<void> {
  const wait = Date.parse(delivery.notBefore!) - Date.now();
  const superseded =
    wait > 0 ? await condition(() => deliveries.hasLater(delivery), wait) : deliveries.hasLater(delivery);
  if (superseded)
    deliveries.finish(delivery.key, 'superseded', {
      reason: 'a later M1 command replaced it before the window opened',
    });
  else if (stateNow() !== 'suspended') deliveries.finish(delivery.key, 'skipped', { reason: 'no-longer-suspended' });
  else deliveries.release(delivery.key);
}

/** "UnknownMember: mls refused (404 unknown-member): no record of this member". */
function refusalOf(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause instanceof Error ? cause.message : String(cause);
}
