// standing export and verify on the dev server: members read back from their own workflow
// histories (imports, billing signals, staff Updates, a configuration change), a stopped export
// resumed, and verify telling apart a member the rules agree with from one whose late payment the
// workflow applied at its last step.
import { mkdtemp, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { parseAssociationConfig } from '../../schemas/parse.js';
import type { AssociationConfig } from '../../schemas/association.js';
import { standingBinary, standingCli } from './standing-cli.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const day = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('export and verify on the dev server', () => {
  let server: DevServer;
  let folder: string;
  /** The worked example's association under two ids, one per test: verify reads all of an association's members. */
  const files: Record<string, string> = {};
  const configs: Record<string, AssociationConfig> = {};

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'standing-export-'));
    const text = await readFile(join(examples, 'monthly-billing.association.yaml'), 'utf8');
    for (const id of ['XPA', 'XPB']) {
      files[id] = join(folder, `${id}.yaml`);
      // XPB ends a member at the end of its grace period: a payment heard of after that cannot undo it.
      const rules = id === 'XPB' ? text.replace('afterGrace: suspended', 'afterGrace: terminated') : text;
      await writeFile(files[id], rules.replace('id: MRAR', `id: ${id}`));
      const parsed = parseAssociationConfig(files[id], await readFile(files[id], 'utf8'));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      configs[id] = parsed.value;
    }
    server = await startDevServer({ associations: ['XPA', 'XPB'] });
  });

  afterAll(async () => {
    await server?.stop();
  });

  const standing = (id: string, ...args: string[]) => standingCli(server.address, files[id]!, args);
  /** The real binary, in a process of its own (Node's own module loading, not the test runner's). */
  const binary = (id: string, ...args: string[]) => standingBinary(server.address, files[id]!, args);
  const lines = (text: string) =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('reads back every member as it ran, verify finds no difference, and a stopped export resumes', async () => {
    const client = new MembershipClient(server.env.client, configs.XPA!);
    // The worked example, signalled (its dates are in the past: applied at their own moments).
    const example = lines(await readFile(join(examples, 'monthly-billing.events.jsonl'), 'utf8'));
    for (const event of example) await client.send(event);
    // Imported members: one suspended by staff (an Update), one given a longer grace period.
    const now = Date.now();
    for (const memberId of ['B1', 'B2']) {
      await client.importMember({
        id: `imp-${memberId}`,
        type: 'imported',
        memberId,
        at: new Date(now - 30 * day).toISOString(),
        membershipType: 'REALTOR',
        state: 'active',
        paidThrough: dateOf(now - 10 * day),
      });
    }
    await client.suspend('B1', { by: 'staff', reason: 'ethics' });
    const longer = {
      ...configs.XPA!,
      membershipTypes: configs.XPA!.membershipTypes.map((t) => ({ ...t, gracePeriod: 'P40D' })),
    };
    await client.configure('B2', longer);
    await expect.poll(async () => (await client.view('B2'))?.nextDeadline?.name).toBe('graceEnded');

    const verified = await standing('XPA', 'verify', '--json');
    expect(verified.stderr).not.toContain('left out');
    expect({ code: verified.code, ...JSON.parse(verified.stdout) }).toMatchObject({
      code: 0,
      verified: 3,
      differing: [],
      incomplete: [],
    });

    const file = join(folder, 'export.jsonl');
    const exported = await binary('XPA', 'export', '--output', file);
    expect(exported.code).toBe(0);
    const whole = await readFile(file, 'utf8');
    const all = lines(whole);
    // A1's events, in `at` order, as they were sent.
    expect(all.filter((line) => line.memberId === 'A1').map((line) => line.id)).toEqual(example.map((e) => e.id));
    // The staff Update came back as the event it made.
    expect(all.find((line) => line.memberId === 'B1' && line.type === 'suspended')).toMatchObject({
      reason: 'ethics',
      by: 'staff',
    });
    // B2 ran under two configurations; each is written once, before the first line naming it.
    const configured = all.filter((line) => line.configured).map((line) => line.configured as { memberId: string });
    expect(configured.filter((c) => c.memberId === 'B2')).toHaveLength(2);
    expect(all.filter((line) => line.configuration)).toHaveLength(2);

    // Stopped half-way through the last member's last line: --resume cuts that member and reads it again.
    const cut = whole.length - 10;
    await truncate(file, cut);
    expect((await stat(file)).size).toBe(cut);
    expect((await standing('XPA', 'export', '--output', file)).code).toBe(2);
    const resumed = await standing('XPA', 'export', '--output', file, '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/already in the file/);
    const again = await readFile(file, 'utf8');

    // what-if, read live: a longer grace period would have spared A1 its suspension; the export agrees.
    const proposed = join(folder, 'XPA-longer.yaml');
    await writeFile(proposed, (await readFile(files.XPA!, 'utf8')).replace('gracePeriod: P20D', 'gracePeriod: P60D'));
    const live = await standingCli(server.address, proposed, ['what-if', '--config', proposed, '--json']);
    expect(live.code).toBe(1);
    const report = JSON.parse(live.stdout) as { members: number; affected: { memberId: string }[]; until: string };
    expect(report.members).toBe(3);
    expect(report.affected.map((m) => m.memberId)).toContain('A1');
    const fromFile = await standing(
      'XPA',
      'what-if',
      '--config',
      proposed,
      '--events',
      file,
      '--until',
      report.until,
      '--json',
    );
    expect(JSON.parse(fromFile.stdout)).toEqual(report);
    expect(
      lines(again)
        .map((l) => JSON.stringify(l))
        .sort(),
    ).toEqual(all.map((l) => JSON.stringify(l)).sort());
  });

  it('lists a member whose late payment the workflow applied at its last step, with where the timelines part', async () => {
    const client = new MembershipClient(server.env.client, configs.XPB!);
    const now = Date.now();
    // Paid through 25 days ago, 20 days' grace: terminated 4 days ago.
    await client.importMember({
      id: 'imp-L1',
      type: 'imported',
      memberId: 'L1',
      at: new Date(now - 30 * day).toISOString(),
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: dateOf(now - 25 * day),
    });
    await client.send({
      id: 'inv-L1',
      type: 'invoiceIssued',
      memberId: 'L1',
      at: new Date(now - 28 * day).toISOString(),
      invoiceId: 'INV-L1',
      amount: 50,
      coversFrom: dateOf(now - 24 * day),
      coversThrough: dateOf(now + 340 * day),
    });
    await expect.poll(async () => (await client.view('L1'))?.member?.state).toBe('terminated');
    // Paid before the grace period ended, heard of only now.
    await client.send({
      id: 'pay-L1',
      type: 'paymentPosted',
      memberId: 'L1',
      at: new Date(now - 10 * day).toISOString(),
      paymentId: 'PAY-L1',
      invoiceId: 'INV-L1',
      amount: 50,
    });
    await expect
      .poll(async () => (await client.view('L1'))?.member?.rejected.length === 0 && 'applied')
      .toBe('applied');

    const verified = await standing('XPB', 'verify', '--json');
    expect(verified.code).toBe(1);
    const report = JSON.parse(verified.stdout) as {
      differing: { memberId: string; appliedOutOfOrder: { id: string }[]; firstDifference?: { index: number } }[];
    };
    expect(report.differing.map((d) => d.memberId)).toEqual(['L1']);
    expect(report.differing[0]!.appliedOutOfOrder.map((e) => e.id)).toContain('pay-L1');
    expect(report.differing[0]!.firstDifference).toBeDefined();
    const forPeople = await standing('XPB', 'verify');
    expect(forPeople.stdout).toMatch(/L1: the workflow: .*; the rules: /);
    expect(forPeople.stdout).toContain('verified 1 member(s): 1 differs from the rules');
  });
});
