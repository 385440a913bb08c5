// Eligibility for automatic reactivation on payment (spec section 5, below the table).
import type { MembershipTypeConfig } from '../schemas/association.js';
import { addDuration } from './calendar.js';
import type { LocalDate } from './calendar.js';
import { maxOverdueDays } from './ledger.js';
import type { Ledger } from './ledger.js';

/**
 * On the payment's date, after applying it: no open invoice is overdue by the type's
 * `daysOverdueToAllowReactivation` or more (days > 0), and paidThrough + grace is today or later.
 */
export function eligibleForReactivation(ledger: Ledger, today: LocalDate, type: MembershipTypeConfig): boolean {
  const overdue = maxOverdueDays(ledger, today);
  if (overdue > 0 && overdue >= type.daysOverdueToAllowReactivation) return false;
  if (ledger.paidThrough === null) return false;
  return addDuration(ledger.paidThrough, type.gracePeriod) >= today;
}
