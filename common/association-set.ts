// The associations a worker, gateway or CLI serves: a folder of association files
// (STANDING_ASSOCIATIONS), or one file (--config, STANDING_CONFIG), else the samples `npm start`
// runs. Loaded as a whole, every problem named by file; watched, so a file added, changed or
// removed while they run is picked up.
import { watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { AssociationConfig } from '../schemas/association.js';
import type { InputError } from '../schemas/parse.js';
import { associationTaskQueue } from '../workflows/messages.js';
import { loadAssociationFile } from './association-file.js';

/** The folder `npm start` runs when nothing else is named: the sample and a second, small association. */
export const sampleAssociationsFolder = join(import.meta.dirname, '..', 'examples', 'associations');

export type AssociationSource = { readonly kind: 'folder' | 'file'; readonly path: string };

/** One association as loaded: its file, its validated configuration, and where its memberships run. */
export interface LoadedAssociation {
  readonly id: string;
  readonly file: string;
  readonly config: AssociationConfig;
  /** The Temporal namespace its memberships live in (the connection's unless the file names one). */
  readonly namespace: string;
  /** The task queue its workflows and activities run on (`standing/<id>` unless the file names one). */
  readonly taskQueue: string;
}

export interface AssociationSet {
  readonly source: AssociationSource;
  /** By id, in file-name order. */
  readonly associations: ReadonlyMap<string, LoadedAssociation>;
  /** Files that could not be used, each problem naming the file (and line and field where there is one). */
  readonly problems: readonly InputError[];
}

const associationFileExtensions = new Set(['.yaml', '.yml', '.json']);

/**
 * Where the associations come from: an explicit file (--config), else STANDING_ASSOCIATIONS (a
 * folder), else STANDING_CONFIG (one file), else the sample folder. Both variables set is ambiguous.
 */
export function associationSource(explicitFile?: string, env: NodeJS.ProcessEnv = process.env): AssociationSource {
  if (explicitFile !== undefined) return { kind: 'file', path: resolve(explicitFile) };
  const folder = env.STANDING_ASSOCIATIONS;
  const file = env.STANDING_CONFIG;
  if (folder && file)
    throw new Error('STANDING_ASSOCIATIONS and STANDING_CONFIG are both set: set one (a folder, or a single file)');
  if (folder) return { kind: 'folder', path: resolve(folder) };
  if (file) return { kind: 'file', path: resolve(file) };
  return { kind: 'folder', path: sampleAssociationsFolder };
}

/** The files a source names: the file, or the folder's YAML and JSON files (not hidden ones), by name. */
async function filesOf(source: AssociationSource): Promise<{ files: string[]; problems: InputError[] }> {
  if (source.kind === 'file') return { files: [source.path], problems: [] };
  try {
    const names = await readdir(source.path);
    const files = names
      .filter((name) => !name.startsWith('.') && associationFileExtensions.has(extname(name).toLowerCase()))
      .sort()
      .map((name) => join(source.path, name));
    return files.length > 0
      ? { files, problems: [] }
      : { files, problems: [{ file: source.path, message: 'holds no association file (.yaml, .yml or .json)' }] };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (error as Error).message;
    return { files: [], problems: [{ file: source.path, message: `cannot read: ${why}` }] };
  }
}

/**
 * Every association of a source. A file with a problem is left out and named in `problems`, so one
 * bad file does not take the others down; two files with one association id keep the first (by file
 * name) and name the second.
 */
export async function loadAssociationSet(
  source: AssociationSource,
  connectionNamespace: string,
): Promise<AssociationSet> {
  const { files, problems } = await filesOf(source);
  const associations = new Map<string, LoadedAssociation>();
  for (const file of files) {
    const parsed = await loadAssociationFile(file);
    if (!parsed.ok) {
      problems.push(...parsed.errors);
      continue;
    }
    const config = parsed.value;
    const id = config.association.id;
    const earlier = associations.get(id);
    if (earlier) {
      problems.push({ file, message: `association ${id} is already defined by ${basename(earlier.file)}; left out` });
      continue;
    }
    associations.set(id, {
      id,
      file,
      config,
      namespace: config.temporal?.namespace ?? connectionNamespace,
      taskQueue: config.temporal?.taskQueue ?? associationTaskQueue(id),
    });
  }
  return { source, associations, problems };
}

/**
 * The association a command acts for: the one named (--association), or the only one loaded.
 * When it is ambiguous or unknown, the error lists the ones that exist.
 */
export function selectAssociation(set: AssociationSet, id?: string): LoadedAssociation {
  const ids = [...set.associations.keys()];
  const choices = ids.length > 0 ? ids.join(', ') : 'none';
  if (id !== undefined) {
    const chosen = set.associations.get(id);
    if (!chosen) throw new Error(`--association: no association ${id} is loaded (loaded: ${choices})`);
    return chosen;
  }
  if (ids.length === 1) return set.associations.get(ids[0]!)!;
  if (ids.length === 0) throw new Error(`no association could be loaded from ${set.source.path}`);
  throw new Error(`several associations are loaded (${choices}): name one with --association ID`);
}

/**
 * Calls `changed` with the whole set again after a file of the source is added, changed or
 * removed. The folder is watched (for one file, the folder holding it), so an editor that saves by
 * replacing the file is seen too; a save in several writes is read once things settle.
 */
export function watchAssociationSet(
  source: AssociationSource,
  connectionNamespace: string,
  changed: (set: AssociationSet) => void | Promise<void>,
  settleMs = 500,
): { close(): void } {
  const folder = source.kind === 'folder' ? source.path : dirname(source.path);
  let pending: NodeJS.Timeout | undefined;
  const watcher = watch(folder, (_event, name) => {
    if (source.kind === 'file' && name !== null && name !== basename(source.path)) return;
    clearTimeout(pending);
    pending = setTimeout(() => {
      loadAssociationSet(source, connectionNamespace)
        .then(changed)
        .catch((error: unknown) => console.error(`[associations] ${(error as Error).message}`));
    }, settleMs);
  });
  return {
    close() {
      clearTimeout(pending);
      watcher.close();
    },
  };
}
