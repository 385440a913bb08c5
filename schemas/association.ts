// The association file (spec section 2): the one place its shape, defaults and rules are stated.
// In zod/mini (see zod-mini.ts): the workflow checks a configuration it is sent with this schema too.
import { IANAZone, Duration } from 'luxon';
import { providerNames } from './provider-names.js';
import type { ProviderName } from './provider-names.js';
import { z } from './zod-mini.js';

export { providerNames };
export type { ProviderName };
export const changeNames = ['activated', 'renewed', 'pastDue', 'suspended', 'reactivated', 'dropped'] as const;

/**
 * Builds the schema. Everything but the workflow uses it as `associationConfigSchema`, built once;
 * a workflow builds one for each configuration it is sent and lets it go, so no cached workflow
 * holds it (each would hold its own: see zod-mini.ts).
 */
export function buildAssociationConfigSchema() {
  const m1Status = z.enum(['Active', 'Inactive', 'Suspended', 'Terminated', 'NoChange']);
  const mlsStatus = z.enum(['Active', 'Inactive', 'Suspended', 'NoChange']);
  const lockboxStatus = z.enum(['Active', 'Inactive', 'Suspended', 'NoChange'], {
    error: (issue) =>
      issue.input === 'Null'
        ? 'Null is not selectable: neither lockbox vendor (SentriLock, Supra) has a Null status (use Inactive, Suspended or NoChange)'
        : 'must be one of Active, Inactive, Suspended, NoChange',
  });

  /** Durations of whole years, months, weeks and days, the only units a membership calendar uses. */
  const calendarDuration = z.string().check(
    // A value that is not of this form gets this one message, not a second from the check below.
    z.regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$/, {
      message: 'must be an ISO 8601 duration of years, months, weeks and days, like P20D or P1M',
      abort: true,
    }),
    z.refine((text) => Duration.fromISO(text).isValid, 'is not a valid ISO 8601 duration'),
  );

  const monthDay = z.string().check(
    z.regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be MM-DD, like 03-01'),
    z.refine((text) => {
      const [month, day] = text.split('-').map(Number) as [number, number];
      return day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
    }, 'is not a day of the year'),
  );

  const timezone = z
    .string()
    .check(z.refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone name, like America/Chicago'));

  /**
   * Deliveries to the provider need the member's id there (providerIds); without it (or, for M1,
   * with one that is not an NRDS ID) they are recorded undeliverable instead of going to memberId.
   */
  const requireId = z._default(z.boolean(), false);

  const m1Provider = z.strictObject({
    suspendWindow: z._default(
      z.strictObject({
        anchorYear: z._default(z.int().check(z.gte(1900), z.lte(9999)), 2025),
        everyYears: z._default(z.int().check(z.gte(1)), 3),
        from: z._default(monthDay, '01-01'),
        through: z._default(monthDay, '03-01'),
      }),
      { anchorYear: 2025, everyYears: 3, from: '01-01', through: '03-01' },
    ),
    /**
     * Not in the spec's simulate output: the runtime holds an out-of-window Suspended on a durable
     * timer and sends it when the next window opens, if the member is still suspended then.
     */
    deferSuspensionUntilWindow: z._default(z.boolean(), false),
    requireId,
  });

  // Where a provider is and how standing proves who it is: deployment, not rules. The values never
  // reach a workflow (rulesOf below strips them); a key is named by the variable or file holding it,
  // so the association file itself holds no secret.
  const envName = z
    .string()
    .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, like MRAR_M1_API_KEY'));
  const filePath = z.string().check(z.minLength(1, 'must not be empty'));
  const connection = {
    url: z.optional(
      z.string().check(z.regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL, like https://m1.example.org')),
    ),
    urlEnv: z.optional(envName),
    apiKeyEnv: z.optional(envName),
    apiKeyFile: z.optional(filePath),
  };
  const oneOf = (a: string, b: string) =>
    z.superRefine((value: Record<string, unknown>, ctx) => {
      if (value[a] !== undefined && value[b] !== undefined)
        ctx.addIssue({ code: 'custom', path: [b], message: `give ${a} or ${b}, not both` });
    });
  const withConnection = <T extends z.core.$ZodLooseShape>(shape: T) =>
    z.strictObject({ ...shape, ...connection }).check(oneOf('url', 'urlEnv'), oneOf('apiKeyEnv', 'apiKeyFile'));

  const changeRule = z.strictObject({
    m1: z.optional(m1Status),
    mls: z.optional(mlsStatus),
    lockbox: z.optional(lockboxStatus),
  });

  const rules = z.strictObject({
    activated: z.optional(changeRule),
    renewed: z.optional(changeRule),
    pastDue: z.optional(changeRule),
    suspended: z.optional(changeRule),
    reactivated: z.optional(changeRule),
    dropped: z.optional(changeRule),
  });

  const membershipTypeSchema = z.strictObject({
    // Staff find members by type in Temporal visibility, which cannot match a `"` or `\` in a value.
    code: z
      .string()
      .check(
        z.minLength(1, 'must not be empty'),
        z.regex(/^[^"\\]+$/, 'must not contain a double quote or a backslash (visibility queries cannot match them)'),
      ),
    name: z.optional(z.string()),
    isMember: z._default(z.boolean(), true),
    activationPercent: z._default(z.number().check(z.gt(0), z.lte(100)), 100),
    gracePeriod: z._default(calendarDuration, 'P0D'),
    afterGrace: z._default(z.enum(['suspended', 'terminated']), 'terminated'),
    dropAfterSuspendedDays: z.optional(z.int().check(z.gte(0))),
    daysOverdueToAllowReactivation: z._default(z.int().check(z.gte(0)), 0),
    rules: z.optional(rules),
  });

  /** Codes are how events name a type: two types with one code would be ambiguous. */
  const membershipTypes = z.array(membershipTypeSchema).check(
    z.minLength(1, 'must define at least one membership type'),
    z.superRefine((types, ctx) => {
      const seen = new Set<string>();
      types.forEach((type, index) => {
        if (seen.has(type.code))
          ctx.addIssue({ code: 'custom', path: [index, 'code'], message: `duplicate code ${type.code}` });
        seen.add(type.code);
      });
    }),
  );

  return z.strictObject({
    association: z.strictObject({
      id: z
        .string()
        .check(
          z.minLength(1, 'must not be empty'),
          z.regex(/^[^/\s"\\]+$/, 'must not contain spaces, slashes, double quotes or backslashes'),
        ),
      name: z.optional(z.string()),
      timezone: z._default(timezone, 'UTC'),
    }),
    /** Where the association's memberships run. Defaults: the connection's namespace, `standing/<id>`. */
    temporal: z.optional(
      z.strictObject({
        namespace: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
        taskQueue: z.optional(
          z.string().check(
            z.minLength(1, 'must not be empty'),
            z.refine((queue) => !queue.startsWith('/_sys/'), 'must not start with /_sys/ (reserved by Temporal)'),
          ),
        ),
      }),
    ),
    /**
     * The billing gateway's signing secrets for this association (one per line in the file, while
     * rotating), and the endpoint secrets of its Stripe webhook endpoint (`whsec_...`), read the same way.
     */
    gateway: z.optional(
      z
        .strictObject({
          secretsEnv: z.optional(envName),
          secretsFile: z.optional(filePath),
          stripeSecretsEnv: z.optional(envName),
          stripeSecretsFile: z.optional(filePath),
        })
        .check(oneOf('secretsEnv', 'secretsFile'), oneOf('stripeSecretsEnv', 'stripeSecretsFile')),
    ),
    providers: z._default(
      z.strictObject({
        m1: z.optional(withConnection(m1Provider.shape)),
        mls: z.optional(withConnection({ requireId })),
        lockbox: z.optional(
          withConnection({
            vendor: z.enum(['sentrilock', 'supra'], { error: 'must be sentrilock or supra' }),
            requireId,
          }),
        ),
      }),
      {},
    ),
    membershipTypes,
  });
}

/** The fields of a provider's settings that say where it is and which key proves who we are. */
const connectionFields = ['url', 'urlEnv', 'apiKeyEnv', 'apiKeyFile'] as const;

/**
 * The configuration a membership runs on: the file without its deployment settings (namespace, task
 * queue, gateway secrets, provider endpoints and keys). Only this reaches a workflow's input, memo
 * or history; where the providers are and which keys prove it stay with the worker.
 */
export function rulesOf(config: AssociationConfig): AssociationConfig {
  const strip = <T extends object>(settings: T | undefined): T | undefined => {
    if (settings === undefined) return undefined;
    const kept = { ...settings } as Record<string, unknown>;
    for (const field of connectionFields) delete kept[field];
    return kept as T;
  };
  // Key order kept, so a file without deployment settings gives the configuration (and version) it always did.
  const rules: AssociationConfig = { ...config, providers: {} };
  delete rules.temporal;
  delete rules.gateway;
  for (const provider of providerNames) {
    const settings = strip(config.providers[provider]);
    if (settings !== undefined) (rules.providers as Record<string, unknown>)[provider] = settings;
  }
  return rules;
}

/** The association file's schema, built when first used. */
export const associationConfigSchema = z.lazy(buildAssociationConfigSchema);

/** The association file as written (defaults optional). */
export type AssociationConfigInput = z.input<typeof associationConfigSchema>;
/** The association file after validation, every default filled in: what the core runs on. */
export type AssociationConfig = z.output<typeof associationConfigSchema>;
export type MembershipTypeConfig = AssociationConfig['membershipTypes'][number];
export type ProvidersConfig = AssociationConfig['providers'];
export type M1SuspendWindow = NonNullable<ProvidersConfig['m1']>['suspendWindow'];
export type Change = (typeof changeNames)[number];
