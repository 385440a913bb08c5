// The member as staff and integrators see it (spec section 8): one object, the same from simulate and the workflow.
import type { AssociationConfig } from '../schemas/association.js';
import { findMembershipType } from './association.js';
import type { LocalDate } from './calendar.js';
import type { MemberContext, MemberState, MemberStatus, ProviderName, Role, TimelineEntry } from './types.js';

export interface Rejection {
  readonly id: string;
  readonly reason: string;
}

export interface MemberView {
  readonly memberId: string;
  readonly membershipType: string;
  readonly role: Role;
  readonly state: MemberState;
  readonly memberFlag: boolean;
  readonly contactStatus: 'A' | 'S' | 'I' | null;
  readonly memberStatus: MemberStatus | null;
  readonly memberStatusDate: LocalDate | null;
  readonly joinDate: LocalDate | null;
  readonly paidThrough: LocalDate | null;
  readonly terminateDate: LocalDate | null;
  readonly providers: Readonly<Record<ProviderName, string | null>>;
  readonly rejected: readonly Rejection[];
  readonly timeline: readonly TimelineEntry[];
}

/** The iMIS member flag: a member type, in a state that still holds the membership. */
export function memberFlag(state: MemberState, isMember: boolean): boolean {
  return isMember && (state === 'active' || state === 'pastDue' || state === 'suspended');
}

export function contactStatus(state: MemberState): MemberView['contactStatus'] {
  switch (state) {
    case 'active':
    case 'pastDue':
      return 'A';
    case 'suspended':
      return 'S';
    case 'terminated':
      return 'I';
    case 'pending':
      return null;
  }
}

export function memberView(
  state: MemberState,
  context: MemberContext,
  paidThrough: LocalDate | null,
  timeline: readonly TimelineEntry[],
  rejected: readonly Rejection[],
  association: AssociationConfig,
): MemberView {
  const isMember = findMembershipType(association, context.membershipType)?.isMember ?? false;
  return {
    memberId: context.memberId,
    membershipType: context.membershipType,
    role: context.role,
    state,
    memberFlag: memberFlag(state, isMember),
    contactStatus: contactStatus(state),
    memberStatus: context.memberStatus,
    memberStatusDate: context.memberStatusDate,
    joinDate: context.joinDate,
    paidThrough,
    terminateDate: context.terminateDate,
    providers: context.providers,
    rejected,
    timeline,
  };
}
