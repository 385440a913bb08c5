// The association file and event parsing: defaults, the allowed values, and errors that name file, line and field.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJsonSchemas } from '../schemas/json-schema.js';
import { formatInputError, parseAssociationConfig, parseEventsFile, parseHistoryFile } from '../schemas/parse.js';

const minimal = 'association:\n  id: MRAR\nmembershipTypes:\n  - code: REALTOR\n';

function errorsOf(file: string, text: string): string[] {
  const parsed = parseAssociationConfig(file, text);
  if (parsed.ok) throw new Error('expected the file to be refused');
  return parsed.errors.map(formatInputError);
}

describe('association file', () => {
  it('fills in the documented defaults', () => {
    const parsed = parseAssociationConfig('a.yaml', `${minimal}providers:\n  m1: {}\n`);
    expect(parsed.ok && parsed.value).toMatchObject({
      association: { id: 'MRAR', timezone: 'UTC' },
      providers: { m1: { suspendWindow: { anchorYear: 2025, everyYears: 3, from: '01-01', through: '03-01' } } },
      membershipTypes: [
        {
          code: 'REALTOR',
          isMember: true,
          activationPercent: 100,
          gracePeriod: 'P0D',
          afterGrace: 'terminated',
          daysOverdueToAllowReactivation: 0,
        },
      ],
    });
  });

  it('reads JSON when the extension says so', () => {
    const parsed = parseAssociationConfig(
      'a.json',
      JSON.stringify({ association: { id: 'X' }, membershipTypes: [{ code: 'R' }] }),
    );
    expect(parsed.ok).toBe(true);
  });

  for (const vendor of ['sentrilock', 'supra']) {
    it(`refuses a lockbox Null (vendor ${vendor}) with a message that says it is not selectable`, () => {
      const text = `${minimal}    rules:\n      suspended: { lockbox: "Null" }\nproviders:\n  lockbox: { vendor: ${vendor} }\n`;
      expect(errorsOf('a.yaml', text)).toEqual([
        'a.yaml:6: membershipTypes[0].rules.suspended.lockbox: Null is not selectable: neither lockbox vendor (SentriLock, Supra) has a Null status (use Inactive, Suspended or NoChange)',
      ]);
    });
  }

  it('refuses a double quote or a backslash in a type code or the association id, which visibility cannot match', () => {
    const text = `association:\n  id: 'A"B'\nmembershipTypes:\n  - code: 'RE\\ALTOR'\n`;
    expect(errorsOf('a.yaml', text)).toEqual([
      'a.yaml:2: association.id: must not contain spaces, slashes, double quotes or backslashes',
      'a.yaml:4: membershipTypes[0].code: must not contain a double quote or a backslash (visibility queries cannot match them)',
    ]);
  });

  it('takes requireId on each provider, false unless set, and refuses a value that is not a boolean', () => {
    const parsed = parseAssociationConfig(
      'a.yaml',
      `${minimal}providers:\n  m1: { requireId: true }\n  mls: {}\n  lockbox: { vendor: supra, requireId: true }\n`,
    );
    expect(parsed.ok && parsed.value.providers).toMatchObject({
      m1: { requireId: true },
      mls: { requireId: false },
      lockbox: { vendor: 'supra', requireId: true },
    });
    expect(errorsOf('a.yaml', `${minimal}providers:\n  mls: { requireId: yes please }\n`)[0]).toMatch(
      /^a\.yaml:\d+: providers\.mls\.requireId: /,
    );
  });

  it('refuses a status a provider does not have: Terminated is M1 only', () => {
    const text = `${minimal}    rules:\n      dropped: { mls: Terminated }\n`;
    expect(errorsOf('a.yaml', text)[0]).toMatch(/^a\.yaml:6: membershipTypes\[0\]\.rules\.dropped\.mls: /);
  });

  it('refuses a misspelt key instead of ignoring it', () => {
    expect(errorsOf('a.yaml', `${minimal}    gracePeriods: P20D\n`)[0]).toMatch(
      /^a\.yaml:4: membershipTypes\[0\]: Unrecognized key: "gracePeriods"/,
    );
  });

  it('refuses a duration that is not ISO 8601 years, months, weeks and days', () => {
    expect(errorsOf('a.yaml', `${minimal}    gracePeriod: 20 days\n`)[0]).toBe(
      'a.yaml:5: membershipTypes[0].gracePeriod: must be an ISO 8601 duration of years, months, weeks and days, like P20D or P1M',
    );
    expect(errorsOf('a.yaml', `${minimal}    gracePeriod: PT5H\n`)).toHaveLength(1);
  });

  it('refuses an unknown time zone, a duplicate type code and a missing vendor', () => {
    const text =
      'association:\n  id: MRAR\n  timezone: Mars/Olympus\nproviders:\n  lockbox: {}\nmembershipTypes:\n  - code: R\n  - code: R\n';
    expect(errorsOf('a.yaml', text)).toEqual([
      'a.yaml:3: association.timezone: must be an IANA time zone name, like America/Chicago',
      expect.stringMatching(/^a\.yaml:5: providers\.lockbox\.vendor: /),
      'a.yaml:8: membershipTypes[1].code: duplicate code R',
    ]);
  });

  it('points a missing required field at its parent', () => {
    expect(errorsOf('a.yaml', 'association:\n  name: Metro\nmembershipTypes:\n  - code: R\n')[0]).toMatch(
      /^a\.yaml:2: association\.id: /,
    );
  });

  it('refuses an M1 window date that is not a day of the year', () => {
    expect(errorsOf('a.yaml', `${minimal}providers:\n  m1:\n    suspendWindow: { from: "02-30" }\n`)[0]).toBe(
      'a.yaml:7: providers.m1.suspendWindow.from: is not a day of the year',
    );
  });

  it('reports YAML syntax errors with their line', () => {
    expect(errorsOf('a.yaml', 'association:\n  id: [oops\n')[0]).toMatch(/^a\.yaml:\d+: not valid YAML/);
  });
});

