// The body of POST /v1/events: one event (spec section 3) or an array of them. Every event is
// checked before any is sent, and every problem is named by its place: `[2].amount`.
import { z } from 'zod';
import type { AssociationConfig } from '../schemas/association.js';
import { lifecycleEventSchema } from '../schemas/events.js';
import type { LifecycleEvent } from '../schemas/events.js';
import { fieldPath } from '../schemas/parse.js';

export const MAX_EVENTS_PER_REQUEST = 1_000;

const eventsRequestSchema = z.union([
  lifecycleEventSchema,
  z
    .array(lifecycleEventSchema)
    .min(1, 'must hold at least one event')
    .max(MAX_EVENTS_PER_REQUEST, `must hold at most ${MAX_EVENTS_PER_REQUEST} events`),
]);

interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

type EventsRequest =
  { readonly ok: true; readonly events: LifecycleEvent[] } | { readonly ok: false; readonly problems: FieldProblem[] };

/**
 * Parses the raw body; a single event is checked as one (its problems name its own fields). Beyond
 * the schema, every membership type must be one the association defines.
 */
export function parseEventsRequest(raw: Buffer, association: AssociationConfig): EventsRequest {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return { ok: false, problems: [{ field: '(body)', message: `not JSON: ${(error as Error).message}` }] };
  }
  // Checked against the shape it has, so an array's problems are not buried under a union's.
  const schema = Array.isArray(json) ? eventsRequestSchema.options[1] : lifecycleEventSchema;
  const result = schema.safeParse(json);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => ({
        field: fieldPath(issue.path) || '(body)',
        message: issue.message,
      })),
    };
  }
  const events = Array.isArray(result.data) ? result.data : [result.data];
  const types = new Set(association.membershipTypes.map((type) => type.code));
  const problems = events.flatMap((event, index) =>
    'membershipType' in event && !types.has(event.membershipType)
      ? [
          {
            field: Array.isArray(json) ? `[${index}].membershipType` : 'membershipType',
            message: `${event.membershipType} is not defined by association ${association.association.id}`,
          },
        ]
      : [],
  );
  return problems.length > 0 ? { ok: false, problems } : { ok: true, events };
}
