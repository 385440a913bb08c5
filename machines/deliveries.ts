// Provider deliveries: the commands a membership's changes produced, on their way to M1, the MLS
// and the lockbox. Pure bookkeeping (no I/O, no clock): the workflow's senders take the next
// delivery of a provider, call the provider, and record the outcome here. Carried across
// continue-as-new as plain JSON, so a delivery still on its way is sent by the next run, under the
// same idempotency key. Each delivery goes to an address: the member's id at the provider
// (providerIds), else memberId, unless the association requires an id there.
import { dateOf, startOfDay, toIsoInstant } from './calendar.js';
import type { Instant } from './calendar.js';
import { nextM1SuspendWindowOpening, providerOrder } from './providers.js';
import type { Change, ProviderIds, ProviderName, Role, TimelineEntry } from './types.js';
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
  | 'skipped'
  /** Never sent: the association requires the member's id at the provider, and it has none usable (the reason says). */
  | 'undeliverable';

/** Where several hold, the first counts: a refusal, then a delivery with no usable id, then one on its way. */
export type SyncStatus = 'ok' | 'pending' | 'failed' | 'undeliverable';

export interface Delivery {
  /** The idempotency key of its first attempt: `<workflow id>/<first run id>/<timeline index>/<provider>`. */
  readonly key: string;
  readonly provider: ProviderName;
  readonly status: string;
  /**
   * The change that produced it, `repair` for a drift reconciliation found, or `idChanged` for the
   * member's current status sent to its new id at the provider.
   */
  readonly change: Change | 'repair' | 'idChanged';
  /**
   * The member's id at the provider this goes to (its providerIds entry, else memberId); null when
   * undeliverable. Absent in deliveries saved before provider ids: those go to memberId.
   */
  readonly address?: string | null;
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
  /** Deliveries made for an id change so far, numbering their keys (absent: none). */
  readonly readdressed?: number;
}

/**
 * Per provider the member was ever acknowledged by: its latest acknowledged status, the address
 * (the member's id there) it was acknowledged at, and whether the provider is settled (nothing on
 * its way, no refusal or undeliverable status standing). The workflow keeps it in its memo, so
 * reconciliation reads it from a visibility list without waking the workflow.
 */
export type ProviderAcknowledgements = Partial<
  Record<ProviderName, { readonly status: string; readonly address: string; readonly settled: boolean }>
>;

/** What `view` shows beside the member. */
export interface ProviderSyncView {
  readonly status: SyncStatus;
  readonly deliveries: readonly Delivery[];
}

const unfinished = new Set<DeliveryOutcome>(['pending', 'deferred']);
/** The outcomes that say where a provider stands: a problem (failed, undeliverable) until one is acknowledged. */
const resolving = new Set<DeliveryOutcome>(['acknowledged', 'failed', 'undeliverable']);
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
  readonly memberId: string;
  /** The member's ids at the providers now (none when left out). */
  readonly providerIds?: ProviderIds;
  /** The step's moment (ISO), given to deliveries an id change makes. */
  readonly at: string;
}

/** Where a provider's deliveries for the member go, or why they cannot go anywhere. */
export type Address = { readonly to: string } | { readonly to: null; readonly reason: string };

/** NAR's NRDS ID: nine digits. */
const nrdsId = /^\d{9}$/;
const idNames: Record<ProviderName, string> = {
  m1: 'M1 id (NRDS ID)',
  mls: 'MLS id (member key)',
  lockbox: 'lockbox id',
};

/**
 * The member's id at the provider; without one, memberId (many boards key members by NRDS ID),
 * unless the association requires an id there (`providers.<provider>.requireId`): then nowhere,
 * and for M1 only an NRDS ID will do. Configurations saved before requireId have none: not required.
 */
export function addressAt(
  provider: ProviderName,
  { memberId, providerIds = {}, association }: Pick<StepContext, 'memberId' | 'providerIds' | 'association'>,
): Address {
  const required = association.providers[provider]?.requireId === true;
  const id = providerIds[provider];
  if (id === undefined)
    return required
      ? { to: null, reason: `no ${idNames[provider]} on record; providers.${provider}.requireId is set` }
      : { to: memberId };
  if (required && provider === 'm1' && !nrdsId.test(id))
    return { to: null, reason: `M1 id ${id} is not an NRDS ID (9 digits)` };
  return { to: id };
}

