// One association's provider settings from the references its file holds (url/urlEnv,
// apiKeyEnv/apiKeyFile), falling back to the STANDING_* variables; every problem names the
// association and the field, variable or file at fault, and never the key.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AssociationConfigInput } from '../schemas/association.js';
import { describeProviderSources, providerSettingsOf } from '../worker/provider-settings.js';
import { association } from './helpers.js';

const withProviders = (id: string, providers: AssociationConfigInput['providers']) =>
  association({}, { association: { id, timezone: 'UTC' }, providers });

/** A folder holding an association file's path (the file need not exist) and `files` beside it. */
async function folderWith(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'standing-settings-'));
  await mkdir(join(folder, 'keys'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  return join(folder, 'board.yaml');
}

function thrown(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('provider settings of an association', () => {
  it('take URLs and keys from what the file names: a URL, variables, a key file beside it (trimmed)', async () => {
    const file = await folderWith({ 'keys/m1.key': '  m1-secret-from-file\n' });
    const config = withProviders('FILED', {
      m1: { url: 'https://m1.example.org', apiKeyFile: 'keys/m1.key' },
      mls: { urlEnv: 'FILED_MLS_URL', apiKeyEnv: 'FILED_MLS_KEY' },
      lockbox: { vendor: 'supra' },
    });
    const { settings, sources } = providerSettingsOf(config, {
      file,
      env: {
        FILED_MLS_URL: 'https://mls.example.org',
        FILED_MLS_KEY: 'mls-secret',
        // The fallbacks: used by the lockbox only, which names nothing itself.
        STANDING_PROVIDERS_URL: 'http://127.0.0.1:8790',
        STANDING_M1_API_KEY: 'not-this-one',
        STANDING_LOCKBOX_API_KEY: 'lockbox-secret',
      },
    });
    expect(settings).toEqual({
      associationId: 'FILED',
      m1: {
        baseUrl: 'https://m1.example.org',
        apiKey: 'm1-secret-from-file',
        timeoutMs: 10_000,
        bulkReadsPerSecond: 10,
      },
      mls: { baseUrl: 'https://mls.example.org', apiKey: 'mls-secret', timeoutMs: 10_000, bulkReadsPerSecond: 10 },
      lockbox: {
        baseUrl: 'http://127.0.0.1:8790',
        apiKey: 'lockbox-secret',
        timeoutMs: 10_000,
        bulkReadsPerSecond: 10,
        vendor: 'supra',
      },
    });
    const described = describeProviderSources(sources, 'supra');
    expect(described).toBe(
      'm1 https://m1.example.org (key: file keys/m1.key), mls https://mls.example.org (key: FILED_MLS_KEY), lockbox (supra) http://127.0.0.1:8790 (key: STANDING_LOCKBOX_API_KEY)',
    );
    for (const key of ['m1-secret-from-file', 'mls-secret', 'lockbox-secret']) expect(described).not.toContain(key);
  });

  it('say so when no key is configured anywhere', () => {
    const { sources } = providerSettingsOf(withProviders('NOKEY', { mls: {} }), {
      env: { STANDING_PROVIDERS_URL: 'http://127.0.0.1:8790' },
    });
    expect(describeProviderSources(sources)).toBe('mls http://127.0.0.1:8790 (key: none)');
  });

  it('name the association, the provider and the file when a key file is missing or empty', async () => {
    const file = await folderWith({ 'keys/empty.key': ' \n' });
    const message = thrown(() =>
      providerSettingsOf(
        withProviders('KEYLESS', {
          m1: { url: 'https://m1.example.org', apiKeyFile: 'keys/missing.key' },
          mls: { url: 'https://mls.example.org', apiKeyFile: 'keys/empty.key' },
        }),
        { file, env: {} },
      ),
    );
    const folder = join(file, '..');
    expect(message).toBe(
      `association KEYLESS (${file}): provider settings: providers.m1.apiKeyFile: ${join(folder, 'keys', 'missing.key')}: cannot read: no such file; providers.mls.apiKeyFile: ${join(folder, 'keys', 'empty.key')}: is empty`,
    );
  });

  it('name the variable the file names when it is unset, and never print a key', () => {
    const message = thrown(() =>
      providerSettingsOf(
        withProviders('VARS', {
          m1: { urlEnv: 'VARS_M1_URL', apiKeyEnv: 'VARS_M1_KEY' },
          mls: { urlEnv: 'VARS_MLS_URL', apiKeyEnv: 'VARS_MLS_KEY' },
        }),
        { env: { VARS_M1_URL: 'https://m1.example.org', VARS_MLS_KEY: 'mls-secret' } },
      ),
    );
    expect(message).toBe(
      'association VARS: provider settings: providers.m1.apiKeyEnv: VARS_M1_KEY is not set (or is empty); providers.mls.urlEnv: VARS_MLS_URL is not set',
    );
    const invalid = thrown(() =>
      providerSettingsOf(withProviders('VARS', { mls: { urlEnv: 'VARS_MLS_URL', apiKeyEnv: 'VARS_MLS_KEY' } }), {
        env: { VARS_MLS_URL: 'mls-secret-looking-url', VARS_MLS_KEY: 'mls-secret' },
      }),
    );
    expect(invalid).toBe(
      'association VARS: provider settings: VARS_MLS_URL: must be a URL, like http://127.0.0.1:8790',
    );
    expect(invalid).not.toContain('mls-secret');
  });

  it('take the bulk read rate from STANDING_PROVIDER_BULK_RPS, for every provider, and name it when it is not a rate', () => {
    const config = withProviders('BULKRPS', { m1: {}, lockbox: { vendor: 'sentrilock' } });
    const rates = (env: NodeJS.ProcessEnv) => {
      const { settings } = providerSettingsOf(config, {
        env: { STANDING_PROVIDERS_URL: 'http://127.0.0.1:8790', ...env },
      });
      return [settings.m1?.bulkReadsPerSecond, settings.lockbox?.bulkReadsPerSecond];
    };
    expect(rates({})).toEqual([10, 10]);
    expect(rates({ STANDING_PROVIDER_BULK_RPS: '' })).toEqual([10, 10]);
    expect(rates({ STANDING_PROVIDER_BULK_RPS: '2.5' })).toEqual([2.5, 2.5]);
    for (const bad of ['0', '-3', 'fast'])
      expect(thrown(() => rates({ STANDING_PROVIDER_BULK_RPS: bad }))).toMatch(
        /^association BULKRPS: provider settings: STANDING_PROVIDER_BULK_RPS: [^;]+$/,
      );
  });
});
