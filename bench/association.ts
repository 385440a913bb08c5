// The association the live benchmarks (runtime, gateway, workflow memory) run on: one type, and the
// provider commands each activation sends (by default M1 and the MLS, two per member); and the
// month of dues those benchmarks bill a member for.
import { associationConfigSchema } from '../schemas/association.js';
import type { AssociationConfig, AssociationConfigInput } from '../schemas/association.js';
import type { LifecycleEventInput } from '../schemas/events.js';

type Rules = NonNullable<AssociationConfigInput['membershipTypes'][number]['rules']>;

export function liveBenchAssociation(rules: Rules = { activated: { m1: 'Active', mls: 'Active' } }): AssociationConfig {
  return associationConfigSchema.parse({
    association: { id: 'BENCH', timezone: 'America/Chicago' },
    providers: { m1: {}, mls: {}, lockbox: { vendor: 'sentrilock' } },
    membershipTypes: [{ code: 'REALTOR', gracePeriod: 'P30D', afterGrace: 'suspended', rules }],
  });
}

/** A dues invoice covering `from`..`through` and its payment in full, both stamped `at`. */
export function duesPaid(memberId: string, at: string, from: string, through: string): LifecycleEventInput[] {
  const invoiceId = `INV-${memberId}`;
  return [
    {
      id: `inv-${memberId}`,
      type: 'invoiceIssued',
      memberId,
      at,
      invoiceId,
      amount: 50,
      coversFrom: from,
      coversThrough: through,
    },
    { id: `pay-${memberId}`, type: 'paymentPosted', memberId, at, paymentId: `PAY-${memberId}`, invoiceId, amount: 50 },
  ];
}

/**
 * bench:scale's board (bench:replay records its expiry): one type; each expiry sends two commands
 * (MLS and lockbox), a drop three.
 */
export function scaleBenchAssociation(id: string, name: string, zone: string): AssociationConfigInput {
  return {
    association: { id, name, timezone: zone },
    providers: { m1: {}, mls: {}, lockbox: { vendor: 'sentrilock' } },
    membershipTypes: [
      {
        code: 'REALTOR',
        gracePeriod: 'P30D',
        afterGrace: 'suspended',
        rules: {
          activated: { m1: 'Active', mls: 'Active', lockbox: 'Active' },
          pastDue: { mls: 'Inactive', lockbox: 'Inactive' },
          dropped: { m1: 'Terminated', mls: 'Inactive', lockbox: 'Inactive' },
        },
      },
    ],
  };
}
