// iMIS member status (spec section 6): New, Renewed, Dropped, Reinstated, and when each is given.
import type { Change } from '../schemas/association.js';
import type { MemberStatus } from '../schemas/events.js';

export interface StatusRecord {
  readonly memberStatus: MemberStatus | null;
  /** Whether the member was ever Dropped: a later activation is then a reinstatement. */
  readonly everDropped: boolean;
}

function activationStatus(record: StatusRecord): MemberStatus {
  return record.everDropped ? 'Reinstated' : 'New';
}

/** The status after a change; `isMember` is whether the member's type is a member type. */
export function statusAfterChange(record: StatusRecord, change: Change, isMember: boolean): MemberStatus | null {
  const current = record.memberStatus;
  switch (change) {
    case 'activated':
      return isMember ? activationStatus(record) : current;
    case 'renewed':
      return current === 'New' ? 'Renewed' : current;
    case 'suspended':
    case 'dropped':
      // Null until a first activation or reactivation (spec v1.1 section 6): a member who was never
      // given one keeps null.
      return current === null ? null : 'Dropped';
    case 'reactivated':
      // Even from null (spec v1.1): an imported suspended member without a status becomes Reinstated.
      return isMember ? 'Reinstated' : current;
    case 'pastDue':
      return current;
  }
}

/** The status after a change of membership type (no lifecycle change is recorded for it). */
export function statusAfterTypeChange(
  record: StatusRecord,
  wasMember: boolean,
  isMember: boolean,
  standingInGoodOrder: boolean,
): MemberStatus | null {
  const current = record.memberStatus;
  if (wasMember && !isMember) return current === null ? null : 'Dropped';
  if (!wasMember && isMember && standingInGoodOrder) return activationStatus(record);
  return current;
}
