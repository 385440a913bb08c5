// `standing simulate` as a person or a script runs it: the real bin, a real process, real files.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, standing } from './standing-bin.js';
import type { Outcome } from './standing-bin.js';

const examples = join(root, 'examples');
const config = join(examples, 'monthly-billing.association.yaml');
const events = join(examples, 'monthly-billing.events.jsonl');

/** `standing simulate` on the worked example's association, with the events in `eventsFile`. */
function simulate(eventsFile: string, ...args: string[]): Promise<Outcome> {
  return standing('simulate', '--config', config, '--events', eventsFile, ...args);
}

async function expected(name: string): Promise<unknown> {
  return JSON.parse(await readFile(join(examples, name), 'utf8'));
}

async function tempFile(name: string, text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'standing-')), name);
  await writeFile(file, text);
  return file;
}

describe('the worked example (monthly billing)', () => {
  for (const until of ['2026-08-15', '2026-08-31']) {
    it(`prints the expected JSON with --until ${until}`, async () => {
      const result = await simulate(events, '--until', `${until}T00:00:00Z`, '--format', 'json');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(await expected(`monthly-billing.until-${until}.expected.json`));
    });
  }

  it('prints the same bytes when the events carry provider ids: they address deliveries, and simulate shows none', async () => {
    const lines = (await readFile(events, 'utf8')).trimEnd().split('\n');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    const withIds = [
      JSON.stringify({ ...first, providerIds: { m1: '123456789', mls: 'M123456' } }),
      ...lines.slice(1),
      JSON.stringify({
        id: 'ids-1',
        type: 'providerIdsChanged',
        memberId: first.memberId,
        at: '2026-08-10T15:00:00Z',
        providerIds: { lockbox: 'CARD-2' },
        by: 'membership desk',
      }),
    ].join('\n');
    const file = await tempFile('with-ids.jsonl', `${withIds}\n`);
    for (const format of ['json', 'table']) {
      const plain = await simulate(events, '--until', '2026-08-31T00:00:00Z', '--format', format);
      const result = await simulate(file, '--until', '2026-08-31T00:00:00Z', '--format', format);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(plain.stdout);
    }
  });

  it('stops at the last event when --until is not given', async () => {
    const result = await simulate(events, '--json');
    const member = JSON.parse(result.stdout).members[0];
    expect(member.timeline.at(-1).at).toBe('2026-08-07T17:00:00.000Z');
  });

  it('prints a table for people by default, in the association time zone', async () => {
    const result = await simulate(events, '--until', '2026-08-31T00:00:00Z');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('A1  REALTOR (primary)  suspended');
    expect(result.stdout).toContain('2026-07-21 00:00 CDT');
    expect(result.stdout).toContain('m1 Suspended: skipped (m1-suspend-window-closed)');
    expect(result.stdout).not.toContain('\u001b[');
  });
});

