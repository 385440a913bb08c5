// The association file the worker and the CLI run on: --config, else STANDING_CONFIG, else the
// sample association that `npm start` runs. Reading a file the user names goes through here too.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssociationConfig } from '../schemas/association.js';
import { formatInputError, parseAssociationConfig } from '../schemas/parse.js';
import type { Parsed } from '../schemas/parse.js';

export const sampleAssociationFile = join(import.meta.dirname, '..', 'examples', 'associations', 'sample.yaml');

export function associationFile(explicit?: string): string {
  return explicit ?? process.env.STANDING_CONFIG ?? sampleAssociationFile;
}

/** A file's text, or an error saying why it cannot be read. */
export async function readInputFile(file: string): Promise<Parsed<string>> {
  try {
    // `-` is standard input: `standing export | standing simulate --events - --as-run`.
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return { ok: true, value: Buffer.concat(chunks).toString('utf8') };
    }
    return { ok: true, value: await readFile(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    return { ok: false, errors: [{ file, message: `cannot read: ${why}` }] };
  }
}

/** The validated configuration, or every problem as file:line: field: message. */
export async function loadAssociationFile(file: string): Promise<Parsed<AssociationConfig>> {
  const text = await readInputFile(file);
  return text.ok ? parseAssociationConfig(file, text.value) : text;
}

/** The validated configuration; throws an error listing every problem (for the worker and npm start). */
export async function readAssociationFile(file: string): Promise<AssociationConfig> {
  const parsed = await loadAssociationFile(file);
  if (!parsed.ok) throw new Error(parsed.errors.map(formatInputError).join('\n'));
  return parsed.value;
}
