// Where the worker sends provider commands, from the environment:
//   STANDING_PROVIDERS_URL           one base URL for all providers (the local simulators)
//   STANDING_M1_URL, STANDING_MLS_URL, STANDING_LOCKBOX_URL       per provider, overriding it
//   STANDING_M1_API_KEY, STANDING_MLS_API_KEY, STANDING_LOCKBOX_API_KEY   bearer credentials
//   STANDING_PROVIDER_TIMEOUT_MS     per-request timeout (default 10000)
// Every provider the association file configures needs a URL; the lockbox vendor comes from the file.
import { providerSettingsSchema } from '../activities/providers.js';
import type { ProviderSettings } from '../activities/providers.js';
import { providerNames } from '../schemas/association.js';
import type { AssociationConfig } from '../schemas/association.js';

const envName = { m1: 'M1', mls: 'MLS', lockbox: 'LOCKBOX' } as const;

export function providerSettingsFromEnv(
  association: AssociationConfig,
  env: NodeJS.ProcessEnv = process.env,
): ProviderSettings {
  const problems: string[] = [];
  const endpoints: Record<string, unknown> = {};
  const timeout = env.STANDING_PROVIDER_TIMEOUT_MS === undefined ? undefined : Number(env.STANDING_PROVIDER_TIMEOUT_MS);
  for (const provider of providerNames) {
    if (association.providers[provider] === undefined) continue;
    const name = envName[provider];
    const baseUrl = env[`STANDING_${name}_URL`] ?? env.STANDING_PROVIDERS_URL;
    if (!baseUrl) {
      problems.push(
        `STANDING_${name}_URL (or STANDING_PROVIDERS_URL): required, because the association configures ${provider}`,
      );
      continue;
    }
    const apiKey = env[`STANDING_${name}_API_KEY`];
    endpoints[provider] = {
      baseUrl,
      ...(apiKey ? { apiKey } : {}),
      ...(timeout === undefined ? {} : { timeoutMs: timeout }),
      ...(provider === 'lockbox' ? { vendor: association.providers.lockbox!.vendor } : {}),
    };
  }
  if (problems.length > 0) throw new Error(`provider settings: ${problems.join('; ')}`);
  const parsed = providerSettingsSchema.safeParse({ associationId: association.association.id, ...endpoints });
  if (!parsed.success) {
    const named = parsed.error.issues.map((issue) => {
      const [provider, field] = issue.path as [keyof typeof envName, string];
      const variable =
        field === 'timeoutMs'
          ? 'STANDING_PROVIDER_TIMEOUT_MS'
          : `STANDING_${envName[provider]}_${field === 'apiKey' ? 'API_KEY' : 'URL'}`;
      return `${variable}: ${issue.message}`;
    });
    throw new Error(`provider settings: ${named.join('; ')}`);
  }
  return parsed.data;
}
