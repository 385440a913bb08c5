// The association a runtime command acts for: loaded with the rest of its folder (or alone, from one
// file) and chosen by --association (else STANDING_ASSOCIATION), or because it is the only one.
import { associationSource, loadAssociationSet, selectAssociation } from '../common/association-set.js';
import type { LoadedAssociation } from '../common/association-set.js';
import { formatInputError } from '../schemas/parse.js';
import { BadInput } from './bad-input.js';
import type { GlobalOptions } from './options.js';

/**
 * The chosen association. Bad input (exit 2) when none can be chosen: several loaded and none named,
 * an id not loaded, or the one file named is broken; the error lists the loaded ids and, since one
 * of them may be the association meant, the files that could not be loaded. Once one is chosen, the
 * problems of the other files are warnings: a typo in a neighbour's file does not stop staff working.
 */
export async function chooseAssociation(
  options: Pick<GlobalOptions, 'config' | 'association'>,
  connectionNamespace: string,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedAssociation> {
  let source;
  try {
    source = associationSource(options.config, env);
  } catch (error) {
    throw new BadInput([{ file: 'environment', message: (error as Error).message }]);
  }
  const set = await loadAssociationSet(source, connectionNamespace);
  // One file named (--config, STANDING_CONFIG) is the association meant: its problems are the failure.
  if (source.kind === 'file' && set.problems.length > 0) throw new BadInput(set.problems);
  let chosen: LoadedAssociation;
  try {
    chosen = selectAssociation(set, options.association);
  } catch (error) {
    // Say where the id came from, or where else one can be given.
    const hint =
      options.association === undefined
        ? set.associations.size > 1
          ? ' (or set STANDING_ASSOCIATION)'
          : ''
        : options.association === env.STANDING_ASSOCIATION
          ? ` (${options.association} is the value of STANDING_ASSOCIATION)`
          : '';
    const message = `${(error as Error).message}${hint}`;
    throw new BadInput([...set.problems, { file: source.path, message }]);
  }
  for (const problem of set.problems) warn(`standing: warning: ${formatInputError(problem)}`);
  return chosen;
}
