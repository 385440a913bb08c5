// Synthetic billing histories for benchmarks: monthly dues over years, with on-time payers, late
// payers, members who lapse and catch up, members who lapse for good (and sometimes rejoin), and
// staff suspensions. Seeded, so every run generates the same events.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { associationConfigSchema } from '../schemas/association.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';

export const benchAssociation: AssociationConfig = associationConfigSchema.parse({
  association: { id: 'BENCH', name: 'Benchmark REALTORS', timezone: 'America/Chicago' },
  providers: { m1: {}, mls: {}, lockbox: { vendor: 'sentrilock' } },
  membershipTypes: [
    {
      code: 'REALTOR',
      gracePeriod: 'P20D',
      afterGrace: 'suspended',
      dropAfterSuspendedDays: 90,
      daysOverdueToAllowReactivation: 20,
      rules: {
        activated: { m1: 'Active', mls: 'Active', lockbox: 'Active' },
        suspended: { m1: 'Suspended', mls: 'Inactive', lockbox: 'Inactive' },
        reactivated: { m1: 'Active', mls: 'Active', lockbox: 'Active' },
        dropped: { m1: 'Terminated', mls: 'Inactive', lockbox: 'Inactive' },
      },
    },
  ],
});

type Profile = 'onTime' | 'late' | 'lapser' | 'dropper' | 'staff';

export interface HistoryOptions {
  readonly members: number;
  readonly years: number;
  readonly seed: number;
  readonly startYear?: number;
}

const DAY = 86_400_000;

/** Every member's events, member after member, each member's in time order. */
export function* billingHistories(options: HistoryOptions): Generator<LifecycleEvent[]> {
  const rng = xoroshiro128plus(options.seed);
  const between = (from: number, to: number) => uniformInt(rng, from, to);
  const startYear = options.startYear ?? 2016;
  const months = options.years * 12;
  for (let index = 0; index < options.members; index += 1) {
    const memberId = `M${String(index).padStart(6, '0')}`;
    const roll = between(1, 100);
    const profile: Profile =
      roll <= 65 ? 'onTime' : roll <= 80 ? 'late' : roll <= 90 ? 'lapser' : roll <= 95 ? 'dropper' : 'staff';
    const events: LifecycleEvent[] = [];
    let n = 0;
    const push = (at: number, body: Record<string, unknown>) => {
      n += 1;
      events.push({ id: `${memberId}-${n}`, memberId, at: new Date(at).toISOString(), ...body } as LifecycleEvent);
    };
    const firstMonth = between(0, 11);
    const joinAt = Date.UTC(startYear, firstMonth, 1, 13, between(0, 59));
    push(joinAt, { type: 'joined', membershipType: 'REALTOR', role: between(1, 10) === 1 ? 'secondary' : 'primary' });
    const eventMonth = between(firstMonth + 6, months - 1);
    let stoppedAt: number | null = null;
    for (let month = firstMonth; month < months; month += 1) {
      const issuedAt = Date.UTC(startYear, month, 1, 14, between(0, 59));
      const invoiceId = `INV-${month}`;
      const coversFrom = new Date(Date.UTC(startYear, month, 1)).toISOString().slice(0, 10);
      const coversThrough = new Date(Date.UTC(startYear, month + 1, 0)).toISOString().slice(0, 10);
      if (stoppedAt !== null) {
        // A dropped member stops being billed; half of them rejoin a year later.
        if (profile === 'dropper' && month === stoppedAt + 12 && between(0, 1) === 1) {
          push(issuedAt - DAY, { type: 'joined', membershipType: 'REALTOR', role: 'primary' });
          stoppedAt = null;
        } else {
          continue;
        }
      }
      push(issuedAt, { type: 'invoiceIssued', invoiceId, amount: 50, coversFrom, coversThrough });
      let payDelayDays: number | null;
      switch (profile) {
        case 'onTime':
          payDelayDays = between(0, 5);
          break;
        case 'late':
          payDelayDays = between(8, 28);
          break;
        case 'lapser':
          // Stops for three months, then pays all arrears at once.
          payDelayDays =
            month >= eventMonth && month < eventMonth + 3
              ? (eventMonth + 3 - month) * 30 + between(0, 5)
              : between(0, 6);
          break;
        case 'dropper':
          payDelayDays = month >= eventMonth ? null : between(0, 10);
          if (month === eventMonth + 3) stoppedAt = month;
          break;
        case 'staff':
          payDelayDays = between(0, 5);
          if (month === eventMonth) {
            push(issuedAt + 12 * DAY, { type: 'suspended', reason: 'conduct', by: 'ethics committee' });
            push(issuedAt + 25 * DAY, { type: 'reactivated', reason: 'hearing closed', by: 'membership staff' });
          }
          break;
      }
      if (payDelayDays !== null) {
        push(issuedAt + payDelayDays * DAY + between(1, 8) * 3_600_000, {
          type: 'paymentPosted',
          paymentId: `PAY-${month}`,
          invoiceId,
          amount: 50,
        });
      }
    }
    events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    yield events;
  }
}
