// Builders that keep each test down to the rule it checks.
import { addDays } from '../machines/calendar.js';
import { Membership } from '../machines/membership.js';
import type { MemberView } from '../machines/view.js';
import { associationConfigSchema } from '../schemas/association.js';
import type { AssociationConfig, AssociationConfigInput } from '../schemas/association.js';
import { lifecycleEventSchema } from '../schemas/events.js';
import type { LifecycleEvent, LifecycleEventInput } from '../schemas/events.js';
import { inTimeOrder, simulate } from '../simulate/run.js';

type TypeInput = AssociationConfigInput['membershipTypes'][number];

/** A UTC association with all three providers and one REALTOR type; `type` overrides its fields. */
export function association(
  type: Partial<TypeInput> = {},
  rest: Partial<AssociationConfigInput> = {},
): AssociationConfig {
  return associationConfigSchema.parse({
    association: { id: 'TEST', timezone: 'UTC' },
    providers: { m1: {}, mls: {}, lockbox: { vendor: 'sentrilock' } },
    membershipTypes: [
      {
        code: 'REALTOR',
        gracePeriod: 'P20D',
        afterGrace: 'suspended',
        rules: {
          activated: { m1: 'Active', mls: 'Active', lockbox: 'Active' },
          suspended: { m1: 'Suspended', mls: 'Inactive', lockbox: 'Inactive' },
          reactivated: { m1: 'Active', mls: 'Active', lockbox: 'Active' },
          dropped: { m1: 'Terminated', mls: 'Inactive', lockbox: 'Inactive' },
        },
        ...type,
      },
      { code: 'AFFILIATE', isMember: false, gracePeriod: 'P30D', afterGrace: 'suspended' },
    ],
    ...rest,
  });
}

type Body<T extends LifecycleEventInput['type']> = Omit<
  Extract<LifecycleEventInput, { type: T }>,
  'id' | 'memberId' | 'at' | 'type'
>;

/** Writes events for one member with generated ids: `ev.at('2026-06-01').joined({...})`. */
export class EventLog {
  private count = 0;
  readonly events: LifecycleEvent[] = [];
  constructor(readonly memberId = 'A1') {}

  add<T extends LifecycleEventInput['type']>(type: T, at: string, body: Body<T>, id?: string): this {
    this.count += 1;
    const when = at.length === 10 ? `${at}T12:00:00Z` : at;
    this.events.push(
      lifecycleEventSchema.parse({ id: id ?? `e${this.count}`, memberId: this.memberId, at: when, type, ...body }),
    );
    return this;
  }

  join(at: string, membershipType = 'REALTOR', role: 'primary' | 'secondary' = 'primary'): this {
    return this.add('joined', at, { membershipType, role });
  }

  /** An invoice issued at `at` for the period `covers` (from and through, inclusive), as dues invoices say. */
  invoice(at: string, invoiceId: string, amount: number, covers: { from: string; through: string }): this {
    return this.add('invoiceIssued', at, { invoiceId, amount, coversFrom: covers.from, coversThrough: covers.through });
  }

  /** A monthly dues invoice for the month of `month` (YYYY-MM), issued and due on the 1st. */
  dues(month: string, invoiceId = `INV-${month}`, amount = 50): this {
    const [year, m] = month.split('-').map(Number) as [number, number];
    const last = new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10);
    return this.invoice(`${month}-01T12:00:00Z`, invoiceId, amount, { from: `${month}-01`, through: last });
  }

  pay(at: string, invoiceId: string, amount = 50, paymentId = `PAY-${invoiceId}-${this.count + 1}`): this {
    return this.add('paymentPosted', at, { paymentId, invoiceId, amount });
  }

  /** A reversal of `paymentId` (spec v1.1, 4a): all that remains of it unless `amount` is given. */
  reverse(at: string, paymentId: string, body: { amount?: number; reason?: string } = {}, id?: string): this {
    return this.add('paymentReversed', at, { paymentId, ...body }, id);
  }
}

/** Joined June 1 2026, June dues paid June 2: active, paid through June 30. */
export function activeInJune(memberId = 'A1'): EventLog {
  return new EventLog(memberId).join('2026-06-01').dues('2026-06').pay('2026-06-02', 'INV-2026-06');
}

/** Runs the log through simulate and returns the one member's view. */
export function run(config: AssociationConfig, log: EventLog | readonly LifecycleEvent[], until?: string): MemberView {
  const events = log instanceof EventLog ? log.events : log;
  const ordered = inTimeOrder(events.map((event, index) => ({ line: index + 1, event })));
  const last = ordered.at(-1);
  const end =
    until === undefined ? Date.parse(last!.event.at) : Date.parse(until.length === 10 ? `${until}T23:59:59Z` : until);
  const [member] = simulate(config, ordered, end).members;
  if (!member) throw new Error('no member in the simulation');
  return member;
}

/** A fresh Membership fed with the log's events, for tests that look at deadlines or snapshots. */
export function membershipOf(config: AssociationConfig, log: EventLog): Membership {
  const member = Membership.create(config, log.memberId);
  for (const event of log.events) member.apply(event);
  return member;
}

export function changes(view: MemberView): string[] {
  return view.timeline.map((entry) => `${entry.at.slice(0, 10)} ${entry.change} ${entry.from}->${entry.to}`);
}

export interface PaidMemberOptions {
  /** The clock the events are dated by (milliseconds): the runtime's now unless given. */
  readonly now?: number;
  readonly amount?: number;
  /** The invoice's period: from `now`'s date through 364 days later unless given. */
  readonly coversFrom?: string;
  readonly coversThrough?: string;
}

/**
 * A member who joins and pays one invoice, as the runtime tests send it: joined 30 s, invoiced 20 s
 * and paid 10 s before `now`, with the ids `<memberId>-j`, `-i` and `-p`. Active once applied.
 */
export function paidMemberEvents(
  memberId: string,
  { now = Date.now(), amount = 500, coversFrom, coversThrough }: PaidMemberOptions = {},
): LifecycleEventInput[] {
  const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
  const from = coversFrom ?? at(0).slice(0, 10);
  return [
    { id: `${memberId}-j`, type: 'joined', memberId, at: at(30), membershipType: 'REALTOR' },
    {
      id: `${memberId}-i`,
      type: 'invoiceIssued',
      memberId,
      at: at(20),
      invoiceId: 'DUES',
      amount,
      coversFrom: from,
      coversThrough: coversThrough ?? addDays(from, 364),
    },
    { id: `${memberId}-p`, type: 'paymentPosted', memberId, at: at(10), paymentId: 'PAY', invoiceId: 'DUES', amount },
  ];
}
