// A roster CSV as `imported` events: the header as a CSV reader reads it (quoted, spaced, after a
// byte-order mark), and every problem named by file, line and column.
import { describe, expect, it } from 'vitest';
import { parseRoster } from '../cli/roster.js';

const at = '2026-11-21T12:00:00.000Z';

describe('parseRoster', () => {
  it('reads a quoted header and quoted fields, as spreadsheets export them', () => {
    const text =
      '\uFEFF"memberId","membershipType","role","state","paidThrough","joinDate","memberStatus"\r\n' +
      '"R1","REALTOR","primary","active","2027-03-31","2010-01-05","Renewed"\r\n' +
      '"R2","REALTOR","secondary","pending","","",""\r\n';
    const parsed = parseRoster('roster.csv', text, at);
    expect(parsed).toEqual({
      ok: true,
      value: [
        {
          id: 'import-R1',
          type: 'imported',
          memberId: 'R1',
          at,
          membershipType: 'REALTOR',
          role: 'primary',
          state: 'active',
          paidThrough: '2027-03-31',
          joinDate: '2010-01-05',
          memberStatus: 'Renewed',
        },
        expect.objectContaining({ id: 'import-R2', memberId: 'R2', role: 'secondary', state: 'pending' }),
      ],
    });
  });

  it('takes the required columns alone, in any order, with spaces around them', () => {
    const parsed = parseRoster('roster.csv', ' state , memberId ,membershipType\nactive,R3,REALTOR\n', at);
    expect(parsed).toMatchObject({ ok: true, value: [{ memberId: 'R3', state: 'active', membershipType: 'REALTOR' }] });
  });

  it('reads the optional m1Id, mlsId and lockboxId columns as providerIds, leaving out empty cells', () => {
    const parsed = parseRoster(
      'roster.csv',
      'memberId,membershipType,state,m1Id,mlsId,lockboxId\n' +
        'R4,REALTOR,active,123456789,M123456,2041234\n' +
        'R5,REALTOR,active,987654321,,\n' +
        'R6,REALTOR,active,,,\n',
      at,
    );
    expect(parsed.ok).toBe(true);
    const [all, m1Only, none] = parsed.ok ? parsed.value : [];
    expect(all).toMatchObject({ memberId: 'R4', providerIds: { m1: '123456789', mls: 'M123456', lockbox: '2041234' } });
    expect(m1Only).toMatchObject({ memberId: 'R5', providerIds: { m1: '987654321' } });
    expect(Object.keys((m1Only as { providerIds: object }).providerIds)).toEqual(['m1']);
    expect(none).not.toHaveProperty('providerIds');
    expect(none).not.toHaveProperty('m1Id');
  });

  it('names missing, unknown and repeated columns on line 1', () => {
    expect(parseRoster('r.csv', '"memberId","membershipType"\nR1,REALTOR\n', at)).toEqual({
      ok: false,
      errors: [
        {
          file: 'r.csv',
          line: 1,
          message:
            'missing column(s) state; columns are memberId, membershipType, role, state, paidThrough, joinDate, memberStatus, m1Id, mlsId, lockboxId',
        },
      ],
    });
    expect(parseRoster('r.csv', 'memberId,membershipType,state,"colour"\nR1,REALTOR,active,blue\n', at)).toMatchObject({
      ok: false,
      errors: [{ line: 1, message: expect.stringMatching(/^unknown column\(s\) colour;/) }],
    });
    expect(parseRoster('r.csv', 'memberId,membershipType,state,state\nR1,REALTOR,active,active\n', at)).toEqual({
      ok: false,
      errors: [{ file: 'r.csv', line: 1, message: 'column(s) state named more than once' }],
    });
    expect(parseRoster('r.csv', '', at)).toMatchObject({ ok: false, errors: [{ line: 1 }] });
  });

  it('names the line and the field of every bad row, quoted header or not', () => {
    const parsed = parseRoster(
      'r.csv',
      '"memberId","membershipType","state"\nR1,REALTOR,asleep\nR2,REALTOR,active\nR3,REALTOR,lapsed\n',
      at,
    );
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'state'],
      [4, 'state'],
    ]);
  });

  it('refuses what is not CSV', () => {
    expect(parseRoster('r.csv', 'memberId,membershipType,state\n"R1,REALTOR,active\n', at)).toMatchObject({
      ok: false,
      errors: [{ file: 'r.csv', message: expect.stringMatching(/^not valid CSV/) }],
    });
  });
});