describe('events file', () => {
  const good = { id: 'e1', type: 'joined', memberId: 'A1', at: '2026-06-01T15:00:00Z', membershipType: 'REALTOR' };

  function eventErrors(text: string): string[] {
    const parsed = parseEventsFile('ev.jsonl', text);
    if (parsed.ok) throw new Error('expected the events to be refused');
    return parsed.errors.map(formatInputError);
  }

  it('reads JSON Lines, skipping blank lines, and keeps each line number', () => {
    const parsed = parseEventsFile('ev.jsonl', `${JSON.stringify(good)}\n\n${JSON.stringify({ ...good, id: 'e2' })}\n`);
    expect(parsed.ok && parsed.value.map((e) => e.line)).toEqual([1, 3]);
  });

  it('reads a JSON array and knows the line each event starts on', () => {
    const parsed = parseEventsFile(
      'ev.json',
      `[\n  ${JSON.stringify(good)},\n  ${JSON.stringify({ ...good, id: 'e2', type: 'dropped', membershipType: undefined })}\n]`,
    );
    expect(parsed.ok && parsed.value.map((e) => e.line)).toEqual([2, 3]);
  });

  it('names the line and the field of a bad amount', () => {
    const bad = {
      id: 'e2',
      type: 'paymentPosted',
      memberId: 'A1',
      at: '2026-06-02T00:00:00Z',
      paymentId: 'P',
      invoiceId: 'I',
      amount: -5,
    };
    expect(eventErrors(`${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`)).toEqual([
      'ev.jsonl:2: amount: must be greater than 0',
    ]);
  });

  it('refuses a date-time without Z or an offset', () => {
    expect(eventErrors(JSON.stringify({ ...good, at: '2026-06-01T15:00:00' }))).toEqual([
      'ev.jsonl:1: at: must be an ISO 8601 date-time with Z or an offset',
    ]);
  });

  it('accepts a date-time with an offset', () => {
    expect(parseEventsFile('ev.jsonl', JSON.stringify({ ...good, at: '2026-06-01T10:00:00-05:00' })).ok).toBe(true);
  });

  const invoice = {
    id: 'e',
    type: 'invoiceIssued',
    memberId: 'A1',
    at: '2026-06-01T00:00:00Z',
    invoiceId: 'I',
    amount: 5,
  };

  it.each([
    [
      'coversFrom without coversThrough',
      { coversFrom: '2026-06-01' },
      'ev.jsonl:1: coversThrough: coversFrom and coversThrough go together: give both or neither',
    ],
    ['an impossible date', { dueDate: '2026-02-30' }, 'ev.jsonl:1: dueDate: must be a date YYYY-MM-DD'],
  ])('refuses %s', (_what, fields, error) => {
    expect(eventErrors(JSON.stringify({ ...invoice, ...fields }))).toEqual([error]);
  });

  it('refuses an unknown type, naming the allowed ones', () => {
    expect(eventErrors(JSON.stringify({ ...good, type: 'paid' }))[0]).toMatch(
      /^ev\.jsonl:1: type: type must be one of joined, imported/,
    );
  });

  it('refuses a line that is not JSON', () => {
    expect(eventErrors('{"id":')[0]).toMatch(/^ev\.jsonl:1: not valid JSON/);
  });

  it('names only the lines that are not JSON when there are any, in an events file or an export', () => {
    const text = [JSON.stringify({ ...good, type: 'paid' }), JSON.stringify(good), '{"id":', 'nope'].join('\n');
    const errors = eventErrors(text);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^ev\.jsonl:3: not valid JSON/);
    expect(errors[1]).toMatch(/^ev\.jsonl:4: not valid JSON/);
    const exported = parseHistoryFile('export.jsonl', text);
    expect(exported.ok ? [] : exported.errors.map(formatInputError)).toEqual([
      expect.stringMatching(/^export\.jsonl:3: not valid JSON/),
      expect.stringMatching(/^export\.jsonl:4: not valid JSON/),
    ]);
  });
});

describe('JSON Schema documents', () => {
  it('are committed as generated from the zod schemas (run npm run schemas after changing them)', async () => {
    for (const [file, text] of Object.entries(renderJsonSchemas())) {
      expect(await readFile(join(import.meta.dirname, '..', 'schemas', 'json', file), 'utf8')).toBe(text);
    }
  });
});
