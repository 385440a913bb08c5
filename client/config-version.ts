// A short content hash of a validated configuration: equal files give equal versions.
import { createHash } from 'node:crypto';
import type { AssociationConfig } from '../schemas/association.js';

export function configVersion(association: AssociationConfig): string {
  return createHash('sha256').update(JSON.stringify(association)).digest('hex').slice(0, 16);
}
