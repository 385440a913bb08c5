// Text in, validated data out, or errors that name the file, the line and the field.
// Pure (no file system): the CLI, the worker and the gateway all parse through here.
import { LineCounter, isSeq, parseDocument } from 'yaml';
import type { z } from './zod-mini.js';
import { associationConfigSchema } from './association.js';
import type { AssociationConfig } from './association.js';
import { lifecycleEventSchema } from './events.js';
import { configuredSchema, exportLineKind, exportedConfigurationSchema } from './export.js';
import type { Configured } from './export.js';
import type { LifecycleEvent } from './events.js';
import { fieldPath } from './validate.js';

export interface InputError {
  readonly file: string;
  readonly line?: number;
  /** The field, as a path: membershipTypes[0].gracePeriod */
  readonly field?: string;
  readonly message: string;
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly InputError[] };

/** Located events: each keeps the line it came from, so later checks can point at it. */
export interface LocatedEvent {
  readonly line: number;
  readonly event: LifecycleEvent;
}

export function formatInputError(error: InputError): string {
  const where = error.line === undefined ? error.file : `${error.file}:${error.line}`;
  return error.field ? `${where}: ${error.field}: ${error.message}` : `${where}: ${error.message}`;
}

export { fieldPath };

function issuesToErrors(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  lineOf: (path: readonly PropertyKey[]) => number | undefined,
): InputError[] {
  return issues.map((issue) => {
    const field = fieldPath(issue.path);
    const line = lineOf(issue.path);
    return {
      file,
      ...(line === undefined ? {} : { line }),
      ...(field === '' ? {} : { field }),
      message: issue.message,
    };
  });
}

/** The association file, YAML or JSON by its extension (spec section 2). */
export function parseAssociationConfig(file: string, text: string): Parsed<AssociationConfig> {
  const lineCounter = new LineCounter();
  const isJson = file.toLowerCase().endsWith('.json');
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  let data: unknown;
  if (isJson) {
    try {
      data = JSON.parse(text);
    } catch (error) {
      return { ok: false, errors: [{ file, message: `not valid JSON: ${(error as Error).message}` }] };
    }
  } else {
    if (doc.errors.length > 0) {
      return {
        ok: false,
        errors: doc.errors.map((error) => ({
          file,
          line: lineCounter.linePos(error.pos[0]).line,
          message: `not valid YAML: ${error.message.split('\n')[0]}`,
        })),
      };
    }
    data = doc.toJS();
  }
  const result = associationConfigSchema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  // The line of the deepest node on the path that exists, so a missing field points at its parent.
  const lineOf = (path: readonly PropertyKey[]) => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true) as
        { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { ok: false, errors: issuesToErrors(file, result.error.issues, lineOf) };
}

/** Validates one event object; `line` places errors in the file. */
export function parseEvent(file: string, line: number | undefined, data: unknown): Parsed<LifecycleEvent> {
  const result = lifecycleEventSchema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: issuesToErrors(file, result.error.issues, () => line) };
}

/** Events as JSON Lines (one object a line) or as one JSON array, told apart by the first character. */
export function parseEventsFile(file: string, text: string): Parsed<LocatedEvent[]> {
  const events: LocatedEvent[] = [];
  const errors: InputError[] = [];
  const unreadable = eachItem(file, text, ({ line, data }) => {
    const parsed = parseEvent(file, line, data);
    if (parsed.ok) events.push({ line, event: parsed.value });
    else errors.push(...parsed.errors);
  });
  if (unreadable.length > 0) return { ok: false, errors: unreadable };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: events };
}

/** A `configured` line of an export, with where it is. */
export interface LocatedConfigured {
  readonly line: number;
  readonly configured: Configured;
}

/** An events file that may be an export (`standing export`): events, and the configurations the members ran under. */
export interface ParsedHistory {
  readonly events: LocatedEvent[];
  /** Each version's configuration, as its `configuration` line gives it. */
  readonly configurations: ReadonlyMap<string, AssociationConfig>;
  readonly configured: readonly LocatedConfigured[];
}

/**
 * Events as parseEventsFile reads them, and an export's own lines besides (schemas/export.ts):
 * each validated, errors naming the line and the field; a `configured` line naming a version no
 * `configuration` line before it gives is an error too.
 */
export function parseHistoryFile(file: string, text: string): Parsed<ParsedHistory> {
  const events: LocatedEvent[] = [];
  const configurations = new Map<string, AssociationConfig>();
  const configured: LocatedConfigured[] = [];
  const errors: InputError[] = [];
  const unreadable = eachItem(file, text, ({ line, data }) => {
    const kind = exportLineKind(data);
    if (kind === 'event') {
      const parsed = parseEvent(file, line, data);
      if (parsed.ok) events.push({ line, event: parsed.value });
      else errors.push(...parsed.errors);
    } else if (kind === 'configuration') {
      const parsed = exportedConfigurationSchema.safeParse(data);
      if (parsed.success) configurations.set(parsed.data.configuration.version, parsed.data.configuration.association);
      else errors.push(...issuesToErrors(file, parsed.error.issues, () => line));
    } else {
      const parsed = configuredSchema.safeParse(data);
      if (!parsed.success) errors.push(...issuesToErrors(file, parsed.error.issues, () => line));
      else if (!configurations.has(parsed.data.configured.version))
        errors.push({
          file,
          line,
          field: 'configured.version',
          message: `no configuration line before this one gives version ${parsed.data.configured.version}`,
        });
      else configured.push({ line, configured: parsed.data.configured });
    }
  });
  if (unreadable.length > 0) return { ok: false, errors: unreadable };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { events, configurations, configured } };
}

interface RawItem {
  readonly line: number;
  readonly data: unknown;
}

/**
 * Hands `use` each item of a JSON Lines file or a JSON array, one at a time, so an item's raw JSON
 * is dropped once used (an export of 10,000 members is 226,000 lines). Returns the JSON errors:
 * when there are any, they are the file's only errors, and `use` has not seen the items after the
 * first of them.
 */
function eachItem(file: string, text: string, use: (item: RawItem) => void): InputError[] {
  if (text.trimStart().startsWith('[')) {
    const items = jsonArrayItems(file, text);
    if (!items.ok) return [...items.errors];
    items.value.forEach(use);
    return [];
  }
  const errors: InputError[] = [];
  text.split(/\r?\n/).forEach((content, index) => {
    if (content.trim() === '') return;
    let data: unknown;
    try {
      data = JSON.parse(content);
    } catch (error) {
      errors.push({ file, line: index + 1, message: `not valid JSON: ${(error as Error).message}` });
      return;
    }
    if (errors.length === 0) use({ line: index + 1, data });
  });
  return errors;
}

function jsonArrayItems(file: string, text: string): Parsed<RawItem[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [{ file, message: `not valid JSON: ${(error as Error).message}` }] };
  }
  if (!Array.isArray(data))
    return { ok: false, errors: [{ file, message: 'must hold a JSON array of events, or one event per line' }] };
  // JSON is YAML, so the YAML parser can tell which line each element starts on.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lines = isSeq(doc.contents)
    ? doc.contents.items.map(
        (item) => lineCounter.linePos((item as { range?: readonly number[] }).range?.[0] ?? 0).line,
      )
    : [];
  return { ok: true, value: data.map((item, index) => ({ line: lines[index] ?? 1, data: item })) };
}
