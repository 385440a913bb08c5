// Where the worker sends one association's provider commands, and the key each provider takes.
// The association file names them (never holds a key itself), per provider:
//   url | urlEnv                     the base URL, or the variable holding it
//   apiKeyEnv | apiKeyFile           the variable, or the file (relative to the association file), holding the bearer key
// and what it leaves out falls back to the environment of a one-association deployment:
//   STANDING_PROVIDERS_URL           one base URL for all providers (the local simulators)
//   STANDING_M1_URL, STANDING_MLS_URL, STANDING_LOCKBOX_URL       per provider, overriding it
//   STANDING_M1_API_KEY, STANDING_MLS_API_KEY, STANDING_LOCKBOX_API_KEY   bearer credentials
//   STANDING_PROVIDER_TIMEOUT_MS     per-request timeout (default 10000)
//   STANDING_PROVIDER_BULK_RPS       reconciliation's bulk reads per second, per provider (default 10)
// Every provider the association file configures needs a URL; the lockbox vendor comes from the file.
// A key is never part of an error or a log line: they say where the key comes from, not what it is.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { providerSettingsSchema } from '../activities/providers.js';
import type { ProviderSettings } from '../activities/providers.js';
import { providerNames } from '../schemas/association.js';
import type { AssociationConfig, ProviderName } from '../schemas/association.js';

const envName = { m1: 'M1', mls: 'MLS', lockbox: 'LOCKBOX' } as const;

/** Where a provider's endpoint and key come from, for the worker's log: names of variables and files, never values. */
export interface ProviderSource {
  readonly baseUrl: string;
  /** `the association file`, or the variable holding the URL. */
  readonly urlFrom: string;
  /** The variable or the file (as the association file names it) holding the key; null: no key. */
  readonly keyFrom: string | null;
}

export interface AssociationProviderSettings {
  readonly settings: ProviderSettings;
  readonly sources: Partial<Record<ProviderName, ProviderSource>>;
}

/** Provider → field of the settings → what the problem should name (a field of the file, or a variable). */
type Origins = Partial<Record<ProviderName, { baseUrl: string; apiKey: string }>>;

/**
 * One association's provider settings. `file` is the association file (a key file is found
 * relative to its folder); every problem is gathered and thrown as one error naming the
 * association, and each problem the field of the file or the variable at fault.
 */
export function providerSettingsOf(
  association: AssociationConfig,
  { file, env = process.env }: { file?: string; env?: NodeJS.ProcessEnv } = {},
): AssociationProviderSettings {
  const id = association.association.id;
  const problems: string[] = [];
  const endpoints: Record<string, unknown> = {};
  const sources: Partial<Record<ProviderName, ProviderSource>> = {};
  const origins: Origins = {};
  const timeout = env.STANDING_PROVIDER_TIMEOUT_MS === undefined ? undefined : Number(env.STANDING_PROVIDER_TIMEOUT_MS);
  // Unset or empty: the schema's default. Validated by the schema with the other fields, its problem
  // naming the variable (below).
  const bulkRps = env.STANDING_PROVIDER_BULK_RPS?.trim() ? Number(env.STANDING_PROVIDER_BULK_RPS) : undefined;
  for (const provider of providerNames) {
    const configured = association.providers[provider];
    if (configured === undefined) continue;
    const field = `providers.${provider}`;
    const name = envName[provider];

    let baseUrl: string | undefined;
    let urlFrom: string;
    if (configured.url !== undefined) {
      baseUrl = configured.url;
      urlFrom = `${field}.url`;
    } else if (configured.urlEnv !== undefined) {
      baseUrl = env[configured.urlEnv] || undefined;
      urlFrom = configured.urlEnv;
      if (!baseUrl) problems.push(`${field}.urlEnv: ${configured.urlEnv} is not set`);
    } else {
      const own = `STANDING_${name}_URL`;
      baseUrl = env[own] || env.STANDING_PROVIDERS_URL || undefined;
      urlFrom = env[own] ? own : 'STANDING_PROVIDERS_URL';
      if (!baseUrl)
        problems.push(`${own} (or STANDING_PROVIDERS_URL): required, because the association configures ${provider}`);
    }

    let apiKey: string | undefined;
    let keyFrom: string | null;
    if (configured.apiKeyEnv !== undefined) {
      apiKey = env[configured.apiKeyEnv]?.trim() || undefined;
      keyFrom = configured.apiKeyEnv;
      if (!apiKey) problems.push(`${field}.apiKeyEnv: ${configured.apiKeyEnv} is not set (or is empty)`);
    } else if (configured.apiKeyFile !== undefined) {
      keyFrom = `file ${configured.apiKeyFile}`;
      const path = file === undefined ? resolve(configured.apiKeyFile) : resolve(dirname(file), configured.apiKeyFile);
      const read = readKey(path);
      if (typeof read === 'string') apiKey = read;
      else problems.push(`${field}.apiKeyFile: ${path}: ${read.problem}`);
    } else {
      const own = `STANDING_${name}_API_KEY`;
      apiKey = env[own] || undefined;
      keyFrom = apiKey ? own : null;
    }

    origins[provider] = { baseUrl: urlFrom, apiKey: keyFrom ?? `STANDING_${name}_API_KEY` };
    if (baseUrl === undefined) continue;
    sources[provider] = { baseUrl, urlFrom, keyFrom };
    endpoints[provider] = {
      baseUrl,
      ...(apiKey ? { apiKey } : {}),
      ...(timeout === undefined ? {} : { timeoutMs: timeout }),
      ...(bulkRps === undefined ? {} : { bulkReadsPerSecond: bulkRps }),
      ...(provider === 'lockbox' ? { vendor: association.providers.lockbox!.vendor } : {}),
    };
  }
  const where = `association ${id}${file === undefined ? '' : ` (${file})`}: provider settings`;
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
  const parsed = providerSettingsSchema.safeParse({ associationId: id, ...endpoints });
  if (!parsed.success) {
    // Messages of the schema only: never the value, which for a key would be the secret itself.
    const named = parsed.error.issues.map((issue) => {
      const [provider, settingsField] = issue.path as [ProviderName, string];
      const origin = origins[provider];
      const at =
        settingsField === 'timeoutMs'
          ? 'STANDING_PROVIDER_TIMEOUT_MS'
          : settingsField === 'bulkReadsPerSecond'
            ? 'STANDING_PROVIDER_BULK_RPS'
            : settingsField === 'apiKey'
              ? origin?.apiKey
              : origin?.baseUrl;
      return `${at ?? issue.path.join('.')}: ${issue.message}`;
    });
    throw new Error(`${where}: ${[...new Set(named)].join('; ')}`);
  }
  return { settings: parsed.data, sources };
}

/** A key file's content, trimmed (an editor's final newline is not part of the key), or why it cannot be used. */
function readKey(path: string): string | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? 'unreadable');
    return { problem: `cannot read: ${why}` };
  }
  const key = text.trim();
  return key === '' ? { problem: 'is empty' } : key;
}

/** For the worker's log: each provider, its endpoint and where its key comes from (never the key). */
export function describeProviderSources(sources: AssociationProviderSettings['sources'], vendor?: string): string {
  const described = providerNames.flatMap((provider) => {
    const source = sources[provider];
    if (!source) return [];
    const name = provider === 'lockbox' && vendor ? `lockbox (${vendor})` : provider;
    return [`${name} ${source.baseUrl} (key: ${source.keyFrom ?? 'none'})`];
  });
  return described.length > 0 ? described.join(', ') : 'none configured';
}
