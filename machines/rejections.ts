// Why a command does not fit the member's state, in words staff and billing integrators can act on.
import type { LifecycleEventType } from '../schemas/events.js';
import type { MemberState } from './types.js';

const fits: Partial<Record<LifecycleEventType, string>> = {
  suspended: 'only an active or past-due member can be suspended',
  reactivated: 'only a suspended member can be reactivated',
  dropped: 'a terminated member cannot be dropped again',
  joined: 'joined starts a membership or rejoins a terminated member',
  imported: 'imported only onboards a member who has no history yet',
  membershipTypeChanged: 'a terminated member keeps its type; send joined with the new membershipType to rejoin',
  roleChanged: 'a terminated member keeps its role; send joined with the new role to rejoin',
};

export function notFitting(state: MemberState | 'none', type: LifecycleEventType): string {
  if (state === 'none') return `member has no membership yet: the first event must be joined or imported, not ${type}`;
  return `${type} does not fit a member who is ${state}: ${fits[type] ?? 'the event is not accepted in this state'}`;
}
