// `standing show` on the dev server: --json has the member's provider deliveries beside it (a
// script can tell sent from acknowledged), --config and --json are read before or after the
// command, and people see the next deadline in the association's time zone.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberStanding } from '../../workflows/messages.js';
import { paidMemberEvents } from '../helpers.js';
import { projectRoot, standingCli } from './standing-cli.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

const sample = join(projectRoot, 'examples', 'monthly-billing.association.yaml');

describe('standing show on the dev server', () => {
  let server: DevServer;
  let folder: string;
  let configFile: string;
  // STANDING_CONFIG names the sample (association MRAR); --config names this test's own copy (SHOWN).
  const standing = (...args: string[]) => standingCli(server.address, sample, args);

  beforeAll(async () => {
    server = await startDevServer({ associations: ['MRAR', 'SHOWN'] });
    folder = await mkdtemp(join(tmpdir(), 'standing-show-'));
    configFile = join(folder, 'shown.association.yaml');
    await writeFile(configFile, (await readFile(sample, 'utf8')).replace('id: MRAR', 'id: SHOWN'));
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function sendPaidMember(memberId: string): Promise<void> {
    const month = new Date().toISOString().slice(0, 7);
    const [year, m] = month.split('-').map(Number) as [number, number];
    const events = paidMemberEvents(memberId, {
      amount: 50,
      coversFrom: `${month}-01`,
      coversThrough: new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10),
    });
    const file = join(folder, `${memberId}.jsonl`);
    await writeFile(file, events.map((event) => JSON.stringify(event)).join('\n'));
    expect(await standing('--config', configFile, 'send', file)).toMatchObject({ code: 0 });
  }

  it('--json prints the member beside its next deadline and every provider delivery with its outcome', async () => {
    await sendPaidMember('SH1');
    const show = async (): Promise<MemberStanding> => {
      const shown = await standing('show', 'SH1', '--config', configFile, '--json');
      expect(shown).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(shown.stdout) as MemberStanding;
    };
    // The deliveries are sent after the member activates: acknowledged a moment later.
    await expect.poll(async () => (await show()).providerSync?.status, { timeout: 20_000, interval: 250 }).toBe('ok');
    const standingNow = await show();
    expect(Object.keys(standingNow).sort()).toEqual([
      'associationId',
      'member',
      'nextDeadline',
      'providerIds',
      'providerSync',
      'warnings',
    ]);
    expect(standingNow).toMatchObject({
      associationId: 'SHOWN',
      member: { memberId: 'SH1', state: 'active', rejected: [] },
      nextDeadline: { name: 'expired', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
      warnings: [],
    });
    expect(
      standingNow.providerSync?.deliveries.map((d) => [
        d.provider,
        d.status,
        d.change,
        d.outcome,
        typeof d.acknowledgedAt,
      ]),
    ).toEqual([
      ['m1', 'Active', 'activated', 'acknowledged', 'string'],
      ['mls', 'Active', 'activated', 'acknowledged', 'string'],
      ['lockbox', 'Active', 'activated', 'acknowledged', 'string'],
    ]);
    // The program's options before the command read the same.
    const before = await standing('--json', '--config', configFile, 'show', 'SH1');
    expect(JSON.parse(before.stdout)).toEqual(standingNow);
  });

  it('prints the next deadline for people in the association’s time zone', async () => {
    await sendPaidMember('SH2');
    const json = JSON.parse((await standing('--config', configFile, 'show', 'SH2', '--json')).stdout) as MemberStanding;
    const deadline = json.nextDeadline!;
    const local = DateTime.fromISO(deadline.at, { zone: 'America/Chicago' }).toFormat('yyyy-LL-dd HH:mm ZZZZ');
    const shown = await standing('show', 'SH2', '--config', configFile);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`next: ${deadline.name} at ${local}`);
    expect(shown.stdout).not.toContain(deadline.at);
  });
});
