// The bulk reads' query languages, parsed (pure): the MLS's OData query options on `Member`, and
// the others' `ids=` lists. A query the provider would refuse comes back as a Refusal-shaped error.

/** The most ids (or MemberKeys in a $filter) one bulk read takes. */
export const MAX_BULK_IDS = 100;
/** The most records one page of the MLS's `Member` answers. */
export const MAX_TOP = 10_000;

export const mlsMemberFields = ['MemberKey', 'MemberStatus', 'ModificationTimestamp'] as const;
export type MlsMemberField = (typeof mlsMemberFields)[number];

export interface BulkRefusal {
  readonly statusCode: 400;
  readonly error: string;
  readonly message: string;
}

export interface MemberQuery {
  /** The MemberKeys asked for, or null to page through every record. */
  readonly keys: readonly string[] | null;
  readonly select: readonly MlsMemberField[];
  readonly top: number;
  readonly skip: number;
}

const refuse = (error: string, message: string): BulkRefusal => ({ statusCode: 400, error, message });

/** One `MemberKey eq '…'` term (a quote inside the key doubled, as OData writes it), then `or` or the end. */
const filterTerm = /^\s*MemberKey\s+eq\s+'((?:[^']|'')*)'\s*(?:or\s|$)/;

/** `$filter`, `$select`, `$top`, `$skip` and `$orderby` of GET /mls/odata/Member, as the contract gives them. */
export function parseMemberQuery(query: Record<string, unknown>): MemberQuery | BulkRefusal {
  const option = (name: string): string | undefined => {
    const value = query[name];
    return typeof value === 'string' ? value : undefined;
  };
  let keys: string[] | null = null;
  const filter = option('$filter');
  if (filter !== undefined) {
    keys = [];
    let rest = filter;
    while (rest.trim() !== '') {
      const term = filterTerm.exec(rest);
      if (!term)
        return refuse('invalid-filter', `$filter takes MemberKey eq '<key>' terms joined by or; got: ${filter}`);
      keys.push(term[1]!.replaceAll("''", "'"));
      rest = rest.slice(term[0].length);
      if (term[0].trimEnd().endsWith('or') && rest.trim() === '')
        return refuse('invalid-filter', `$filter ends with or: ${filter}`);
    }
    if (keys.length === 0) return refuse('invalid-filter', '$filter names no MemberKey');
    if (keys.length > MAX_BULK_IDS)
      return refuse('too-many-ids', `$filter names ${keys.length} MemberKeys; at most ${MAX_BULK_IDS} per request`);
  }
  const selectText = option('$select');
  const select = selectText === undefined ? [...mlsMemberFields] : selectText.split(',').map((field) => field.trim());
  const unknown = select.filter((field) => !(mlsMemberFields as readonly string[]).includes(field));
  if (unknown.length > 0 || select.length === 0)
    return refuse('invalid-select', `$select takes ${mlsMemberFields.join(', ')}; got: ${selectText}`);
  const top = count(option('$top'), MAX_TOP);
  if (top === null || top > MAX_TOP)
    return refuse('invalid-top', `$top is a whole number from 0 to ${MAX_TOP}; got: ${option('$top')}`);
  const skip = count(option('$skip'), 0);
  if (skip === null) return refuse('invalid-skip', `$skip is a whole number; got: ${option('$skip')}`);
  const orderby = option('$orderby');
  if (orderby !== undefined && !/^\s*MemberKey(\s+asc)?\s*$/.test(orderby))
    return refuse('invalid-orderby', `$orderby takes MemberKey (ascending) only; got: ${orderby}`);
  return { keys, select: select as MlsMemberField[], top, skip };
}

function count(text: string | undefined, otherwise: number): number | null {
  if (text === undefined) return otherwise;
  return /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * The `ids` of a bulk read, from the raw URL (not the parsed query): ids are URL-encoded and
 * comma-separated, so an encoded comma (%2C) is part of an id, not a separator.
 */
export function parseIds(url: string): readonly string[] | BulkRefusal {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const raw = query.split('&').find((part) => part.startsWith('ids='));
  if (raw === undefined) return refuse('ids-required', 'ids is required: ?ids=ID1,ID2,... (URL-encoded)');
  let ids: string[];
  try {
    ids = raw
      .slice('ids='.length)
      .split(',')
      .filter((id) => id !== '')
      .map((id) => decodeURIComponent(id.replaceAll('+', ' ')));
  } catch {
    return refuse('invalid-ids', 'ids are URL-encoded and comma-separated');
  }
  if (ids.length > MAX_BULK_IDS)
    return refuse('too-many-ids', `${ids.length} ids; at most ${MAX_BULK_IDS} per request`);
  return ids;
}

export function isRefusal(value: unknown): value is BulkRefusal {
  return typeof value === 'object' && value !== null && 'error' in value && 'statusCode' in value;
}
