// Provider command resolution (spec section 7): which status each provider is told on a change.
import type {
  AssociationConfig,
  Change,
  M1SuspendWindow,
  MembershipTypeConfig,
  ProviderName,
} from '../schemas/association.js';
import type { Role } from '../schemas/events.js';
import { providerNames } from '../schemas/provider-names.js';
import { yearAndMonthDay } from './calendar.js';
import type { LocalDate } from './calendar.js';

export type CommandOutcome = 'sent' | 'skipped';

export interface ProviderCommand {
  readonly provider: ProviderName;
  readonly status: string;
  readonly outcome: CommandOutcome;
  readonly reason?: string;
}

/** The order commands go out in: the order the providers are named in. */
export const providerOrder: readonly ProviderName[] = providerNames;

/** Whether M1 accepts a Suspended status on `date`: from..through, in every `everyYears`th year from the anchor. */
export function m1SuspendWindowOpen(window: M1SuspendWindow, date: LocalDate): boolean {
  const { year, monthDay } = yearAndMonthDay(date);
  const offset = year - window.anchorYear;
  const inCycle = ((offset % window.everyYears) + window.everyYears) % window.everyYears === 0;
  return inCycle && monthDay >= window.from && monthDay <= window.through;
}

/** The first day after `date` on which the M1 suspend window opens. */
export function nextM1SuspendWindowOpening(window: M1SuspendWindow, date: LocalDate): LocalDate {
  const { year } = yearAndMonthDay(date);
  const offset = (((year - window.anchorYear) % window.everyYears) + window.everyYears) % window.everyYears;
  let cycleYear = offset === 0 ? year : year + window.everyYears - offset;
  if (`${cycleYear}-${window.from}` <= date) cycleYear += window.everyYears;
  return `${String(cycleYear).padStart(4, '0')}-${window.from}`;
}

export interface CommandContext {
  readonly providers: AssociationConfig['providers'];
  readonly type: MembershipTypeConfig;
  readonly role: Role;
  readonly date: LocalDate;
}

/** The commands a change produces, in the order m1, mls, lockbox. */
export function commandsFor(change: Change, { providers, type, role, date }: CommandContext): ProviderCommand[] {
  const rule = type.rules?.[change];
  if (!rule) return [];
  const commands: ProviderCommand[] = [];
  for (const provider of providerOrder) {
    const status = rule[provider];
    if (status === undefined || status === 'NoChange' || providers[provider] === undefined) continue;
    commands.push(resolve(provider, status, providers, role, date));
  }
  return commands;
}

function resolve(
  provider: ProviderName,
  status: string,
  providers: AssociationConfig['providers'],
  role: Role,
  date: LocalDate,
): ProviderCommand {
  if (provider === 'm1') {
    if (role === 'secondary') return { provider, status, outcome: 'skipped', reason: 'secondary-association' };
    if (status === 'Suspended' && !m1SuspendWindowOpen(providers.m1!.suspendWindow, date)) {
      return { provider, status, outcome: 'skipped', reason: 'm1-suspend-window-closed' };
    }
  }
  return { provider, status, outcome: 'sent' };
}
