// A roster of existing members (CSV, one member a row) as `imported` events, every row validated
// before anything is imported, errors naming the file, the line and the column. The optional
// columns m1Id, mlsId and lockboxId are the member's ids at the providers (providerIds).
import { parse } from 'csv-parse/sync';
import type { LifecycleEvent } from '../schemas/events.js';
import type { InputError, Parsed } from '../schemas/parse.js';
import { parseEvent } from '../schemas/parse.js';

/** The provider id columns, and the providerIds field each fills. */
const providerIdColumns = { m1Id: 'm1', mlsId: 'mls', lockboxId: 'lockbox' } as const;
const rosterColumns = [
  'memberId',
  'membershipType',
  'role',
  'state',
  'paidThrough',
  'joinDate',
  'memberStatus',
  ...Object.keys(providerIdColumns),
];
const requiredColumns = ['memberId', 'membershipType', 'state'];

/** Each row becomes `imported` at `at`, with id `import-<memberId>` so re-running an import changes nothing. */
export function parseRoster(file: string, text: string, at: string): Parsed<LifecycleEvent[]> {
  // The header as csv-parse reads it (quoted or not, trimmed, after any byte-order mark), kept to name what is wrong.
  let header: string[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (columns: string[]) => (header = columns),
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
  } catch (error) {
    return { ok: false, errors: [{ file, message: `not valid CSV: ${(error as Error).message}` }] };
  }
  const missing = requiredColumns.filter((column) => !header.includes(column));
  if (missing.length > 0)
    return {
      ok: false,
      errors: [
        { file, line: 1, message: `missing column(s) ${missing.join(', ')}; columns are ${rosterColumns.join(', ')}` },
      ],
    };
  const unknown = header.filter((column) => !rosterColumns.includes(column));
  if (unknown.length > 0)
    return {
      ok: false,
      errors: [
        { file, line: 1, message: `unknown column(s) ${unknown.join(', ')}; columns are ${rosterColumns.join(', ')}` },
      ],
    };
  const twice = header.filter((column, index) => header.indexOf(column) !== index);
  if (twice.length > 0)
    return { ok: false, errors: [{ file, line: 1, message: `column(s) ${twice.join(', ')} named more than once` }] };
  const events: LifecycleEvent[] = [];
  const errors: InputError[] = [];
  for (const { record, info } of records) {
    const fields: Record<string, unknown> = {};
    const providerIds: Record<string, string> = {};
    for (const [column, value] of Object.entries(record)) {
      if (value === '') continue;
      if (Object.hasOwn(providerIdColumns, column))
        providerIds[providerIdColumns[column as keyof typeof providerIdColumns]] = value;
      else fields[column] = value;
    }
    const parsed = parseEvent(file, info.lines, {
      ...fields,
      ...(Object.keys(providerIds).length > 0 ? { providerIds } : {}),
      id: `import-${typeof fields.memberId === 'string' ? fields.memberId : ''}`,
      type: 'imported',
      at,
    });
    if (parsed.ok) events.push(parsed.value);
    else errors.push(...parsed.errors);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: events };
}
