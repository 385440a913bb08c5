// The lines of `standing export` besides the events themselves: which configuration each member ran
// under, and from when. An export file is JSON Lines of three kinds, told apart by their one key or
// by `type`: spec section 3 events, `configuration` (a configuration's version and content, once per
// file, before the first line that names it) and `configured` (a member ran under a version from `at`).
import { z } from './zod-mini.js';
import { associationConfigSchema } from './association.js';
import { nonEmpty } from './events.js';

const instantMessage = 'must be an ISO 8601 date-time with Z or an offset';
const dateTimePattern = z.regexes.datetime({ offset: true, local: false, precision: null });

/** A configuration as a member ran under it: its version (the worker's hash of it) and the whole file. */
export const exportedConfigurationSchema = z.strictObject({
  configuration: z.strictObject({ version: nonEmpty, association: associationConfigSchema }),
});

/** From `at` on, the member ran under `version`: its first one at its start, then each new one the worker sent. */
export const configuredSchema = z.strictObject({
  configured: z.strictObject({
    memberId: nonEmpty,
    version: nonEmpty,
    at: z.string({ error: instantMessage }).check(z.regex(dateTimePattern, instantMessage)),
  }),
});

export type ExportedConfiguration = z.output<typeof exportedConfigurationSchema>['configuration'];
export type Configured = z.output<typeof configuredSchema>['configured'];

/** Which kind a parsed line is: an export's own record, or (anything else) an event. */
export function exportLineKind(data: unknown): 'configuration' | 'configured' | 'event' {
  if (data !== null && typeof data === 'object' && !Array.isArray(data) && !('type' in data)) {
    if ('configuration' in data) return 'configuration';
    if ('configured' in data) return 'configured';
  }
  return 'event';
}
