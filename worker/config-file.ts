// The association file the worker and the CLI run on: --config, else STANDING_CONFIG, else the
// sample association that `npm start` runs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssociationConfig } from '../schemas/association.js';
import { formatInputError, parseAssociationConfig } from '../schemas/parse.js';

export const sampleAssociationFile = join(import.meta.dirname, '..', 'examples', 'sample-association.yaml');

export function associationFile(explicit?: string): string {
  return explicit ?? process.env.STANDING_CONFIG ?? sampleAssociationFile;
}

/** The validated configuration, or an error listing every problem as file:line: field: message. */
export async function readAssociationFile(file: string): Promise<AssociationConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new Error(`${file}: cannot read: ${why}`, { cause: error });
  }
  const parsed = parseAssociationConfig(file, text);
  if (!parsed.ok) throw new Error(parsed.errors.map(formatInputError).join('\n'));
  return parsed.value;
}
