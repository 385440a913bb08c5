// The associations the gateway serves, each with its own signing secrets and its own way into
// Temporal: loaded from the association source, and followed while the gateway runs (a file added,
// changed or removed, a secrets file rewritten), each problem logged by file while the rest serve on.
import { existsSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadAssociationSet, watchAssociationSet } from '../common/association-set.js';
import type { AssociationSet, AssociationSource, LoadedAssociation } from '../common/association-set.js';
import { formatInputError } from '../schemas/parse.js';
import type { InputError } from '../schemas/parse.js';
import type { EventSink, GatewayAssociation } from './server.js';

export const MIN_SECRET_LENGTH = 16;

/** Where secrets come from besides the association file. */
export interface SecretSettings {
  /** Looked up for `gateway.secretsEnv`. */
  readonly env: NodeJS.ProcessEnv;
  /** STANDING_GATEWAY_SECRETS_DIR: a file per association, named by its id, one secret a line. */
  readonly secretsDir?: string;
  /** STANDING_GATEWAY_SECRET(S): taken only while exactly one association is loaded. */
  readonly sharedSecrets: readonly string[];
  /** Which variable the shared secrets came from, for the log (STANDING_GATEWAY_SECRET unless given). */
  readonly sharedFrom?: string;
}

/** An association's secrets and where they came from (never the secrets themselves in a log). */
export interface AssociationSecrets {
  readonly secrets: readonly string[];
  /** The variable or file they were read from; null when the association has none. */
  readonly from: string | null;
  readonly problems: readonly InputError[];
}

/** Comma- or newline-separated, as a variable holds several secrets while one rotates. */
export function splitSecrets(text: string): string[] {
  return text
    .split(/[,\r\n]/)
    .map((secret) => secret.trim())
    .filter(Boolean);
}

/** One secret a line; a line is taken whole, so a secret in a file may hold a comma. */
function secretLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((secret) => secret.trim())
    .filter(Boolean);
}

async function readSecretFile(file: string): Promise<{ text: string } | { missing: true } | { error: string }> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    return { error: code === 'EISDIR' ? 'is a directory' : (error as Error).message };
  }
}

/** Which secrets: the native ones (Standing-Signature, Standard Webhooks) or the Stripe endpoint's. */
export type SecretKind = 'native' | 'stripe';

/** Where each kind is named: its fields in the file, and its file in the secrets folder. */
const places = {
  native: { env: 'secretsEnv', file: 'secretsFile', dirFile: (id: string) => id },
  stripe: { env: 'stripeSecretsEnv', file: 'stripeSecretsFile', dirFile: (id: string) => `${id}.stripe` },
} as const;

/**
 * The secrets a request for `association` must be signed with. The first source that is there
 * decides, with no falling back past it: `gateway.secretsEnv`, `gateway.secretsFile` (relative to
 * the association file's folder), `<secretsDir>/<id>`, and last the shared STANDING_GATEWAY_SECRET(S),
 * only when `loadedCount` is 1 (with several, one board's billing system could sign for another).
 * Stripe's endpoint secrets (`kind` stripe) the same way from `gateway.stripeSecretsEnv`,
 * `gateway.stripeSecretsFile` and `<secretsDir>/<id>.stripe`, never shared; none is no problem
 * (the association takes no Stripe webhooks).
 */
export async function associationSecrets(
  association: LoadedAssociation,
  loadedCount: number,
  settings: SecretSettings,
  kind: SecretKind = 'native',
): Promise<AssociationSecrets> {
  const { file, id } = association;
  const place = places[kind];
  const none = (message: string, field?: string): AssociationSecrets => ({
    secrets: [],
    from: null,
    problems: [{ file, ...(field ? { field } : {}), message: `association ${id}: ${message}` }],
  });
  /** Secrets too short to resist guessing are left out, each named by its place, never by its value. */
  const checked = (secrets: readonly string[], from: string, field?: string): AssociationSecrets => {
    const problems: InputError[] = [];
    const kept = secrets.filter((secret, index) => {
      if (secret.length >= MIN_SECRET_LENGTH) return true;
      problems.push({
        file,
        ...(field ? { field } : {}),
        message: `association ${id}: secret ${index + 1} of ${from} is shorter than ${MIN_SECRET_LENGTH} characters; left out`,
      });
      return false;
    });
    if (kept.length === 0 && problems.length === 0)
      problems.push({ file, ...(field ? { field } : {}), message: `association ${id}: ${from} holds no secret` });
    return { secrets: kept, from: kept.length > 0 ? from : null, problems };
  };

  const gateway = association.config.gateway;
  const envName = gateway?.[place.env];
  const envField = `gateway.${place.env}`;
  if (envName !== undefined) {
    const value = settings.env[envName];
    if (!value?.trim()) return none(`${envName} is not set`, envField);
    return checked(splitSecrets(value), envName, envField);
  }
  const fileName = gateway?.[place.file];
  const fileField = `gateway.${place.file}`;
  if (fileName !== undefined) {
    const secretsFile = resolve(dirname(file), fileName);
    const read = await readSecretFile(secretsFile);
    if ('missing' in read) return none(`cannot read ${secretsFile}: no such file`, fileField);
    if ('error' in read) return none(`cannot read ${secretsFile}: ${read.error}`, fileField);
    return checked(secretLines(read.text), secretsFile, fileField);
  }
  if (settings.secretsDir !== undefined) {
    const dirFile = join(settings.secretsDir, place.dirFile(id));
    const read = await readSecretFile(dirFile);
    if ('error' in read) return none(`cannot read ${dirFile}: ${read.error}`);
    if ('text' in read) return checked(secretLines(read.text), dirFile);
  }
  if (kind === 'stripe') return { secrets: [], from: null, problems: [] };
  if (settings.sharedSecrets.length > 0) {
    if (loadedCount === 1) return checked(settings.sharedSecrets, settings.sharedFrom ?? 'STANDING_GATEWAY_SECRET');
    return none(
      'no secret of its own, and STANDING_GATEWAY_SECRET is not used while several associations are loaded (one board could sign for another): give it gateway.secretsEnv, gateway.secretsFile or a file STANDING_GATEWAY_SECRETS_DIR/<id>',
    );
  }
  return none(
    'no gateway secret (gateway.secretsEnv, gateway.secretsFile, STANDING_GATEWAY_SECRETS_DIR/<id>, or STANDING_GATEWAY_SECRET with one association)',
  );
}

