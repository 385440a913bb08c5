// A roster of existing members (CSV, one member a row) as `imported` events, every row validated
// before anything is imported, errors naming the file, the line and the column.
import { parse } from 'csv-parse/sync';
import type { LifecycleEvent } from '../schemas/events.js';
import type { InputError, Parsed } from '../schemas/parse.js';
import { parseEvent } from '../schemas/parse.js';

export const rosterColumns = [
  'memberId',
  'membershipType',
  'role',
  'state',
  'paidThrough',
  'joinDate',
  'memberStatus',
] as const;

/** Each row becomes `imported` at `at`, with id `import-<memberId>` so re-running an import changes nothing. */
export function parseRoster(file: string, text: string, at: string): Parsed<LifecycleEvent[]> {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true });
  } catch (error) {
    return { ok: false, errors: [{ file, message: `not valid CSV: ${(error as Error).message}` }] };
  }
  const header = text
    .split(/\r?\n/, 1)[0]!
    .split(',')
    .map((column) => column.trim());
  const missing = ['memberId', 'membershipType', 'state'].filter((column) => !header.includes(column));
  if (missing.length > 0)
    return {
      ok: false,
      errors: [
        { file, line: 1, message: `missing column(s) ${missing.join(', ')}; columns are ${rosterColumns.join(', ')}` },
      ],
    };
  const unknown = header.filter((column) => !(rosterColumns as readonly string[]).includes(column));
  if (unknown.length > 0)
    return {
      ok: false,
      errors: [
        { file, line: 1, message: `unknown column(s) ${unknown.join(', ')}; columns are ${rosterColumns.join(', ')}` },
      ],
    };
  const events: LifecycleEvent[] = [];
  const errors: InputError[] = [];
  for (const { record, info } of records) {
    const fields = Object.fromEntries(Object.entries(record).filter(([, value]) => value !== ''));
    const parsed = parseEvent(file, info.lines, {
      ...fields,
      id: `import-${fields.memberId ?? ''}`,
      type: 'imported',
      at,
    });
    if (parsed.ok) events.push(parsed.value);
    else errors.push(...parsed.errors);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: events };
}
