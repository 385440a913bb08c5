// Where each association's gateway secrets come from (gateway.secretsEnv, gateway.secretsFile, the
// secrets folder, the shared variable only with one association), what is left out and said, and a
// gateway following its association folder and secret files while it runs.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAssociationSet } from '../../common/association-set.js';
import { serveAssociations, servedSet } from '../../gateway/associations.js';
import type { SecretSettings, ServedAssociations } from '../../gateway/associations.js';
import { buildGateway } from '../../gateway/server.js';
import type { EventSink } from '../../gateway/server.js';
import { signedHeaders } from '../../gateway/signature.js';
import { isTemporalUnavailable } from '../../gateway/unavailable.js';
import { rulesOf } from '../../schemas/association.js';
import { formatInputError } from '../../schemas/parse.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function folder(): Promise<string> {
  const made = await mkdtemp(join(tmpdir(), 'standing-gateway-'));
  cleanup.push(() => rm(made, { recursive: true, force: true }));
  return made;
}

/** An association file with one membership type and the given `gateway` settings. */
async function associationFile(dir: string, id: string, gateway?: Record<string, string>): Promise<string> {
  const file = join(dir, `${id.toLowerCase()}.yaml`);
  const lines = [`association: { id: ${id} }`, 'membershipTypes: [{ code: REALTOR }]'];
  if (gateway) lines.push(`gateway: ${JSON.stringify(gateway)}`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const noSink: EventSink = {
  sendHistory: () => Promise.reject(new Error('not in this test')),
  standing: () => Promise.reject(new Error('not in this test')),
  reportUnmatched: () => Promise.reject(new Error('not in this test')),
};

async function served(dir: string, settings: Partial<SecretSettings> = {}) {
  const set = await loadAssociationSet({ kind: 'folder', path: dir }, 'default');
  const result = await servedSet(set, { env: {}, sharedSecrets: [], ...settings }, () => noSink);
  return {
    secrets: Object.fromEntries([...result.associations].map(([id, association]) => [id, association.secrets])),
    from: Object.fromEntries(result.secretsFrom),
    problems: result.problems.map(formatInputError),
  };
}

const a = 'aaaaaaaaaaaaaaaa-north-1';
const b = 'bbbbbbbbbbbbbbbb-north-2';
const c = 'cccccccccccccccc-south-1';
const d = 'dddddddddddddddd-south-2';

describe('gateway secrets per association', () => {
  it('reads gateway.secretsEnv (comma- or newline-separated), gateway.secretsFile (a line each, beside the file) and the secrets folder', async () => {
    const dir = await folder();
    const secretsDir = await folder();
    await associationFile(dir, 'NORTH', { secretsEnv: 'NORTH_GATEWAY_SECRETS' });
    await mkdir(join(dir, 'secrets'));
    await writeFile(join(dir, 'secrets', 'south.txt'), `${c}\n\n  ${d}  \n`);
    await associationFile(dir, 'SOUTH', { secretsFile: 'secrets/south.txt' });
    await associationFile(dir, 'EAST');
    await writeFile(join(secretsDir, 'EAST'), 'eeeeeeeeeeeeeeee,with-a-comma\n');
    expect(
      await served(dir, {
        env: { NORTH_GATEWAY_SECRETS: `${a},\n${b}` },
        secretsDir,
        sharedSecrets: ['shared-secret-for-everyone'],
      }),
    ).toEqual({
      secrets: { EAST: ['eeeeeeeeeeeeeeee,with-a-comma'], NORTH: [a, b], SOUTH: [c, d] },
      from: {
        EAST: join(secretsDir, 'EAST'),
        NORTH: 'NORTH_GATEWAY_SECRETS',
        SOUTH: join(dir, 'secrets', 'south.txt'),
      },
      problems: [],
    });
  });

  it('reads Stripe endpoint secrets from gateway.stripeSecretsEnv, gateway.stripeSecretsFile or <id>.stripe, never the shared variable, and keeps them out of the rules', async () => {
    const dir = await folder();
    const secretsDir = await folder();
    await associationFile(dir, 'NORTH', { secretsEnv: 'NORTH_SECRETS', stripeSecretsEnv: 'NORTH_STRIPE' });
    await writeFile(join(dir, 'south.stripe'), 'whsec_c291dGgtc3RyaXBlLXNlY3JldA==\n');
    await associationFile(dir, 'SOUTH', { secretsEnv: 'SOUTH_SECRETS', stripeSecretsFile: 'south.stripe' });
    await associationFile(dir, 'EAST', { secretsEnv: 'EAST_SECRETS' });
    await writeFile(join(secretsDir, 'EAST.stripe'), 'whsec_ZWFzdC1zdHJpcGUtc2VjcmV0\n');
    await associationFile(dir, 'WEST', { secretsEnv: 'WEST_SECRETS' });
    const set = await loadAssociationSet({ kind: 'folder', path: dir }, 'default');
    const result = await servedSet(
      set,
      {
        env: {
          NORTH_SECRETS: a,
          SOUTH_SECRETS: c,
          EAST_SECRETS: b,
          WEST_SECRETS: d,
          NORTH_STRIPE: 'whsec_bm9ydGgtc3RyaXBlLXNlY3JldA==',
        },
        secretsDir,
        sharedSecrets: ['shared-secret-for-everyone'],
      },
      () => noSink,
    );
    expect(Object.fromEntries([...result.associations].map(([id, each]) => [id, each.stripeSecrets]))).toEqual({
      NORTH: ['whsec_bm9ydGgtc3RyaXBlLXNlY3JldA=='],
      SOUTH: ['whsec_c291dGgtc3RyaXBlLXNlY3JldA=='],
      EAST: ['whsec_ZWFzdC1zdHJpcGUtc2VjcmV0'],
      WEST: [],
    });
    expect(Object.fromEntries(result.stripeSecretsFrom)).toEqual({
      NORTH: 'NORTH_STRIPE',
      SOUTH: join(dir, 'south.stripe'),
      EAST: join(secretsDir, 'EAST.stripe'),
      WEST: null,
    });
    // No Stripe secret is no problem: most associations take no Stripe webhooks.
    expect(result.problems).toEqual([]);
    expect(rulesOf(set.associations.get('NORTH')!.config)).not.toHaveProperty('gateway');
  });

  it('takes the shared STANDING_GATEWAY_SECRET for the one association loaded, and for none of several', async () => {
    const dir = await folder();
    await associationFile(dir, 'NORTH');
    expect(await served(dir, { sharedSecrets: [a, b] })).toMatchObject({ secrets: { NORTH: [a, b] }, problems: [] });

    await associationFile(dir, 'SOUTH', { secretsEnv: 'SOUTH_SECRETS' });
    expect(await served(dir, { env: { SOUTH_SECRETS: c }, sharedSecrets: [a, b] })).toEqual({
      secrets: { NORTH: [], SOUTH: [c] },
      from: { NORTH: null, SOUTH: 'SOUTH_SECRETS' },
      problems: [
        `${join(dir, 'north.yaml')}: association NORTH: no secret of its own, and STANDING_GATEWAY_SECRET is not used while several associations are loaded (one board could sign for another): give it gateway.secretsEnv, gateway.secretsFile or a file STANDING_GATEWAY_SECRETS_DIR/<id>`,
      ],
    });
  });

  it('does not fall back past a source the file names, and says what is missing', async () => {
    const dir = await folder();
    const secretsDir = await folder();
    await associationFile(dir, 'NORTH', { secretsEnv: 'NORTH_SECRETS' });
    await associationFile(dir, 'SOUTH', { secretsFile: 'south-secrets.txt' });
    await associationFile(dir, 'WEST');
    for (const id of ['NORTH', 'SOUTH']) await writeFile(join(secretsDir, id), `${id}-secret-from-the-folder\n`);
    await writeFile(join(secretsDir, 'WEST'), '\n');
    expect(await served(dir, { env: { NORTH_SECRETS: ' ' }, secretsDir, sharedSecrets: [a] })).toEqual({
      secrets: { NORTH: [], SOUTH: [], WEST: [] },
      from: { NORTH: null, SOUTH: null, WEST: null },
      problems: [
        `${join(dir, 'north.yaml')}: gateway.secretsEnv: association NORTH: NORTH_SECRETS is not set`,
        `${join(dir, 'south.yaml')}: gateway.secretsFile: association SOUTH: cannot read ${join(dir, 'south-secrets.txt')}: no such file`,
        `${join(dir, 'west.yaml')}: association WEST: ${join(secretsDir, 'WEST')} holds no secret`,
      ],
    });
  });

  it('leaves out a secret that is too short, or that two associations hold, naming neither secret', async () => {
    const dir = await folder();
    await associationFile(dir, 'NORTH', { secretsEnv: 'NORTH_SECRETS' });
    await associationFile(dir, 'SOUTH', { secretsEnv: 'SOUTH_SECRETS' });
    const result = await served(dir, { env: { NORTH_SECRETS: `${a},short,${b}`, SOUTH_SECRETS: `${c},${b}` } });
    expect(result.secrets).toEqual({ NORTH: [a], SOUTH: [c] });
    expect(result.problems).toEqual([
      `${join(dir, 'north.yaml')}: gateway.secretsEnv: association NORTH: secret 2 of NORTH_SECRETS is shorter than 16 characters; left out`,
      `${join(dir, 'north.yaml')}: association NORTH: a secret from NORTH_SECRETS is also association SOUTH's; left out for each`,
      `${join(dir, 'south.yaml')}: association SOUTH: a secret from SOUTH_SECRETS is also association NORTH's; left out for each`,
    ]);
    expect(result.problems.join('\n')).not.toMatch(/short,|bbbb/);
  });

  it('names a bad association file and serves the others', async () => {
    const dir = await folder();
    await associationFile(dir, 'NORTH', { secretsEnv: 'NORTH_SECRETS' });
    await writeFile(join(dir, 'broken.yaml'), 'association: { id: BROKEN }\nmembershipTypes: []\n');
    const result = await served(dir, { env: { NORTH_SECRETS: a } });
    expect(result.secrets).toEqual({ NORTH: [a] });
    expect(result.problems).toEqual([expect.stringMatching(/broken\.yaml.*membershipTypes/)]);
  });
});

describe('a gateway following its associations while it runs', () => {
  async function start(dir: string, secretsDir: string, env: NodeJS.ProcessEnv) {
    const lines: string[] = [];
    const serving: ServedAssociations = await serveAssociations({
      source: { kind: 'folder', path: dir },
      namespace: 'default',
      secrets: { env, secretsDir, sharedSecrets: [] },
      sinkFor: (association) => ({
        sendHistory: (events) =>
          Promise.resolve(events.map((event) => `membership/${association.id}/${event.memberId}`)),
        standing: () => Promise.resolve(null),
        reportUnmatched: () => Promise.resolve(),
      }),
      log: (line) => lines.push(line),
      settleMs: 50,
    });
    cleanup.push(() => serving.close());
    const app: FastifyInstance = await buildGateway({
      associations: serving.current,
      reachable: () => Promise.resolve(true),
      isUnavailable: isTemporalUnavailable,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => app.close());
    /** The status of a joined event for `id`, signed with `secret`. */
    const status = async (id: string, secret: string) => {
      const body = JSON.stringify({
        id: `${id}-j`,
        type: 'joined',
        memberId: 'M1',
        at: '2026-06-01T12:00:00Z',
        membershipType: 'REALTOR',
      });
      const response = await fetch(`${url}/v1/associations/${id}/events`, {
        method: 'POST',
        headers: signedHeaders(secret, body),
        body,
      });
      return response.status;
    };
    return { status, lines };
  }

  it('serves an association added, answers 404 for one removed, and takes new secrets from the files and folder', async () => {
    const dir = await folder();
    const secretsDir = await folder();
    const keys = await folder();
    await associationFile(dir, 'NORTH', { secretsFile: join(keys, 'north.txt') });
    await writeFile(join(keys, 'north.txt'), `${a}\n`);
    const { status, lines } = await start(dir, secretsDir, {});
    expect(await status('NORTH', a)).toBe(202);
    expect(lines).toEqual(['serving NORTH', `association NORTH: secrets from ${join(keys, 'north.txt')}`]);

    // Added, with no secret yet: 401; its file in the secrets folder: served.
    await associationFile(dir, 'SOUTH');
    await expect.poll(() => status('SOUTH', c)).toBe(401);
    expect(lines).toContain('association SOUTH has no gateway secret: its requests answer 401');
    await writeFile(join(secretsDir, 'SOUTH'), `${c}\n`);
    await expect.poll(() => status('SOUTH', c)).toBe(202);

    // North rotates: both secrets while the billing system moves, then the old one goes.
    await writeFile(join(keys, 'north.txt'), `${a}\n${b}\n`);
    await expect.poll(() => status('NORTH', b)).toBe(202);
    expect(await status('NORTH', a)).toBe(202);
    await writeFile(join(keys, 'north.txt'), `${b}\n`);
    await expect.poll(() => status('NORTH', a)).toBe(401);
    expect(await status('NORTH', b)).toBe(202);
    expect(lines).toContain('serving NORTH, SOUTH (new secrets for NORTH)');

    await rm(join(dir, 'south.yaml'));
    await expect.poll(() => status('SOUTH', c)).toBe(404);
    expect(lines).toContain('serving NORTH (removed SOUTH)');
    expect(await status('NORTH', b)).toBe(202);
  });
});