export interface ServedSet {
  readonly associations: ReadonlyMap<string, GatewayAssociation>;
  /** Where each association's secrets came from (null: none; it answers 401). */
  readonly secretsFrom: ReadonlyMap<string, string | null>;
  /** Where each association's Stripe endpoint secrets came from (null: none; its /stripe answers 401). */
  readonly stripeSecretsFrom: ReadonlyMap<string, string | null>;
  /** The set's problems, then each association's secret problems. */
  readonly problems: readonly InputError[];
}

/**
 * The associations of `set` as the gateway serves them. A secret that two associations hold is
 * left out of both: either board's billing system could otherwise sign for the other.
 */
export async function servedSet(
  set: AssociationSet,
  settings: SecretSettings,
  sinkFor: (association: LoadedAssociation) => EventSink,
): Promise<ServedSet> {
  const loaded = [...set.associations.values()];
  const problems: InputError[] = [...set.problems];
  /** Each association's secrets of one kind, less any another association holds too. */
  const unshared = async (kind: SecretKind) => {
    const resolved = await Promise.all(
      loaded.map((association) => associationSecrets(association, loaded.length, settings, kind)),
    );
    const holders = new Map<string, string[]>();
    loaded.forEach((association, index) => {
      for (const secret of new Set(resolved[index]!.secrets))
        holders.set(secret, [...(holders.get(secret) ?? []), association.id]);
    });
    return loaded.map((association, index) => {
      const found = resolved[index]!;
      problems.push(...found.problems);
      const secrets = found.secrets.filter((secret) => {
        const others = holders.get(secret)!.filter((holder) => holder !== association.id);
        if (others.length === 0) return true;
        problems.push({
          file: association.file,
          message: `association ${association.id}: a secret from ${found.from} is also association ${others.join(', ')}'s; left out for each`,
        });
        return false;
      });
      return { secrets, from: secrets.length > 0 ? found.from : null };
    });
  };
  const native = await unshared('native');
  const stripe = await unshared('stripe');
  const associations = new Map<string, GatewayAssociation>();
  const secretsFrom = new Map<string, string | null>();
  const stripeSecretsFrom = new Map<string, string | null>();
  loaded.forEach((association, index) => {
    secretsFrom.set(association.id, native[index]!.from);
    stripeSecretsFrom.set(association.id, stripe[index]!.from);
    associations.set(association.id, {
      id: association.id,
      config: association.config,
      secrets: native[index]!.secrets,
      stripeSecrets: stripe[index]!.secrets,
      sink: sinkFor(association),
    });
  });
  return { associations, secretsFrom, stripeSecretsFrom, problems };
}

export interface ServedAssociations {
  /** The associations served now, by id: what each request is checked against. */
  current(): ReadonlyMap<string, GatewayAssociation>;
  close(): void;
}

interface ServeOptions {
  readonly source: AssociationSource;
  /** The connection's namespace: an association's unless its file names another. */
  readonly namespace: string;
  readonly secrets: SecretSettings;
  readonly sinkFor: (association: LoadedAssociation) => EventSink;
  readonly log?: (line: string) => void;
  /** How long files must be quiet before they are read again (a save in several writes is read once). */
  readonly settleMs?: number;
}

/**
 * Loads the associations and follows them: the association files (watchAssociationSet), the
 * secrets folder and the folders of the secrets files they name. A reload replaces the whole set
 * at once, so a request sees one set or the other, never half of each.
 */