/** Where a delivery goes: one saved before provider ids goes to memberId, as it always did. */
export function addressOf(delivery: Delivery, memberId: string): string | null {
  return delivery.address === undefined ? memberId : delivery.address;
}

/** A status decided for the provider now (not a held suspension): what an id change re-sends. */
function decided(d: Delivery): boolean {
  return (
    d.outcome === 'pending' ||
    d.outcome === 'acknowledged' ||
    d.outcome === 'failed' ||
    (d.outcome === 'undeliverable' && d.notBefore === undefined)
  );
}

/** An M1 suspension held for its window (deferred, or undeliverable for want of an id). */
function held(d: Delivery): boolean {
  return d.outcome === 'deferred' || (d.outcome === 'undeliverable' && d.notBefore !== undefined);
}

export class ProviderDeliveries {
  private deliveries: Delivery[];
  private syncedThrough: number;
  private readonly repairs: string[];
  private readdressed: number;

  constructor(saved: SavedDeliveries) {
    this.deliveries = [...saved.deliveries];
    this.syncedThrough = saved.syncedThrough;
    this.repairs = [...saved.repairs];
    this.readdressed = saved.readdressed ?? 0;
  }

  /** Deliveries start from `timelineLength`: what happened before (a run without provider sync) is not replayed. */
  static startingAt(timelineLength: number): ProviderDeliveries {
    return new ProviderDeliveries({ deliveries: [], syncedThrough: timelineLength, repairs: [] });
  }

