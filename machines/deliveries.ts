// Provider deliveries: the commands a membership's changes produced, on their way to M1, the MLS
// and the lockbox. Pure bookkeeping (no I/O, no clock): the workflow's senders take the next
// delivery of a provider, call the provider, and record the outcome here. Carried across
// continue-as-new as plain JSON, so a delivery still on its way is sent by the next run, under the
// same idempotency key.
import { dateOf, startOfDay, toIsoInstant } from './calendar.js';
import type { Instant } from './calendar.js';
import { nextM1SuspendWindowOpening, providerOrder } from './providers.js';
import type { Change, ProviderName, Role, TimelineEntry } from './types.js';
import type { AssociationConfig } from '../schemas/association.js';

export type DeliveryOutcome =
  /** Waiting for its turn, or on its way (retried until the provider answers). */
  | 'pending'
  /** An M1 Suspended held until the suspend window opens (deferSuspensionUntilWindow). */
  | 'deferred'
  | 'acknowledged'
  /** The provider refused it (a business rule); not retried unless staff ask. */
  | 'failed'
  /** Never sent: a later change of the same step or a later M1 command made it moot. */
  | 'superseded'
  /** Never sent, with a reason (a deferred suspension for a member no longer suspended). */
  | 'skipped';

export type SyncStatus = 'ok' | 'pending' | 'failed';

export interface Delivery {
  /** The idempotency key of its first attempt: `<workflow id>/<first run id>/<timeline index>/<provider>`. */
  readonly key: string;
  readonly provider: ProviderName;
  readonly status: string;
  /** The change that produced it, or `repair` for a drift reconciliation found. */
  readonly change: Change | 'repair';
  /** When the change happened. */
  readonly at: string;
  readonly role: Role;
  readonly outcome: DeliveryOutcome;
  readonly reason?: string;
  /** A deferred delivery is sent from this moment on. */
  readonly notBefore?: string;
  /** Staff retries of a refused delivery; each retry is a new request to the provider, so a new key. */
  readonly retries: number;
  /** When the provider recorded it, by its own clock. */
  readonly acknowledgedAt?: string;
}

export interface SavedDeliveries {
  readonly deliveries: readonly Delivery[];
  /** Timeline entries before this index have been turned into deliveries. */
  readonly syncedThrough: number;
  /** Repair ids already taken, so a reconciliation signal sent twice repairs once. */
  readonly repairs: readonly string[];
}

/** What `view` shows beside the member. */
export interface ProviderSyncView {
  readonly status: SyncStatus;
  readonly deliveries: readonly Delivery[];
}

const unfinished = new Set<DeliveryOutcome>(['pending', 'deferred']);
/** Finished deliveries kept for the view and across continue-as-new; unfinished ones are all kept. */
const KEEP_FINISHED = 30;
const KEEP_REPAIR_IDS = 100;

export interface StepContext {
  /**
   * The workflow id and its first run's id: the same across continue-as-new, different for a
   * membership started afresh under the same id, whose timeline indexes start again at 0.
   */
  readonly keyBase: string;
  readonly association: AssociationConfig;
  readonly role: Role;
}

export class ProviderDeliveries {
  private deliveries: Delivery[];
  private syncedThrough: number;
  private readonly repairs: string[];

  constructor(saved: SavedDeliveries) {
    this.deliveries = [...saved.deliveries];
    this.syncedThrough = saved.syncedThrough;
    this.repairs = [...saved.repairs];
  }

  /** Deliveries start from `timelineLength`: what happened before (a run without provider sync) is not replayed. */
  static startingAt(timelineLength: number): ProviderDeliveries {
    return new ProviderDeliveries({ deliveries: [], syncedThrough: timelineLength, repairs: [] });
  }

