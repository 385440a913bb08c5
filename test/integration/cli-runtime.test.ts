// standing send, show and import against the real Temporal dev server, as a person runs them.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { addDays, startOfDay } from '../../machines/calendar.js';
import { parseAssociationConfig } from '../../schemas/parse.js';
import { fakeProviders } from '../workflow/fake-providers.js';
import { standingBinary, standingCli } from './standing-cli.js';
import { defaultNamespace, startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

const root = join(import.meta.dirname, '..', '..');
const examples = join(root, 'examples');
const configFile = join(examples, 'monthly-billing.association.yaml');

describe('the CLI on the dev server', () => {
  let server: DevServer;

  const standing = (...args: string[]) => standingCli(server.address, configFile, args);
  /** The real binary, in a process of its own, as a person runs it (the other tests run `main` in this process). */
  const binary = (...args: string[]) => standingBinary(server.address, configFile, args);

  async function tempFile(name: string, text: string): Promise<string> {
    const file = join(await mkdtemp(join(tmpdir(), 'standing-')), name);
    await writeFile(file, text);
    return file;
  }

  beforeAll(async () => {
    server = await startDevServer({ associations: ['MRAR', 'CFG'] });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('send applies the worked example, and show --json prints what simulate prints', async () => {
    // Events from the past are applied at their own moments, and every timer up to now fires:
    // the member ends suspended on August 21 as in the spec's expected output.
    const sent = await binary('send', join(examples, 'monthly-billing.events.jsonl'));
    expect(sent).toMatchObject({ code: 0, stdout: 'sent 6 event(s) to 1 membership(s)\n' });
    const shown = await binary('show', 'A1', '--json');
    expect(shown.code).toBe(0);
    const expected = JSON.parse(
      await readFile(join(examples, 'monthly-billing.until-2026-08-31.expected.json'), 'utf8'),
    );
    expect(JSON.parse(shown.stdout).member).toEqual(expected.members[0]);
  });

  it('show prints the member for people', async () => {
    await standing(
      'send',
      await tempFile(
        'ev.jsonl',
        `{"id":"p1","type":"joined","memberId":"P1","at":"${new Date().toISOString()}","membershipType":"REALTOR"}\n`,
      ),
    );
    const shown = await standing('show', 'P1');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('P1  REALTOR (primary)  pending');
  });

  it('show names a member that has no workflow', async () => {
    expect(await standing('show', 'NOBODY')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'standing: no membership NOBODY in association MRAR\n',
    });
  });

  it('send refuses a bad events file with exit 2 and signals nothing', async () => {
    const file = await tempFile(
      'ev.jsonl',
      '{"id":"x1","type":"joined","memberId":"BAD1","at":"2026-06-01T00:00:00Z","membershipType":"REALTOR"}\n{"id":"x2","type":"paymentPosted","memberId":"BAD1","at":"2026-06-02T00:00:00Z"}\n',
    );
    const sent = await standing('send', file);
    expect(sent.code).toBe(2);
    expect(sent.stderr).toContain(`${file}:2: paymentId:`);
    expect(await standing('show', 'BAD1')).toMatchObject({ code: 1 });
  });

  it('import onboards a roster and, run again, skips every member that already has a workflow', async () => {
    const roster = await tempFile(
      'roster.csv',
      'memberId,membershipType,role,state,paidThrough,joinDate,memberStatus\nI1,REALTOR,primary,active,2099-12-31,2010-01-05,Renewed\nI2,REALTOR,secondary,suspended,2026-01-31,2012-02-03,Dropped\nI3,REALTOR,primary,pending,,,\n',
    );
    expect(await standing('import', roster, '--json')).toMatchObject({ code: 0, stdout: '{"started":3,"exists":0}\n' });
    expect(await standing('import', roster, '--json')).toMatchObject({ code: 0, stdout: '{"started":0,"exists":3}\n' });
    const shown = JSON.parse((await standing('show', 'I2', '--json')).stdout).member;
    expect(shown).toMatchObject({
      state: 'suspended',
      role: 'secondary',
      paidThrough: '2026-01-31',
      memberStatus: 'Dropped',
      joinDate: '2012-02-03',
      timeline: [],
    });
  });

  it('import refuses a roster with a bad row, naming the line and the column, and imports nothing', async () => {
    const roster = await tempFile(
      'roster.csv',
      'memberId,membershipType,role,state\nJ1,REALTOR,primary,active\nJ2,REALTOR,primary,asleep\n',
    );
    const imported = await standing('import', roster);
    expect(imported.code).toBe(2);
    expect(imported.stderr).toMatch(new RegExp(`^${roster}:3: state: `));
    expect(await standing('show', 'J1')).toMatchObject({ code: 1 });
  });

  it('refuses a staff Update that does not fit, leaving the history exactly as it was', async () => {
    const parsed = parseAssociationConfig(configFile, await readFile(configFile, 'utf8'));
    if (!parsed.ok) throw new Error('config');
    const client = new MembershipClient(server.env.client, parsed.value);
    await client.send({
      id: 'u1',
      type: 'joined',
      memberId: 'U1',
      at: new Date().toISOString(),
      membershipType: 'REALTOR',
    });
    await client.view('U1');
    const before = (await client.handle('U1').fetchHistory()).events?.length;
    await expect(client.reactivate('U1', { by: 'staff' })).rejects.toThrow();
    expect((await client.handle('U1').fetchHistory()).events?.length).toBe(before);
  });

  it('applies events that arrive with the start of an import after the imported event', async () => {
    // Start and signals are queued before any worker polls this task queue: one first workflow task.
    const parsed = parseAssociationConfig(configFile, await readFile(configFile, 'utf8'));
    if (!parsed.ok) throw new Error('config');
    const taskQueue = 'import-race';
    const client = new MembershipClient(server.env.client, parsed.value, taskQueue);
    const second = (offset: number) => new Date(Date.now() - offset * 1000).toISOString();
    const month = new Date().toISOString().slice(0, 7);
    const nextMonth = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 1))
      .toISOString()
      .slice(0, 10);
    const nextMonthEnd = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)) + 1, 0))
      .toISOString()
      .slice(0, 10);
    const monthEnd = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 0))
      .toISOString()
      .slice(0, 10);
    expect(
      await client.importMember({
        id: 'ir-import',
        type: 'imported',
        memberId: 'IR1',
        at: second(3),
        membershipType: 'REALTOR',
        state: 'active',
        paidThrough: monthEnd,
      }),
    ).toBe('started');
    await client.send({
      id: 'ir-inv',
      type: 'invoiceIssued',
      memberId: 'IR1',
      at: second(2),
      invoiceId: 'I1',
      amount: 50,
      coversFrom: nextMonth,
      coversThrough: nextMonthEnd,
    });
    await client.send({
      id: 'ir-pay',
      type: 'paymentPosted',
      memberId: 'IR1',
      at: second(1),
      paymentId: 'P1',
      invoiceId: 'I1',
      amount: 50,
    });
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      namespace: defaultNamespace,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundle') },
      activities: fakeProviders().activities,
    });
    await worker.runUntil(async () => {
      expect((await client.view('IR1'))?.member).toMatchObject({
        rejected: [],
        paidThrough: nextMonthEnd,
        state: 'active',
      });
    });
  });

  it('sends a changed configuration to running members not on it yet, and recomputes their deadlines', async () => {
    const parsed = parseAssociationConfig(configFile, await readFile(configFile, 'utf8'));
    if (!parsed.ok) throw new Error('config');
    const before = { ...parsed.value, association: { ...parsed.value.association, id: 'CFG' } };
    const client = new MembershipClient(server.env.client, before);
    // Past due, paid through three days ago: the grace deadline depends on the configuration.
    const paidThrough = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    for (const memberId of ['C1', 'C2']) {
      await client.importMember({
        id: `cfg-${memberId}`,
        type: 'imported',
        memberId,
        at: new Date().toISOString(),
        membershipType: 'REALTOR',
        state: 'pastDue',
        paidThrough,
      });
    }
    const zone = before.association.timezone;
    const graceEnds = (days: number) => new Date(startOfDay(addDays(paidThrough, days + 1), zone)).toISOString();
    expect((await client.view('C1'))?.nextDeadline).toEqual({ name: 'graceEnded', at: graceEnds(20) });
    const after = {
      ...before,
      membershipTypes: before.membershipTypes.map((type) => ({ ...type, gracePeriod: 'P45D' })),
    };
    const changed = new MembershipClient(server.env.client, after);
    // Visibility is eventually consistent: just-started members appear in a list after a moment.
    await expect
      .poll(() => changed.broadcastConfiguration().then((result) => result.signalled + result.current), {
        timeout: 15_000,
        interval: 200,
      })
      .toBe(2);
    expect((await changed.view('C1'))?.nextDeadline).toEqual({ name: 'graceEnded', at: graceEnds(45) });
    // Once their memo shows the new version, a second broadcast tells nobody.
    await expect
      .poll(() => changed.broadcastConfiguration(), { timeout: 15_000, interval: 200 })
      .toEqual({ signalled: 0, current: 2 });
  });
});