  /**
   * Turns the timeline entries a step added into deliveries. Within one step (a backfill, or timers
   * firing together) only the last command per provider is sent: provider statuses are absolute,
   * so the earlier ones are superseded rather than replayed. Each goes to the provider's address
   * now, or is undeliverable. Then a provider whose address changed gets the member's current
   * status there (readdress). Returns whether anything was added.
   */
  addStep(timeline: readonly TimelineEntry[], context: StepContext): boolean {
    const fresh: Delivery[] = [];
    for (let index = this.syncedThrough; index < timeline.length; index += 1) {
      const entry = timeline[index]!;
      for (const command of entry.commands) {
        const address = addressAt(command.provider, context);
        const base = {
          key: `${context.keyBase}/${index}/${command.provider}`,
          provider: command.provider,
          status: command.status,
          change: entry.change,
          at: entry.at,
          role: context.role,
          retries: 0,
          address: address.to,
        };
        if (command.outcome === 'sent') fresh.push(deliverableOr(address, { ...base, outcome: 'pending' }));
        else if (this.defers(command.provider, command.reason, context.association)) {
          const notBefore = toIsoInstant(windowOpening(context.association, Date.parse(entry.at)));
          fresh.push(deliverableOr(address, { ...base, outcome: 'deferred', notBefore }));
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
    let readdressed = false;
    for (const provider of providerOrder) readdressed = this.readdress(provider, context) || readdressed;
    this.trim();
    return fresh.length > 0 || readdressed;
  }

  /**
   * When the member's address at a provider is no longer where its current status went (a new id,
   * a required id arriving, or a requirement that leaves it none): the status the provider last had
   * decided goes to the new address, and a held M1 suspension is held for it instead. The old
   * address is told nothing (docs/decisions.md, "Provider ids"); a delivery already on its way
   * there goes on. Returns whether anything was added.
   */
  private readdress(provider: ProviderName, context: StepContext): boolean {
    // A provider no longer integrated is told nothing; M1 takes nothing from a secondary association.
    if (context.association.providers[provider] === undefined) return false;
    if (provider === 'm1' && context.role === 'secondary') return false;
    const target = addressAt(provider, context);
    const stale = (d: Delivery) =>
      addressOf(d, context.memberId) !== target.to ||
      (target.to === null && d.outcome === 'undeliverable' && d.reason !== target.reason);
    const mine = this.deliveries.filter((d) => d.provider === provider);
    const current = mine.findLast(decided);
    const moving = mine.filter((d) => held(d) && !this.hasLater(d) && stale(d));
    const resend = current !== undefined && stale(current);
    if (!resend && moving.length === 0) return false;
    if (resend) {
      // A refusal or an undeliverable status at the old address is moot: the new address has the word now.
      if (current.outcome === 'failed' || current.outcome === 'undeliverable')
        this.replace(current.key, (old) => ({
          ...withoutOutcomeDetails(old),
          outcome: 'superseded',
          reason: `the ${provider} id changed; was ${old.outcome}: ${old.reason ?? 'no reason given'}`,
        }));
      this.deliveries.push(this.toAddress(current, target, context, { outcome: 'pending' }));
    }
    for (const d of moving) {
      this.replace(d.key, (old) => ({
        ...withoutOutcomeDetails(old),
        outcome: 'superseded',
        reason: `the ${provider} id changed: held for the new id instead`,
      }));
      this.deliveries.push(this.toAddress(d, target, context, { outcome: 'deferred', notBefore: d.notBefore! }));
    }
    return true;
  }

  /** A delivery of `like`'s status to `target`, under a key of its own. */
  private toAddress(
    like: Delivery,
    target: Address,
    context: StepContext,
    then: Pick<Delivery, 'outcome' | 'notBefore'>,
  ): Delivery {
    const key = `${context.keyBase}/id/${this.readdressed}/${like.provider}`;
    this.readdressed += 1;
    const delivery: Delivery = {
      key,
      provider: like.provider,
      status: like.status,
      change: 'idChanged',
      at: context.at,
      role: context.role,
      retries: 0,
      address: target.to,
      ...then,
    };
    return deliverableOr(target, delivery);
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
    /** The provider's address for the member now: a repair goes to the current id. */
    address: Address;
  }): string | null {
    if (this.repairs.includes(request.id)) return 'already repaired';
    if (request.address.to === null) return request.address.reason;
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
      address: request.address.to,
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

  /** Whether a provider is settled: nothing on its way, no refusal or undeliverable status left standing. */
  settled(provider: ProviderName): boolean {
    return (
      !this.deliveries.some((d) => d.provider === provider && unfinished.has(d.outcome)) &&
      !this.unresolved().some((d) => d.provider === provider)
    );
  }

  /** What reconciliation compares, per provider acknowledged at least once (see ProviderAcknowledgements). */
  acknowledgements(memberId: string): ProviderAcknowledgements {
    const acks: Partial<Record<ProviderName, { status: string; address: string; settled: boolean }>> = {};
    for (const provider of providerOrder) {
      const last = this.deliveries.findLast((d) => d.provider === provider && d.outcome === 'acknowledged');
      if (last === undefined) continue;
      acks[provider] = {
        status: last.status,
        address: addressOf(last, memberId) ?? memberId,
        settled: this.settled(provider),
      };
    }
    return acks;
  }

  /**
   * `failed` while a refusal is a provider's latest word; `undeliverable` while a status that could
   * not be addressed is; `pending` while anything is on its way.
   */
  status(): SyncStatus {
    const unresolved = this.unresolved();
    if (unresolved.some((d) => d.outcome === 'failed')) return 'failed';
    if (unresolved.length > 0) return 'undeliverable';
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
      ...(this.readdressed > 0 ? { readdressed: this.readdressed } : {}),
    };
  }

  /** Failed deliveries not followed by an acknowledged one to the same provider. */
  private unresolvedFailures(): Delivery[] {
    return this.unresolved().filter((d) => d.outcome === 'failed');
  }

  /** Failed and undeliverable deliveries not followed by an acknowledged one to the same provider. */
  private unresolved(): Delivery[] {
    const latest = new Map<ProviderName, Delivery>();
    for (const d of this.deliveries) if (resolving.has(d.outcome)) latest.set(d.provider, d);
    return providerOrder
      .map((p) => latest.get(p))
      .filter((d): d is Delivery => d !== undefined && d.outcome !== 'acknowledged');
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
    const latestDecided = new Map<ProviderName, Delivery>();
    for (const d of finished) {
      if (resolving.has(d.outcome)) latest.set(d.provider, d);
      if (decided(d)) latestDecided.set(d.provider, d);
    }
    for (const d of [...latest.values(), ...latestDecided.values()]) keep.add(d);
    this.deliveries = this.deliveries.filter((d) => unfinished.has(d.outcome) || keep.has(d));
  }
}

/** The delivery, or where there is no address, the same recorded undeliverable with the reason. */
function deliverableOr(address: Address, delivery: Delivery): Delivery {
  return address.to === null ? { ...delivery, outcome: 'undeliverable', reason: address.reason } : delivery;
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