  /**
   * Turns the timeline entries a step added into deliveries. Within one step (a backfill, or timers
   * firing together) only the last command per provider is sent: provider statuses are absolute,
   * so the earlier ones are superseded rather than replayed. Returns whether anything was added.
   */
  addStep(timeline: readonly TimelineEntry[], context: StepContext): boolean {
    const fresh: Delivery[] = [];
    for (let index = this.syncedThrough; index < timeline.length; index += 1) {
      const entry = timeline[index]!;
      for (const command of entry.commands) {
        const base = {
          key: `${context.keyBase}/${index}/${command.provider}`,
          provider: command.provider,
          status: command.status,
          change: entry.change,
          at: entry.at,
          role: context.role,
          retries: 0,
        };
        if (command.outcome === 'sent') fresh.push({ ...base, outcome: 'pending' });
        else if (this.defers(command.provider, command.reason, context.association)) {
          fresh.push({
            ...base,
            outcome: 'deferred',
            notBefore: toIsoInstant(windowOpening(context.association, Date.parse(entry.at))),
          });
        }
      }
    }
    this.syncedThrough = timeline.length;
    const lastOfStep = new Map<ProviderName, Delivery>();
    for (const delivery of fresh) lastOfStep.set(delivery.provider, delivery);
    for (const delivery of fresh) {
      this.deliveries.push(
        lastOfStep.get(delivery.provider) === delivery
          ? delivery
          : { ...delivery, outcome: 'superseded', reason: 'a later change in the same step replaced it' },
      );
    }
    this.trim();
    return fresh.length > 0;
  }

  /** The delivery a provider's sender works on next, in order: the oldest unfinished one. */
  next(provider: ProviderName): Delivery | null {
    return this.deliveries.find((d) => d.provider === provider && unfinished.has(d.outcome)) ?? null;
  }

  /** Whether a delivery to the same provider came after this one (a deferred one is then moot). */
  hasLater(delivery: Delivery): boolean {
    const index = this.deliveries.findIndex((d) => d.key === delivery.key);
    return this.deliveries.some((d, i) => i > index && d.provider === delivery.provider && d.outcome !== 'superseded');
  }

  /** The idempotency key of a delivery's current attempt. */
  static attemptKey(delivery: Delivery): string {
    return delivery.retries === 0 ? delivery.key : `${delivery.key}/retry-${delivery.retries}`;
  }

  finish(
    key: string,
    outcome: Exclude<DeliveryOutcome, 'pending' | 'deferred'>,
    details: { reason?: string; acknowledgedAt?: string } = {},
  ): void {
    this.replace(key, (d) => ({ ...withoutOutcomeDetails(d), outcome, ...details }));
    this.trim();
  }

  /** A deferred delivery whose window has opened goes out like any other. */
  release(key: string): void {
    this.replace(key, (d) => ({ ...withoutOutcomeDetails(d), outcome: 'pending' }));
  }

  /**
   * Staff retry: every refused delivery that is still the provider's latest word goes out again,
   * under a new idempotency key (the provider remembers its refusal of the old one). Returns how many.
   */
  retryFailed(): number {
    const retried = this.unresolvedFailures();
    for (const delivery of retried)
      this.replace(delivery.key, (d) => ({ ...withoutOutcomeDetails(d), outcome: 'pending', retries: d.retries + 1 }));
    return retried.length;
  }

  /**
   * Reconciliation found the provider holding `found` where the member's latest acknowledged
   * status is `status`. Taken only when that is still so and nothing is on its way to the provider
   * (a stale report changes nothing). Returns why it was not taken, or null.
   */
  repair(request: {
    id: string;
    provider: ProviderName;
    status: string;
    at: string;
    keyBase: string;
    role: Role;
  }): string | null {
    if (this.repairs.includes(request.id)) return 'already repaired';
    if (this.deliveries.some((d) => d.provider === request.provider && unfinished.has(d.outcome)))
      return `a delivery to ${request.provider} is on its way`;
    if (this.expected(request.provider) !== request.status)
      return `${request.provider} should now be ${this.expected(request.provider) ?? 'left alone'}, not ${request.status}`;
    this.repairs.push(request.id);
    if (this.repairs.length > KEEP_REPAIR_IDS) this.repairs.splice(0, this.repairs.length - KEEP_REPAIR_IDS);
    this.deliveries.push({
      key: `${request.keyBase}/repair/${request.id}/${request.provider}`,
      provider: request.provider,
      status: request.status,
      change: 'repair',
      at: request.at,
      role: request.role,
      outcome: 'pending',
      retries: 0,
    });
    return null;
  }

