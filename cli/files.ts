// Reading the files a command names; a file that cannot be read or parsed is bad input, not a crash.
import { parseEventsFile, parseHistoryFile } from '../schemas/parse.js';
import type { LocatedEvent, Parsed, ParsedHistory } from '../schemas/parse.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';
import { loadAssociationFile, readInputFile } from '../common/association-file.js';
import { BadInput } from './bad-input.js';
import { parseRoster } from './roster.js';

function orThrow<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new BadInput(parsed.errors);
  return parsed.value;
}

export async function loadAssociationConfig(file: string): Promise<AssociationConfig> {
  return orThrow(await loadAssociationFile(file));
}

export async function loadEvents(file: string): Promise<LocatedEvent[]> {
  return orThrow(parseEventsFile(file, orThrow(await readInputFile(file))));
}

/** Events, or an export with the configurations its members ran under (`-`: standard input). */
export async function loadHistory(file: string): Promise<ParsedHistory> {
  return orThrow(parseHistoryFile(file === '-' ? 'stdin' : file, orThrow(await readInputFile(file))));
}

/** A roster CSV as `imported` events at `at`. */
export async function loadRoster(file: string, at: string): Promise<LifecycleEvent[]> {
  return orThrow(parseRoster(file, orThrow(await readInputFile(file)), at));
}
