// Which members a staff tool means: the visibility query the filters make (each value a quoted
// literal, the never-paid branch inside the paid-through clause), the filters' problems by option,
// and the member id of a listed workflow.
import { TypedSearchAttributes } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { filterProblems, memberIdOf, visibilityQuery } from '../client/member-filter.js';
import { membershipSearchAttributes as keys } from '../workflows/search-attributes.js';
import { association } from './helpers.js';

const running = 'WorkflowType = "membershipWorkflow" AND ExecutionStatus = "Running"';

describe('visibilityQuery', () => {
  it('selects every running membership of the association when the filter is empty', () => {
    expect(visibilityQuery('MRAR')).toBe(`${running} AND AssociationId = "MRAR"`);
    expect(visibilityQuery('MRAR', {})).toBe(visibilityQuery('MRAR'));
  });

  it('adds one clause per filter, in a fixed order, each value a double-quoted literal', () => {
    expect(
      visibilityQuery('MRAR', {
        providerSync: 'failed',
        paidThroughBefore: '2026-08-01',
        type: 'REALTOR',
        state: 'suspended',
      }),
    ).toBe(
      `${running} AND AssociationId = "MRAR" AND MembershipState = "suspended" AND MembershipType = "REALTOR"` +
        ' AND (PaidThrough < "2026-08-01T00:00:00Z" OR PaidThrough IS NULL) AND ProviderSync = "failed"',
    );
  });

  it('lists members never paid with those paid through a day before the date, in one parenthesised clause', () => {
    const query = visibilityQuery('MRAR', { paidThroughBefore: '2026-08-01', state: 'active' });
    // The start of the day, UTC, as the PaidThrough attribute holds a paid-through date; strictly
    // before it, so a member paid through August 1 is not listed for August 1.
    expect(query).toContain('PaidThrough < "2026-08-01T00:00:00Z"');
    // Without the parentheses the OR would take in never-paid members of every association and state.
    expect(query).toBe(
      `${running} AND AssociationId = "MRAR" AND MembershipState = "active"` +
        ' AND (PaidThrough < "2026-08-01T00:00:00Z" OR PaidThrough IS NULL)',
    );
  });

  it('finds members whose provider updates are undeliverable (a required provider id missing)', () => {
    expect(filterProblems(association(), { providerSync: 'undeliverable' })).toEqual([]);
    expect(visibilityQuery('MRAR', { providerSync: 'undeliverable' })).toBe(
      `${running} AND AssociationId = "MRAR" AND ProviderSync = "undeliverable"`,
    );
  });

  it('keeps a type code with an apostrophe and spaces whole inside its double quotes', () => {
    expect(visibilityQuery('MRAR', { type: "O'NEIL CO" })).toBe(
      `${running} AND AssociationId = "MRAR" AND MembershipType = "O'NEIL CO"`,
    );
  });
});

describe('filterProblems', () => {
  const config = association();

  it('finds nothing wrong with good filters', () => {
    expect(
      filterProblems(config, {
        state: 'pastDue',
        type: 'AFFILIATE',
        paidThroughBefore: '2026-02-28',
        providerSync: 'pending',
      }),
    ).toEqual([]);
  });

  it('names each wrong option as the CLI spells it', () => {
    expect(
      filterProblems(config, {
        state: 'lapsed',
        type: 'BROKER',
        paidThroughBefore: '2026-02-30',
        providerSync: 'stale',
      }),
    ).toEqual([
      { option: '--state', message: 'must be one of pending, active, pastDue, suspended, terminated' },
      { option: '--paid-through-before', message: 'must be a date YYYY-MM-DD' },
      { option: '--provider-sync', message: 'must be one of ok, pending, failed, undeliverable' },
      { option: '--type', message: 'BROKER is not defined by association TEST (types: REALTOR, AFFILIATE)' },
    ]);
  });
});

describe('memberIdOf', () => {
  it('reads the MemberId attribute, else the last part of the workflow id', () => {
    const attributes = new TypedSearchAttributes([{ key: keys.MemberId, value: 'A/1' }]);
    expect(memberIdOf({ workflowId: 'membership/MRAR/A/1', typedSearchAttributes: attributes })).toBe('A/1');
    expect(memberIdOf({ workflowId: 'membership/MRAR/B2', typedSearchAttributes: new TypedSearchAttributes() })).toBe(
      'B2',
    );
  });
});
