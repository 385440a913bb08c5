// The association the benchmarks run on: one type, and the provider commands each activation sends
// (the runtime and gateway benchmarks: M1 and the MLS, two commands per member).
import { associationConfigSchema } from '../schemas/association.js';
import type { AssociationConfig, AssociationConfigInput } from '../schemas/association.js';

type Rules = NonNullable<AssociationConfigInput['membershipTypes'][number]['rules']>;

export function benchAssociation(rules: Rules = { activated: { m1: 'Active', mls: 'Active' } }): AssociationConfig {
  return associationConfigSchema.parse({
    association: { id: 'BENCH', timezone: 'America/Chicago' },
    providers: { m1: {}, mls: {}, lockbox: { vendor: 'sentrilock' } },
    membershipTypes: [{ code: 'REALTOR', gracePeriod: 'P30D', afterGrace: 'suspended', rules }],
  });
}
