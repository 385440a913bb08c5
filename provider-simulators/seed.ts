// What the providers already hold for an association's existing members, so the simulators start
// where real providers would be when a roster is onboarded (an import sends no provider commands).
// Each provider the member's type integrates (its `activated` rule names it; M1 only for the
// primary association) gets the status the member's state implies, under the member's id there
// (providerIds; memberId without one), as standing addresses its deliveries. A member the
// association cannot address at a provider (a required id missing) is not seeded there.
import { findMembershipType } from '../machines/association.js';
import { addressAt } from '../machines/deliveries.js';
import type { ProviderName } from '../machines/types.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent, MemberState } from '../schemas/events.js';
import { providerNames } from '../schemas/provider-names.js';
import type { SimulatedProvider } from './rules.js';

export interface SeedRecord {
  readonly provider: SimulatedProvider;
  readonly id: string;
  readonly status: string;
}

function statusFor(provider: ProviderName, state: MemberState): string {
  if (state === 'terminated') return provider === 'm1' ? 'Terminated' : 'Inactive';
  // M1 takes Suspended only in its window; the others show a suspended member as Inactive.
  if (state === 'suspended') return provider === 'm1' ? 'Active' : 'Inactive';
  return 'Active';
}

export function seedRecordsFor(roster: readonly LifecycleEvent[], association: AssociationConfig): SeedRecord[] {
  const records: SeedRecord[] = [];
  for (const event of roster) {
    if (event.type !== 'imported') continue;
    const rule = findMembershipType(association, event.membershipType)?.rules?.activated ?? {};
    for (const provider of providerNames) {
      if (
        association.providers[provider] === undefined ||
        rule[provider] === undefined ||
        rule[provider] === 'NoChange'
      )
        continue;
      if (provider === 'm1' && event.role === 'secondary') continue;
      const address = addressAt(provider, {
        memberId: event.memberId,
        providerIds: event.providerIds ?? {},
        association,
      });
      if (address.to === null) continue;
      const simulated = provider === 'lockbox' ? association.providers.lockbox!.vendor : provider;
      records.push({ provider: simulated, id: address.to, status: statusFor(provider, event.state) });
    }
  }
  return records;
}
