// Reading the files a command names; a file that cannot be read is bad input, not a crash.
import { readFile } from 'node:fs/promises';
import { parseAssociationConfig, parseEventsFile } from '../schemas/parse.js';
import type { LocatedEvent, Parsed } from '../schemas/parse.js';
import type { AssociationConfig } from '../schemas/association.js';
import { BadInput } from './bad-input.js';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new BadInput([{ file, message: `cannot read: ${why}` }]);
  }
}

function orThrow<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new BadInput(parsed.errors);
  return parsed.value;
}

export async function loadAssociationConfig(file: string): Promise<AssociationConfig> {
  return orThrow(parseAssociationConfig(file, await readText(file)));
}

export async function loadEvents(file: string): Promise<LocatedEvent[]> {
  return orThrow(parseEventsFile(file, await readText(file)));
}
