// The association file (spec section 2): the one place its shape, defaults and rules are stated.
import { IANAZone, Duration } from 'luxon';
import { z } from 'zod';

export const changeNames = ['activated', 'renewed', 'pastDue', 'suspended', 'reactivated', 'dropped'] as const;
export const providerNames = ['m1', 'mls', 'lockbox'] as const;

const m1Status = z.enum(['Active', 'Inactive', 'Suspended', 'Terminated', 'NoChange']);
const mlsStatus = z.enum(['Active', 'Inactive', 'Suspended', 'NoChange']);
const lockboxStatus = z.enum(['Active', 'Inactive', 'Suspended', 'NoChange'], {
  error: (issue) =>
    issue.input === 'Null'
      ? 'Null is not selectable: neither lockbox vendor (SentriLock, Supra) has a Null status (use Inactive, Suspended or NoChange)'
      : 'must be one of Active, Inactive, Suspended, NoChange',
});

/** Durations of whole years, months, weeks and days, the only units a membership calendar uses. */
const calendarDuration = z
  .string()
  // A value that is not of this form gets this one message, not a second from the check below.
  .regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$/, {
    message: 'must be an ISO 8601 duration of years, months, weeks and days, like P20D or P1M',
    abort: true,
  })
  .refine((text) => Duration.fromISO(text).isValid, 'is not a valid ISO 8601 duration');

const monthDay = z
  .string()
  .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be MM-DD, like 03-01')
  .refine((text) => {
    const [month, day] = text.split('-').map(Number) as [number, number];
    return day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  }, 'is not a day of the year');

const timezone = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone name, like America/Chicago');

const m1Provider = z.strictObject({
  suspendWindow: z
    .strictObject({
      anchorYear: z.int().min(1900).max(9999).default(2025),
      everyYears: z.int().min(1).default(3),
      from: monthDay.default('01-01'),
      through: monthDay.default('03-01'),
    })
    .default({ anchorYear: 2025, everyYears: 3, from: '01-01', through: '03-01' }),
  /**
   * Not in the spec's simulate output: the runtime holds an out-of-window Suspended on a durable
   * timer and sends it when the next window opens, if the member is still suspended then.
   */
  deferSuspensionUntilWindow: z.boolean().default(false),
});

const changeRule = z.strictObject({
  m1: m1Status.optional(),
  mls: mlsStatus.optional(),
  lockbox: lockboxStatus.optional(),
});

const rules = z.strictObject({
  activated: changeRule.optional(),
  renewed: changeRule.optional(),
  pastDue: changeRule.optional(),
  suspended: changeRule.optional(),
  reactivated: changeRule.optional(),
  dropped: changeRule.optional(),
});

export const membershipTypeSchema = z.strictObject({
  // Staff find members by type in Temporal visibility, which cannot match a `"` or `\` in a value.
  code: z
    .string()
    .min(1, 'must not be empty')
    .regex(/^[^"\\]+$/, 'must not contain a double quote or a backslash (visibility queries cannot match them)'),
  name: z.string().optional(),
  isMember: z.boolean().default(true),
  activationPercent: z.number().gt(0).max(100).default(100),
  gracePeriod: calendarDuration.default('P0D'),
  afterGrace: z.enum(['suspended', 'terminated']).default('terminated'),
  dropAfterSuspendedDays: z.int().min(0).optional(),
  daysOverdueToAllowReactivation: z.int().min(0).default(0),
  rules: rules.optional(),
});

/** Codes are how events name a type: two types with one code would be ambiguous. */
const membershipTypes = z
  .array(membershipTypeSchema)
  .min(1, 'must define at least one membership type')
  .superRefine((types, ctx) => {
    const seen = new Set<string>();
    types.forEach((type, index) => {
      if (seen.has(type.code))
        ctx.addIssue({ code: 'custom', path: [index, 'code'], message: `duplicate code ${type.code}` });
      seen.add(type.code);
    });
  });

export const associationConfigSchema = z.strictObject({
  association: z.strictObject({
    id: z
      .string()
      .min(1, 'must not be empty')
      .regex(/^[^/\s"\\]+$/, 'must not contain spaces, slashes, double quotes or backslashes'),
    name: z.string().optional(),
    timezone: timezone.default('UTC'),
  }),
  providers: z
    .strictObject({
      m1: m1Provider.optional(),
      mls: z.strictObject({}).optional(),
      lockbox: z
        .strictObject({ vendor: z.enum(['sentrilock', 'supra'], { error: 'must be sentrilock or supra' }) })
        .optional(),
    })
    .default({}),
  membershipTypes,
});
/** The association file as written (defaults optional). */
export type AssociationConfigInput = z.input<typeof associationConfigSchema>;
/** The association file after validation, every default filled in: what the core runs on. */
export type AssociationConfig = z.output<typeof associationConfigSchema>;
export type MembershipTypeConfig = AssociationConfig['membershipTypes'][number];
export type ProvidersConfig = AssociationConfig['providers'];
export type M1SuspendWindow = NonNullable<ProvidersConfig['m1']>['suspendWindow'];
export type ProviderName = (typeof providerNames)[number];
export type Change = (typeof changeNames)[number];