  /** The status a provider last acknowledged, or null when none was delivered. */
  expected(provider: ProviderName): string | null {
    for (let i = this.deliveries.length - 1; i >= 0; i -= 1) {
      const d = this.deliveries[i]!;
      if (d.provider === provider && d.outcome === 'acknowledged') return d.status;
    }
    return null;
  }

  /** Whether a provider is settled: nothing on its way, no refusal left standing. */
  settled(provider: ProviderName): boolean {
    return (
      !this.deliveries.some((d) => d.provider === provider && unfinished.has(d.outcome)) &&
      !this.unresolvedFailures().some((d) => d.provider === provider)
    );
  }

  /** `failed` while a refusal is a provider's latest word; `pending` while anything is on its way. */
  status(): SyncStatus {
    if (this.unresolvedFailures().length > 0) return 'failed';
    return this.deliveries.some((d) => unfinished.has(d.outcome)) ? 'pending' : 'ok';
  }

  view(): ProviderSyncView {
    return { status: this.status(), deliveries: this.deliveries.map((d) => ({ ...d })) };
  }

  save(): SavedDeliveries {
    return {
      deliveries: this.deliveries.map((d) => ({ ...d })),
      syncedThrough: this.syncedThrough,
      repairs: [...this.repairs],
    };
  }

  /** Failed deliveries not followed by an acknowledged one to the same provider. */
  private unresolvedFailures(): Delivery[] {
    const latest = new Map<ProviderName, Delivery>();
    for (const d of this.deliveries)
      if (d.outcome === 'failed' || d.outcome === 'acknowledged') latest.set(d.provider, d);
    return providerOrder.map((p) => latest.get(p)).filter((d): d is Delivery => d?.outcome === 'failed');
  }

  private defers(provider: ProviderName, reason: string | undefined, association: AssociationConfig): boolean {
    return (
      provider === 'm1' &&
      reason === 'm1-suspend-window-closed' &&
      association.providers.m1?.deferSuspensionUntilWindow === true
    );
  }

  private replace(key: string, change: (delivery: Delivery) => Delivery): void {
    const index = this.deliveries.findIndex((d) => d.key === key);
    if (index >= 0) this.deliveries[index] = change(this.deliveries[index]!);
  }

  /** Keeps every unfinished delivery, each provider's latest decided one, and the last few others. */
  private trim(): void {
    const finished = this.deliveries.filter((d) => !unfinished.has(d.outcome));
    if (finished.length <= KEEP_FINISHED) return;
    const keep = new Set(finished.slice(-KEEP_FINISHED));
    const latest = new Map<ProviderName, Delivery>();
    for (const d of finished) if (d.outcome === 'failed' || d.outcome === 'acknowledged') latest.set(d.provider, d);
    for (const d of latest.values()) keep.add(d);
    this.deliveries = this.deliveries.filter((d) => unfinished.has(d.outcome) || keep.has(d));
  }
}

function withoutOutcomeDetails(delivery: Delivery): Delivery {
  const { reason: _reason, acknowledgedAt: _acknowledgedAt, notBefore: _notBefore, ...rest } = delivery;
  return rest;
}

/** 00:00 in the association's zone on the day the next M1 suspend window opens after `at`. */
function windowOpening(association: AssociationConfig, at: Instant): Instant {
  const zone = association.association.timezone;
  return startOfDay(nextM1SuspendWindowOpening(association.providers.m1!.suspendWindow, dateOf(at, zone)), zone);
}
