// `standing what-if` and `standing simulate` over exports, as a person or a script runs them: the
// real bin, real files. The acceptance: a what-if lengthening the REALTOR grace period lists
// exactly the members that simulations with each file, compared here, say would differ.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MemberView } from '../machines/view.js';
import { parseAssociationConfig } from '../schemas/parse.js';
import { compareMember } from '../simulate/what-if.js';
import type { WhatIfReport } from '../simulate/what-if.js';
import { root, standing } from './standing-bin.js';

const sample = join(root, 'examples', 'associations', 'sample.yaml');

async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'standing-what-if-'));
}

/** The sample association with the REALTOR grace period set to `grace`. */
async function sampleWithGrace(dir: string, grace: string): Promise<string> {
  const text = await readFile(sample, 'utf8');
  const file = join(dir, `sample-${grace}.yaml`);
  await writeFile(file, text.replace(/(code: REALTOR[\s\S]*?gracePeriod: )P30D/, `$1${grace}`));
  return file;
}

/**
 * Twenty REALTOR members and four EMERITUS ones, paid through January, billed for the year on
 * February 1 and paying 0, 3, 6 ... days later: some inside 30 days, some between 30 and 45, some later.
 */
function board(): string {
  const lines: object[] = [];
  for (let i = 0; i < 24; i += 1) {
    const memberId = `W${String(i).padStart(2, '0')}`;
    const type = i < 20 ? 'REALTOR' : 'EMERITUS';
    const paidOn = new Date(Date.parse('2026-02-01T15:00:00Z') + i * 3 * 86_400_000).toISOString();
    lines.push(
      {
        id: `imp-${memberId}`,
        type: 'imported',
        memberId,
        at: '2026-01-15T15:00:00Z',
        membershipType: type,
        state: 'active',
        paidThrough: '2026-01-31',
      },
      {
        id: `inv-${memberId}`,
        type: 'invoiceIssued',
        memberId,
        at: '2026-02-01T15:00:00Z',
        invoiceId: `INV-${memberId}`,
        amount: 500,
        coversFrom: '2026-02-01',
        coversThrough: '2027-01-31',
      },
      {
        id: `pay-${memberId}`,
        type: 'paymentPosted',
        memberId,
        at: paidOn,
        paymentId: `P-${memberId}`,
        invoiceId: `INV-${memberId}`,
        amount: 500,
      },
    );
  }
  return `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
}

describe('what-if', () => {
  it('lists exactly the members a simulation with each file says would differ', async () => {
    const dir = await folder();
    const events = join(dir, 'board.jsonl');
    await writeFile(events, board());
    const longer = await sampleWithGrace(dir, 'P45D');
    const until = '2026-06-30T00:00:00Z';
    // The expectation, built independently: simulate under each file, compare member by member.
    const membersUnder = async (config: string) => {
      const result = await standing('simulate', '--config', config, '--events', events, '--until', until, '--json');
      expect(result.code).toBe(0);
      return new Map(
        (JSON.parse(result.stdout) as { members: MemberView[] }).members.map((m) => [m.memberId, JSON.stringify(m)]),
      );
    };
    const [now, then] = await Promise.all([membersUnder(sample), membersUnder(longer)]);
    const expected = [...now.keys()].filter((id) => now.get(id) !== then.get(id)).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(20);

    const whatIfArgs = ['what-if', '--config', longer, '--current', sample, '--events', events, '--until', until];
    const whatIf = await standing(...whatIfArgs, '--json');
    expect(whatIf.code).toBe(1);
    const report = JSON.parse(whatIf.stdout) as WhatIfReport;
    expect(report.members).toBe(24);
    expect(report.affected.map((m) => m.memberId).sort()).toEqual(expected);
    // A REALTOR paying between 30 and 45 days late is suspended now and would not be.
    expect(report.changes.find((c) => c.change === 'would not have been suspended in 2026')?.members).toBeGreaterThan(
      0,
    );
    const spared = report.affected.find((m) => m.changes.includes('would not have been suspended in 2026'))!;
    expect(spared.commandsNotSent.map((c) => `${c.provider} ${c.status}`)).toContain('mls Inactive');
    expect(spared.parting.current?.change).toBe('suspended');

    const forPeople = await standing(...whatIfArgs);
    expect(forPeople.code).toBe(1);
    expect(forPeople.stdout).toContain(`24 member(s) simulated up to 2026-06-29 19:00 CDT`);
    expect(forPeople.stdout).toMatch(/\d+ {2}would not have been suspended in 2026/);
    expect(forPeople.stdout).toContain('the timelines part at change #');
  });

  it('exits 0 when the proposed rules change nothing, and 2 on bad input, naming the field', async () => {
    const dir = await folder();
    const events = join(dir, 'board.jsonl');
    await writeFile(events, board());
    const same = await sampleWithGrace(dir, 'P30D');
    const args = ['--current', sample, '--events', events, '--until', '2026-06-30T00:00:00Z'];
    expect(await standing('what-if', '--config', same, ...args)).toMatchObject({ code: 0 });
    expect(await standing('what-if', ...args)).toMatchObject({ code: 2, stdout: '' });
    const other = join(dir, 'other.yaml');
    await writeFile(other, (await readFile(sample, 'utf8')).replace('id: SAMPLE', 'id: OTHER'));
    const mismatched = await standing('what-if', '--config', other, ...args);
    expect(mismatched.code).toBe(2);
    expect(mismatched.stderr).toContain(
      `${other}: association.id: is OTHER, but the members run under association SAMPLE`,
    );
    const noExport = await standing('what-if', '--config', same, '--events', events);
    expect(noExport.code).toBe(2);
    expect(noExport.stderr).toContain('--current');
  });
});

describe('simulate over an export', () => {
  /** An export of one member: imported past due, its grace period lengthened by a configuration taken on `at`. */
  async function exportFile(dir: string, lengthenedAt: string): Promise<string> {
    const parse = async (file: string) => {
      const parsed = parseAssociationConfig(file, await readFile(file, 'utf8'));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return parsed.value;
    };
    const short = await parse(sample);
    const long = await parse(await sampleWithGrace(dir, 'P90D'));
    const lines = [
      { configuration: { version: 'v-short', association: short } },
      {
        id: 'imp',
        type: 'imported',
        memberId: 'E1',
        at: '2026-02-01T15:00:00Z',
        membershipType: 'REALTOR',
        state: 'pastDue',
        paidThrough: '2026-01-31',
      },
      { configured: { memberId: 'E1', version: 'v-short', at: '2026-02-01T15:00:01.000Z' } },
      { configuration: { version: 'v-long', association: long } },
      { configured: { memberId: 'E1', version: 'v-long', at: lengthenedAt } },
    ];
    const file = join(dir, `export-${lengthenedAt.slice(0, 10)}.jsonl`);
    await writeFile(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    return file;
  }
  const stateOf = (stdout: string) => (JSON.parse(stdout) as { members: MemberView[] }).members[0]!.state;

  it('runs each member under the configurations it took, from the moment it took them (--as-run)', async () => {
    const dir = await folder();
    const until = ['--until', '2026-04-01T00:00:00Z', '--json'];
    // Lengthened before the 30 days ran out: still past due on April 1.
    const early = await exportFile(dir, '2026-02-20T00:00:00.000Z');
    const asRun = await standing('simulate', '--as-run', '--events', early, ...until);
    expect(asRun.code).toBe(0);
    expect(stateOf(asRun.stdout)).toBe('pastDue');
    // The same export under one file for all time (--config): the configured lines are not applied.
    expect(stateOf((await standing('simulate', '--config', sample, '--events', early, ...until)).stdout)).toBe(
      'suspended',
    );
    // Lengthened after the suspension: the past stays.
    const late = await exportFile(dir, '2026-03-15T00:00:00.000Z');
    expect(stateOf((await standing('simulate', '--as-run', '--events', late, ...until)).stdout)).toBe('suspended');
  });

  it('refuses an export line that is not one, naming its line and field', async () => {
    const dir = await folder();
    const file = join(dir, 'broken.jsonl');
    await writeFile(
      file,
      `${JSON.stringify({ configured: { memberId: 'E1', version: 'nowhere', at: '2026-02-01T00:00:00Z' } })}\n${JSON.stringify({ configuration: { version: 'v1' } })}\n`,
    );
    const result = await standing('simulate', '--as-run', '--events', file);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(
      `${file}:1: configured.version: no configuration line before this one gives version nowhere`,
    );
    expect(result.stderr).toMatch(new RegExp(`${file}:2: configuration.association: `));
    const both = await standing('simulate', '--as-run', '--config', sample, '--events', file);
    expect(both.stderr).toContain('--config: give --config or --as-run, not both');
  });
});

describe('comparing two simulations of a member', () => {
  const entry = (at: string, change: string, to: string) => ({
    at,
    cause: 'timer:graceEnded',
    change,
    from: 'pastDue',
    to,
    memberStatus: null,
    commands: [{ provider: 'mls', status: 'Inactive', outcome: 'sent' }],
  });
  const member = (timeline: object[], state = 'suspended') =>
    ({ memberId: 'M', state, paidThrough: null, memberStatus: null, timeline }) as unknown as MemberView;

  it('is nothing when the two are the same', () => {
    const m = member([entry('2026-03-01T06:00:00.000Z', 'suspended', 'suspended')]);
    expect(compareMember(m, structuredClone(m), 'America/Chicago')).toBeNull();
  });

  it('says a change would come later, and which commands would go out at another moment', () => {
    const a = member([entry('2026-03-01T06:00:00.000Z', 'suspended', 'suspended')]);
    const b = member([entry('2026-03-16T05:00:00.000Z', 'suspended', 'suspended')]);
    const difference = compareMember(a, b, 'America/Chicago')!;
    expect(difference.changes).toEqual(['would be suspended later']);
    expect(difference.parting.index).toBe(0);
    expect(difference.commandsNotSent).toEqual([
      { at: '2026-03-01T06:00:00.000Z', provider: 'mls', status: 'Inactive' },
    ]);
    expect(difference.commandsSent).toEqual([{ at: '2026-03-16T05:00:00.000Z', provider: 'mls', status: 'Inactive' }]);
  });

  it('counts a change that would not happen in its year in the association`s zone', () => {
    // 03:00 UTC on January 1 is still December 31 in Chicago.
    const a = member([entry('2027-01-01T03:00:00.000Z', 'dropped', 'terminated')], 'terminated');
    const b = member([], 'pastDue');
    expect(compareMember(a, b, 'America/Chicago')!.changes).toEqual([
      'would not have been dropped in 2026',
      'would now be pastDue instead of terminated',
    ]);
  });
});
