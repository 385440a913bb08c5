// The association the runtime and gateway benchmarks run on: one type, two provider commands on activation.
import { associationConfigSchema } from '../schemas/association.js';

export const benchAssociation = associationConfigSchema.parse({
  association: { id: 'BENCH', timezone: 'America/Chicago' },
  providers: { m1: {}, mls: {}, lockbox: { vendor: 'sentrilock' } },
  membershipTypes: [
    {
      code: 'REALTOR',
      gracePeriod: 'P30D',
      afterGrace: 'suspended',
      rules: { activated: { m1: 'Active', mls: 'Active' } },
    },
  ],
});
