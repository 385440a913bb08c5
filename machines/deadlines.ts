// Timers as data (spec section 5): absolute deadlines computed from the state and the ledger,
// recomputed after every step, so a driver can arm durable timers and restore them after a restart.
import type { AssociationConfig } from '../schemas/association.js';
import { addDays, addDuration, laterDate, startOfDay } from './calendar.js';
import type { Instant, LocalDate } from './calendar.js';
import type { Deadline, MemberContext, MemberState } from './types.js';
import { membershipTypeOf } from './association.js';

/**
 * The deadlines pending for a member in `state`, earliest first. A deadline whose moment has
 * already passed (`clock` is the time of the last step) falls at `clock`: it fires at once,
 * and the timeline never runs backwards.
 */
export function deadlinesFor(
  state: MemberState | 'none',
  context: MemberContext,
  paidThrough: LocalDate | null,
  association: AssociationConfig,
  clock: Instant,
): Deadline[] {
  if (state !== 'active' && state !== 'pastDue' && state !== 'suspended') return [];
  const type = membershipTypeOf(association, context.membershipType);
  const zone = association.association.timezone;
  const found: Deadline[] = [];
  switch (state) {
    case 'active':
      if (paidThrough !== null) found.push({ name: 'expired', at: startOfDay(addDays(paidThrough, 1), zone) });
      break;
    case 'pastDue': {
      const graceFrom =
        context.graceRestartedOn === null
          ? paidThrough
          : paidThrough === null
            ? context.graceRestartedOn
            : laterDate(paidThrough, context.graceRestartedOn);
      if (graceFrom !== null) {
        found.push({ name: 'graceEnded', at: startOfDay(addDays(addDuration(graceFrom, type.gracePeriod), 1), zone) });
      }
      break;
    }
    case 'suspended':
      if (type.dropAfterSuspendedDays !== undefined && context.suspension !== null) {
        found.push({
          name: 'dropAfterSuspension',
          at: startOfDay(addDays(context.suspension.since, type.dropAfterSuspendedDays), zone),
        });
      }
      break;
    default:
      break;
  }
  return found.map((deadline) => (deadline.at < clock ? { ...deadline, at: clock } : deadline));
}
