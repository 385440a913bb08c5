// What the membership workflow's signals, Updates and queries carry (workflows/messages.ts names
// them): one definition, checked by the client before it sends and by the workflow when it arrives.
import { buildAssociationConfigSchema } from './association.js';
import { nonEmpty, providerIdsChangeSchema, role, staffFields as whoAndWhy } from './events.js';
import { providerNames } from './provider-names.js';
import { z } from './zod-mini.js';

/** The event's staff fields, and the id that makes a retried command apply once. */
const staffFields = { id: nonEmpty, ...whoAndWhy };

/** What staff send; `id` makes a retried command apply once. */
export const staffCommandSchema = z.strictObject(staffFields);
export const changeTypeCommandSchema = z.strictObject({ ...staffFields, membershipType: nonEmpty });
export const changeRoleCommandSchema = z.strictObject({ ...staffFields, role });
/** The member's ids at the providers: those it names are set, the others kept. */
export const changeProviderIdsCommandSchema = z.strictObject({ ...staffFields, providerIds: providerIdsChangeSchema });

/** A staff command by name, as mass changes and dry runs carry it. */
export const staffActionSchema = z.enum(['suspend', 'reactivate', 'drop']);

/**
 * A new association configuration, with the content hash a broadcast compares. Built for each
 * configuration the workflow is sent, and let go (association.ts says why).
 */
export function buildConfigurationSchema() {
  return z.strictObject({ association: buildAssociationConfigSchema(), version: nonEmpty });
}

/** Reconciliation found a provider holding `found` where the member's latest acknowledged status is `status`. */
export const providerRepairSchema = z.strictObject({
  /** One per reconciliation run and provider, so a repeated signal repairs once. */
  id: nonEmpty,
  provider: z.enum(providerNames),
  status: nonEmpty,
  found: z.nullable(z.string()),
});

export type StaffCommand = z.input<typeof staffCommandSchema>;
export type ChangeTypeCommand = z.input<typeof changeTypeCommandSchema>;
export type ChangeRoleCommand = z.input<typeof changeRoleCommandSchema>;
export type ChangeProviderIdsCommand = z.input<typeof changeProviderIdsCommandSchema>;
export type StaffAction = z.output<typeof staffActionSchema>;
export type Configuration = z.input<ReturnType<typeof buildConfigurationSchema>>;
export type ProviderRepair = z.output<typeof providerRepairSchema>;