describe('bad input exits 2, prints nothing on stdout and names file, line and field', () => {
  it('for an invalid event field', async () => {
    const bad = await tempFile(
      'ev.jsonl',
      `${(await readFile(events, 'utf8')).trim()}\n{"id":"e7","type":"paymentPosted","memberId":"A1","at":"2026-08-08T00:00:00Z","paymentId":"P","invoiceId":"INV-08","amount":0}\n`,
    );
    const result = await simulate(bad, '--format', 'json');
    expect(result).toEqual({ code: 2, stdout: '', stderr: `${bad}:7: amount: must be greater than 0\n` });
  });

  it('for a membership type the configuration does not define', async () => {
    const bad = await tempFile(
      'ev.jsonl',
      '{"id":"e1","type":"joined","memberId":"B","at":"2026-06-01T00:00:00Z","membershipType":"BROKER"}\n',
    );
    const result = await simulate(bad);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `${bad}:1: membershipType: BROKER is not defined in ${config} (defined: REALTOR)\n`,
    });
  });

  it('for a member whose first event is not joined or imported', async () => {
    const bad = await tempFile('ev.jsonl', '{"id":"e1","type":"dropped","memberId":"B","at":"2026-06-01T00:00:00Z"}\n');
    const result = await simulate(bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `${bad}:1: type: the first event for member B must be joined or imported, not dropped\n`,
    );
  });

  it('for an invalid configuration value', async () => {
    const bad = await tempFile(
      'assoc.yaml',
      (await readFile(config, 'utf8')).replace('gracePeriod: P20D', 'gracePeriod: twenty days'),
    );
    const result = await standing('simulate', '--config', bad, '--events', events);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      new RegExp(`^${bad}:13: membershipTypes\\[0\\]\\.gracePeriod: must be an ISO 8601 duration`),
    );
  });

  it('for a file that does not exist', async () => {
    const result = await simulate('/nonexistent/events.jsonl');
    expect(result).toEqual({ code: 2, stdout: '', stderr: '/nonexistent/events.jsonl: cannot read: no such file\n' });
  });

  it('for an --until that is not a date-time', async () => {
    const result = await simulate(events, '--until', 'tomorrow');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/--until: must be now or an ISO 8601 date-time/);
  });

  it('for an unknown --format', async () => {
    const result = await simulate(events, '--format', 'xml');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(
      "option '--format <format>' argument 'xml' is invalid. Allowed choices are table, json.",
    );
  });
});

describe('commands on the runtime check their files before connecting to Temporal', () => {
  it('refuse a bad association file with exit 2, every problem on its own line', async () => {
    const bad = await tempFile(
      'assoc.yaml',
      'association:\n  id: X\n  timezone: Mars/Olympus\nmembershipTypes:\n  - code: R\n    gracePeriod: soon\n',
    );
    const result = await standing('show', 'A1', '--config', bad);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `${bad}:3: association.timezone: must be an IANA time zone name, like America/Chicago\n${bad}:6: membershipTypes[0].gracePeriod: must be an ISO 8601 duration of years, months, weeks and days, like P20D or P1M\n`,
    });
  });

  it('refuse a roster that cannot be read with exit 2', async () => {
    const result = await standing('import', '/nonexistent/roster.csv', '--config', config);
    expect(result).toEqual({ code: 2, stdout: '', stderr: '/nonexistent/roster.csv: cannot read: no such file\n' });
  });
});

describe('events a simulation applies and goes on from', () => {
  it('lists a command that does not fit in the member rejected array, and exits 0', async () => {
    const text = `${(await readFile(events, 'utf8')).trim()}\n{"id":"e7","type":"reactivated","memberId":"A1","at":"2026-08-08T00:00:00Z"}\n`;
    const result = await simulate(await tempFile('ev.jsonl', text), '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).members[0].rejected).toEqual([
      {
        id: 'e7',
        reason: 'reactivated does not fit a member who is pastDue: only a suspended member can be reactivated',
      },
    ]);
  });

  it('prints valid JSON with no members when --until is before every event', async () => {
    const result = await simulate(events, '--until', '2020-01-01T00:00:00Z', '--json');
    expect(JSON.parse(result.stdout)).toEqual({ members: [] });
  });

  it('prints members sorted by memberId, whatever the file order', async () => {
    const text = [
      '{"id":"b1","type":"joined","memberId":"B2","at":"2026-06-01T00:00:00Z","membershipType":"REALTOR"}',
      '{"id":"a1","type":"joined","memberId":"A10","at":"2026-06-02T00:00:00Z","membershipType":"REALTOR"}',
      '{"id":"c1","type":"joined","memberId":"A9","at":"2026-06-03T00:00:00Z","membershipType":"REALTOR"}',
    ].join('\n');
    const result = await simulate(await tempFile('ev.jsonl', text), '--json');
    expect(JSON.parse(result.stdout).members.map((m: { memberId: string }) => m.memberId)).toEqual(['A10', 'A9', 'B2']);
  });

  it('does not apply events after --until', async () => {
    const result = await simulate(events, '--until', '2026-07-15T00:00:00Z', '--json');
    const member = JSON.parse(result.stdout).members[0];
    expect(member.state).toBe('pastDue');
    expect(member.paidThrough).toBe('2026-06-30');
  });
});