export async function serveAssociations(options: ServeOptions): Promise<ServedAssociations> {
  const log = options.log ?? ((line: string) => console.log(`[gateway] ${line}`));
  const settleMs = options.settleMs ?? 500;
  let served: ServedSet = {
    associations: new Map(),
    secretsFrom: new Map(),
    stripeSecretsFrom: new Map(),
    problems: [],
  };
  let lastSet: AssociationSet | undefined;
  let generation = 0;
  let closed = false;
  const secretWatchers = new Map<string, FSWatcher>();
  let watchedSecretFiles = new Map<string, Set<string>>();
  let pending: NodeJS.Timeout | undefined;

  /**
   * Says what the gateway serves at start, and after a reload only what changed (an editor or a
   * touched file reloads the set without changing it): each problem, by file, and each association
   * with no secret, since its requests all answer 401.
   */
  const report = (next: ServedSet, previous: ServedSet | undefined) => {
    const lines = (set: ServedSet) => [
      ...set.problems.map(formatInputError),
      ...[...set.secretsFrom].map(([id, from]) =>
        from === null
          ? `association ${id} has no gateway secret: its requests answer 401`
          : `association ${id}: secrets from ${from}`,
      ),
      ...[...set.stripeSecretsFrom]
        .filter(([, from]) => from !== null)
        .map(([id, from]) => `association ${id}: Stripe endpoint secrets from ${from}`),
    ];
    const ids = [...next.associations.keys()];
    const serving = `serving ${ids.length > 0 ? ids.join(', ') : 'no association'}`;
    if (!previous) {
      log(serving);
      for (const line of lines(next)) log(line);
      return;
    }
    const added = ids.filter((id) => !previous.associations.has(id));
    const removed = [...previous.associations.keys()].filter((id) => !next.associations.has(id));
    const secretsOf = (set: ServedSet, id: string) => {
      const association = set.associations.get(id)!;
      return `${[...association.secrets].sort().join('\n')}\n--\n${[...(association.stripeSecrets ?? [])].sort().join('\n')}`;
    };
    const rotated = ids.filter(
      (id) => previous.associations.has(id) && secretsOf(previous, id) !== secretsOf(next, id),
    );
    const changes = [
      ...(added.length > 0 ? [`added ${added.join(', ')}`] : []),
      ...(removed.length > 0 ? [`removed ${removed.join(', ')}`] : []),
      ...(rotated.length > 0 ? [`new secrets for ${rotated.join(', ')}`] : []),
    ];
    if (changes.length > 0) log(`${serving} (${changes.join('; ')})`);
    const before = new Set(lines(previous));
    for (const line of lines(next)) if (!before.has(line)) log(line);
  };

  /**
   * The files that hold secrets, by folder: the folders are watched (a file replaced on save is
   * seen too), and a change to one of these files reloads the secrets, so a rotation takes effect
   * without a restart. Other files in those folders are not looked at.
   */
  const watchSecrets = (set: AssociationSet) => {
    const files = new Map<string, Set<string>>();
    const add = (file: string) => {
      const folder = dirname(file);
      files.set(folder, (files.get(folder) ?? new Set()).add(basename(file)));
    };
    for (const association of set.associations.values()) {
      const gateway = association.config.gateway ?? {};
      for (const place of Object.values(places)) {
        const secretsFile = gateway[place.file];
        if (secretsFile !== undefined) add(resolve(dirname(association.file), secretsFile));
        else if (gateway[place.env] === undefined && options.secrets.secretsDir !== undefined)
          add(resolve(options.secrets.secretsDir, place.dirFile(association.id)));
      }
    }
    watchedSecretFiles = files;
    for (const [folder, watcher] of secretWatchers)
      if (!files.has(folder)) {
        watcher.close();
        secretWatchers.delete(folder);
      }
    for (const folder of files.keys()) {
      // A folder made later is watched from the next reload on.
      if (secretWatchers.has(folder) || !existsSync(folder)) continue;
      try {
        secretWatchers.set(
          folder,
          watch(folder, (_event, name) => {
            if (name !== null && !watchedSecretFiles.get(folder)?.has(name)) return;
            clearTimeout(pending);
            pending = setTimeout(() => {
              if (lastSet) apply(lastSet).catch((error: unknown) => log(`reload failed: ${(error as Error).message}`));
            }, settleMs);
          }),
        );
      } catch (error) {
        log(`cannot watch ${folder} for secret changes: ${(error as Error).message}`);
      }
    }
  };

  const apply = async (set: AssociationSet) => {
    const mine = (generation += 1);
    const next = await servedSet(set, options.secrets, options.sinkFor);
    // A slower, older reload must not replace a newer one; nor one arriving after close.
    if (mine !== generation || closed) return;
    const previous = lastSet ? served : undefined;
    lastSet = set;
    served = next;
    report(next, previous);
    watchSecrets(set);
  };

  await apply(await loadAssociationSet(options.source, options.namespace));
  const setWatcher = watchAssociationSet(options.source, options.namespace, apply, settleMs);
  return {
    current: () => served.associations,
    close() {
      closed = true;
      clearTimeout(pending);
      setWatcher.close();
      for (const watcher of secretWatchers.values()) watcher.close();
      secretWatchers.clear();
    },
  };
}
