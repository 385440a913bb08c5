// Lifecycle events (spec section 3): what billing systems and staff send about one member. One
// definition for the client, the gateway, the CLI and the workflow. Input is normalised as billing
// systems send it: null for an optional field means absent, and `at` may leave out its seconds.
import { z } from './zod-mini.js';

export const memberStates = ['pending', 'active', 'pastDue', 'suspended', 'terminated'] as const;
export const memberStatuses = ['New', 'Renewed', 'Dropped', 'Reinstated'] as const;
export const roles = ['primary', 'secondary'] as const;

export const nonEmpty = z.string().check(z.minLength(1, 'must not be empty'));

/** An optional field a sender may also send as null, which means absent. */
export function optional<T extends z.core.$ZodType>(schema: T) {
  return z.optional(
    z.pipe(
      z.nullable(schema),
      z.transform((value: z.output<T> | null) => value ?? undefined),
    ),
  );
}

/** A field with a default a sender may also send as null, which means the default. */
function withDefault<T extends z.core.$ZodType<string>>(schema: T, fallback: z.output<T>) {
  type Value = z.core.util.NoUndefined<z.output<T>>;
  // The default outside the null check, so JSON Schema shows it; null becomes the default after.
  const nullable = z._default(z.nullable(schema), fallback as Value);
  return z.pipe(
    nullable,
    z.transform((value: Value | null): Value => value ?? (fallback as Value)),
  );
}

// zod's own patterns, as regular expressions of this module (see zod-mini.ts for why).
const datePattern = new RegExp(z.regexes.date.source);
const dateTimePattern = z.regexes.datetime({ offset: true, local: false, precision: null });

const localDate = z
  .string({ error: 'must be a date YYYY-MM-DD' })
  .check(z.regex(datePattern, 'must be a date YYYY-MM-DD'), z.meta({ format: 'date' }));
const amount = z.number({ error: 'must be a number' }).check(z.positive('must be greater than 0'));
export const role = z.enum(roles);

const instantMessage = 'must be an ISO 8601 date-time with Z or an offset';
/** What `at` accepts: seconds optional, T and Z in either case, an offset with its colon. */
const instantInput = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `2026-01-01t12:00z` → `2026-01-01T12:00:00Z`: the one form an event's `at` is kept in. */
export function canonicalInstant(text: string): string {
  return text.replace(
    instantInput,
    (_all, date: string, hoursMinutes: string, seconds: string | undefined, zone: string) =>
      `${date}T${hoursMinutes}${seconds ?? ':00'}${zone.toUpperCase()}`,
  );
}

/** Checked as written (the pattern JSON Schema shows), then in its canonical form as a real date-time. */
const instant = z.pipe(
  z
    .string({ error: instantMessage })
    .check(
      z.regex(instantInput, instantMessage),
      z.overwrite(canonicalInstant),
      z.meta({ description: 'ISO 8601 date-time with Z or an offset; the seconds may be left out' }),
    ),
  z.string().check(z.regex(dateTimePattern, instantMessage), z.meta({ format: 'date-time' })),
);

const base = { id: nonEmpty, memberId: nonEmpty, at: instant };

/**
 * The member's ids at the providers (spec v1.1): the NRDS ID at M1, the MLS member key, the lockbox
 * user or card id. They only address deliveries; an NRDS ID's format is checked where the
 * association requires one (providers.m1.requireId), not here.
 */
const providerIdFields = { m1: optional(nonEmpty), mls: optional(nonEmpty), lockbox: optional(nonEmpty) };
const providerIdsDescription =
  "the member's ids at the providers: m1 the NRDS ID, mls the MLS member key, lockbox the lockbox user or card id";
export const providerIdsSchema = z
  .strictObject(providerIdFields)
  .check(z.meta({ description: providerIdsDescription }));

/** The ids a change names, at least one: the others are left as they are. */
export const providerIdsChangeSchema = z.strictObject(providerIdFields).check(
  z.refine(
    (ids) => ids.m1 !== undefined || ids.mls !== undefined || ids.lockbox !== undefined,
    'must name at least one provider id (m1, mls or lockbox)',
  ),
  z.meta({ description: `${providerIdsDescription}; at least one, the others are kept`, minProperties: 1 }),
);

/** Who sent a staff command and why; the workflow turns changeType and changeRole Updates into events too. */
export const staffFields = { reason: optional(z.string()), by: optional(z.string()) };

export const joinedSchema = z.strictObject({
  ...base,
  type: z.literal('joined'),
  membershipType: nonEmpty,
  role: withDefault(role, 'primary'),
  providerIds: optional(providerIdsSchema),
});

