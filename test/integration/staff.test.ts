// Staff at work on the dev server, through the real CLI: one-member commands, `standing list`
// filters, mass status change and mass drop (a dry run shows exactly what the real run then does),
// and a mass drop that survives a worker restart with every member changed once.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStaffActivities } from '../../activities/staff.js';
import type { DryRun } from '../../cli/mass-commands.js';
import { MembershipClient } from '../../client/membership-client.js';
import type { MemberSummary } from '../../client/membership-client.js';
import { addDays } from '../../machines/calendar.js';
import { TASK_QUEUE } from '../../workflows/messages.js';
import { massChangeProgressQuery } from '../../workflows/mass-change.js';
import type { MassChangeReport, massChangeWorkflow } from '../../workflows/mass-change.js';
import { association } from '../helpers.js';
import { fakeProviders } from '../workflow/fake-providers.js';
import { standingCli } from './standing-cli.js';
import { startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

const config = association({ daysOverdueToAllowReactivation: 10 });
const today = new Date().toISOString().slice(0, 10);

/** Members by the state they are imported in, and how long they have been paid for. */
const roster: { memberId: string; state: string; paidThrough: string; type?: string }[] = [
  ...['A01', 'A02', 'A03', 'A04'].map((memberId) => ({ memberId, state: 'active', paidThrough: addDays(today, 200) })),
  ...['S01', 'S02', 'S03'].map((memberId) => ({ memberId, state: 'suspended', paidThrough: addDays(today, 100) })),
  ...['S04', 'S05', 'S06'].map((memberId) => ({ memberId, state: 'suspended', paidThrough: addDays(today, -120) })),
  ...Array.from({ length: 16 }, (_, i) => ({
    memberId: `R${String(i).padStart(2, '0')}`,
    state: 'active',
    paidThrough: addDays(today, 300),
    type: 'AFFILIATE',
  })),
];

describe('staff commands, list, mass change and mass drop', () => {
  let server: DevServer;
  let worker: Worker;
  let running: Promise<void>;
  let client: MembershipClient;
  let configFile: string;

  const startWorker = async () => {
    worker = await Worker.create({
      connection: server.env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: { codePath: inject('workflowBundle') },
      activities: { ...fakeProviders().activities, ...createStaffActivities({ client: server.env.client }) },
    });
    running = worker.run();
  };

  const standing = (...args: string[]) => standingCli(server.address, configFile, args);

  /** Waits until visibility lists `count` members for the filter (it lags the workflows by a moment). */
  async function listed(args: string[], count: number): Promise<MemberSummary[]> {
    let members: MemberSummary[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const result = await standing('list', ...args, '--json');
      expect(result.stderr).toBe('');
      members = JSON.parse(result.stdout) as MemberSummary[];
      if (members.length === count) return members;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return members;
  }

  beforeAll(async () => {
    server = await startDevServer({ worker: false });
    await startWorker();
    client = new MembershipClient(server.env.client, config);
    configFile = join(await mkdtemp(join(tmpdir(), 'standing-')), 'association.yaml');
    await writeFile(
      configFile,
      JSON.stringify({
        association: config.association,
        providers: { m1: {}, mls: {}, lockbox: { vendor: 'sentrilock' } },
        membershipTypes: config.membershipTypes,
      }),
    );
    const at = new Date().toISOString();
    for (const m of roster) {
      await client.importMember({
        id: `import-${m.memberId}`,
        type: 'imported',
        memberId: m.memberId,
        at,
        membershipType: m.type ?? 'REALTOR',
        state: m.state,
        paidThrough: m.paidThrough,
      });
    }
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await server?.stop();
  });

  it('lists members by state, type, paid-through and provider sync, and names a bad filter', async () => {
    expect((await listed(['--state', 'suspended'], 6)).map((m) => m.memberId)).toEqual([
      'S01',
      'S02',
      'S03',
      'S04',
      'S05',
      'S06',
    ]);
    expect(
      (await listed(['--type', 'REALTOR', '--paid-through-before', addDays(today, 150)], 6)).map((m) => m.memberId),
    ).toEqual(['S01', 'S02', 'S03', 'S04', 'S05', 'S06']);
    const affiliates = await listed(['--type', 'AFFILIATE', '--provider-sync', 'ok'], 16);
    expect(affiliates[0]).toMatchObject({
      memberId: 'R00',
      state: 'active',
      membershipType: 'AFFILIATE',
      role: 'primary',
      paidThrough: addDays(today, 300),
      providerSync: 'ok',
    });
    const table = await standing('list', '--state', 'suspended');
    expect(table.stdout).toContain('S04');
    expect(table.stdout.trim().endsWith('6 membership(s)')).toBe(true);

    const badState = await standing('list', '--state', 'lapsed');
    expect(badState).toMatchObject({ code: 2, stdout: '' });
    expect(badState.stderr).toContain('Allowed choices are pending, active, pastDue, suspended, terminated.');
    const bad = await standing('list', '--type', 'BROKER', '--paid-through-before', 'May 1');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('--paid-through-before: must be a date YYYY-MM-DD');
    expect(bad.stderr).toContain('--type: BROKER is not defined by association TEST');
  });

  it('suspends, reactivates, changes type and drops one member, printing the new state or the refusal', async () => {
    expect(await standing('suspend', 'A01', '--reason', 'conduct', '--by', 'ethics committee')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^A01: active → suspended \(member status/),
    });
    const again = await standing('suspend', 'A01', '--reason', 'conduct', '--by', 'ethics committee');
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toBe(
      'standing: A01: refused: suspended does not fit a member who is suspended: only an active or past-due member can be suspended\n',
    );
    expect(await standing('reactivate', 'A01', '--by', 'ethics committee')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^A01: suspended → active/),
    });
    expect(await standing('change-type', 'A02', 'AFFILIATE', '--by', 'membership desk')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^A02: active/),
    });
    expect((await client.view('A02'))?.member?.membershipType).toBe('AFFILIATE');
    expect(await standing('drop', 'A03', '--reason', 'resigned', '--by', 'membership desk')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^A03: active → terminated/),
    });
    expect((await standing('suspend', 'A04', '--by', 'x')).stderr).toContain(
      "required option '--reason <text>' not specified",
    );
    expect((await standing('suspend', 'NOBODY', '--reason', 'x', '--by', 'y')).stderr).toBe(
      'standing: no membership NOBODY in association TEST\n',
    );
  });

  it('shows in a dry run of a mass status change exactly what the real run then changes and refuses', async () => {
    // REALTOR members now: A01 and A04 active, A03 terminated, S01-S06 suspended (A02 became an AFFILIATE).
    await listed(['--type', 'REALTOR'], 9);
    const dry = await standing(
      'mass-status-change',
      '--to',
      'suspended',
      '--type',
      'REALTOR',
      '--reason',
      'audit',
      '--by',
      'board',
      '--dry-run',
      '--json',
    );
    const planned = JSON.parse(dry.stdout) as DryRun;
    expect(planned.changes.map((c) => [c.memberId, c.from, c.to])).toEqual([
      ['A01', 'active', 'suspended'],
      ['A04', 'active', 'suspended'],
    ]);
    expect(planned.refusals.map((r) => r.memberId)).toEqual(['A03', 'S01', 'S02', 'S03', 'S04', 'S05', 'S06']);
    expect(planned.refusals[0]?.reason).toBe(
      'suspended does not fit a member who is terminated: only an active or past-due member can be suspended',
    );
    // Nothing changed.
    expect((await client.view('A01'))?.member?.state).toBe('active');
    const table = await standing(
      'mass-status-change',
      '--to',
      'suspended',
      '--type',
      'REALTOR',
      '--reason',
      'audit',
      '--by',
      'board',
      '--dry-run',
    );
    expect(table.stdout).toContain('dry run of suspend (nothing changed): 2 change(s), 7 refused');

    const real = await standing(
      'mass-status-change',
      '--to',
      'suspended',
      '--type',
      'REALTOR',
      '--reason',
      'audit',
      '--by',
      'board',
      '--json',
    );
    expect(real.code).toBe(0);
    const report = JSON.parse(real.stdout) as MassChangeReport;
    expect({ action: report.action, changes: report.changes, refusals: report.refusals }).toEqual(planned);
    expect(report).toMatchObject({ total: 9, done: 9, changed: 2, refused: 7 });
    expect((await client.view('A04'))?.member?.timeline.at(-1)).toMatchObject({
      change: 'suspended',
      from: 'active',
      to: 'suspended',
    });
  });

  it('drops every member a mass drop selects, as its dry run said, and asks for a filter first', async () => {
    const everyone = await standing('mass-drop', '--reason', 'x', '--by', 'y', '--dry-run');
    expect(everyone.code).toBe(2);
    expect(everyone.stderr).toContain('give at least one filter');

    await listed(['--state', 'suspended'], 8);
    const dry = JSON.parse(
      (
        await standing(
          'mass-drop',
          '--state',
          'suspended',
          '--reason',
          'lapsed',
          '--by',
          'board',
          '--dry-run',
          '--json',
        )
      ).stdout,
    ) as DryRun;
    expect(dry.changes.map((c) => c.to)).toEqual(Array(8).fill('terminated'));
    expect(dry.refusals).toEqual([]);
    const real = await standing('mass-drop', '--state', 'suspended', '--reason', 'lapsed', '--by', 'board', '--json');
    expect(real.code).toBe(0);
    const report = JSON.parse(real.stdout) as MassChangeReport;
    expect({ action: report.action, changes: report.changes, refusals: report.refusals }).toEqual(dry);
    for (const { memberId } of dry.changes) expect((await client.view(memberId))?.member?.state).toBe('terminated');
  });

  it('finishes a mass drop interrupted by a worker restart with each member changed once', async () => {
    const members = roster.filter((m) => m.memberId.startsWith('R')).map((m) => m.memberId);
    const handle = await server.env.client.workflow.start<typeof massChangeWorkflow>('massChangeWorkflow', {
      workflowId: 'mass-drop/TEST/restart',
      taskQueue: TASK_QUEUE,
      args: [
        {
          associationId: 'TEST',
          action: 'drop',
          memberIds: members,
          reason: 'restart test',
          by: 'test',
          concurrency: 1,
        },
      ],
    });
    // Stop the worker part-way through, then start a new one.
    let doneBeforeRestart = 0;
    for (let attempt = 0; attempt < 500 && doneBeforeRestart < 3; attempt += 1) {
      doneBeforeRestart = (await handle.query(massChangeProgressQuery).catch(() => null))?.done ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    worker.shutdown();
    await running;
    await startWorker();
    const report = await handle.result();
    expect(doneBeforeRestart).toBeGreaterThanOrEqual(3);
    expect(doneBeforeRestart).toBeLessThan(members.length);
    expect(report).toMatchObject({ total: 16, done: 16, changed: 16, refused: 0 });
    const { EventType } = proto.temporal.api.enums.v1;
    for (const memberId of members) {
      const standingView = await client.view(memberId);
      expect(
        standingView?.member?.timeline.filter((e) => e.change === 'dropped'),
        memberId,
      ).toHaveLength(1);
      const accepted = ((await client.handle(memberId).fetchHistory()).events ?? []).filter(
        (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      );
      expect(accepted, memberId).toHaveLength(1);
    }
  });
});
