// Look-ups into a validated association configuration.
import type { AssociationConfig, MembershipTypeConfig } from '../schemas/association.js';

export function findMembershipType(association: AssociationConfig, code: string): MembershipTypeConfig | undefined {
  return association.membershipTypes.find((type) => type.code === code);
}

/** The type a member already holds; the driver guarantees it exists (it validated every event and every reload). */
export function membershipTypeOf(association: AssociationConfig, code: string): MembershipTypeConfig {
  const type = findMembershipType(association, code);
  if (!type) throw new Error(`membership type ${code} is not defined by association ${association.association.id}`);
  return type;
}