export const importedSchema = z.strictObject({
  ...base,
  type: z.literal('imported'),
  membershipType: nonEmpty,
  role: withDefault(role, 'primary'),
  state: z.enum(memberStates),
  paidThrough: optional(localDate),
  joinDate: optional(localDate),
  memberStatus: optional(z.enum(memberStatuses)),
  providerIds: optional(providerIdsSchema),
});

export const invoiceIssuedSchema = z
  .strictObject({
    ...base,
    type: z.literal('invoiceIssued'),
    invoiceId: nonEmpty,
    amount,
    dueDate: optional(localDate),
    coversFrom: optional(localDate),
    coversThrough: optional(localDate),
  })
  .check(
    z.superRefine((event, ctx) => {
      if ((event.coversFrom === undefined) !== (event.coversThrough === undefined)) {
        const missing = event.coversFrom === undefined ? 'coversFrom' : 'coversThrough';
        ctx.addIssue({
          code: 'custom',
          path: [missing],
          message: 'coversFrom and coversThrough go together: give both or neither',
        });
      } else if (
        event.coversFrom !== undefined &&
        event.coversThrough !== undefined &&
        event.coversFrom > event.coversThrough
      ) {
        ctx.addIssue({ code: 'custom', path: ['coversThrough'], message: 'must be on or after coversFrom' });
      }
    }),
  );

export const paymentPostedSchema = z.strictObject({
  ...base,
  type: z.literal('paymentPosted'),
  paymentId: nonEmpty,
  invoiceId: nonEmpty,
  amount,
});

/** Money taken back from a posted payment (spec v1.1, 4a): a refund, a chargeback, a returned check. */
export const paymentReversedSchema = z.strictObject({
  ...base,
  type: z.literal('paymentReversed'),
  paymentId: nonEmpty,
  /** Absent: all of the payment not yet reversed. */
  amount: optional(amount),
  reason: optional(
    nonEmpty.check(z.meta({ description: 'refund, chargeback, returned (a bounced check or payment), or free text' })),
  ),
});

export const invoiceVoidedSchema = z.strictObject({ ...base, type: z.literal('invoiceVoided'), invoiceId: nonEmpty });

export const suspendedSchema = z.strictObject({
  ...base,
  type: z.literal('suspended'),
  ...staffFields,
  reason: withDefault(nonEmpty, 'nonpayment'),
});
export const reactivatedSchema = z.strictObject({ ...base, type: z.literal('reactivated'), ...staffFields });
export const droppedSchema = z.strictObject({ ...base, type: z.literal('dropped'), ...staffFields });

export const membershipTypeChangedSchema = z.strictObject({
  ...base,
  type: z.literal('membershipTypeChanged'),
  membershipType: nonEmpty,
  ...staffFields,
});
export const roleChangedSchema = z.strictObject({ ...base, type: z.literal('roleChanged'), role, ...staffFields });
export const providerIdsChangedSchema = z.strictObject({
  ...base,
  type: z.literal('providerIdsChanged'),
  providerIds: providerIdsChangeSchema,
  ...staffFields,
});

/** Every event type, each named once: by its `type` literal above. */
const eventSchemas = [
  joinedSchema,
  importedSchema,
  invoiceIssuedSchema,
  paymentPostedSchema,
  invoiceVoidedSchema,
  paymentReversedSchema,
  suspendedSchema,
  reactivatedSchema,
  droppedSchema,
  membershipTypeChangedSchema,
  roleChangedSchema,
  providerIdsChangedSchema,
] as const;

export type LifecycleEventType = z.output<(typeof eventSchemas)[number]>['type'];

/** The event types, in the order above, read from the schemas. */
export const lifecycleEventTypes: readonly LifecycleEventType[] = eventSchemas.map(
  (schema) => schema.def.shape.type.def.values[0]!,
);

export const lifecycleEventSchema = z.discriminatedUnion('type', eventSchemas, {
  error: (issue): string | undefined =>
    issue.code === 'invalid_union' ? `type must be one of ${lifecycleEventTypes.join(', ')}` : undefined,
});

/** An event as a billing system writes it. */
export type LifecycleEventInput = z.input<typeof lifecycleEventSchema>;
/** An event after validation, defaults filled in: what the core applies. */
export type LifecycleEvent = z.output<typeof lifecycleEventSchema>;
export type MemberState = (typeof memberStates)[number];
export type MemberStatus = (typeof memberStatuses)[number];
export type Role = (typeof roles)[number];
/** A member's ids at the providers, as an event gives them (an id left out is not named). */
export type ProviderIds = z.output<typeof providerIdsSchema>;
