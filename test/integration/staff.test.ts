// Staff at work on the dev server, through the real CLI: one-member commands, `standing list`
// filters, mass status change and mass drop (a dry run shows exactly what the real run then does),
// a mass drop that survives a worker restart with every member changed once, and role changes.
// Each test has an association of its own (filters and mass changes select by association), so any
// test runs alone or in any order.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffActivities } from '../../activities/staff.js';
import type { DryRunLine } from '../../cli/mass-commands.js';
import { MembershipClient, validateEvent } from '../../client/membership-client.js';
import type { MemberFilter } from '../../client/member-filter.js';
import type { MemberSummary } from '../../client/membership-client.js';
import { addDays } from '../../machines/calendar.js';
import { rulesOf } from '../../schemas/association.js';
import type { AssociationConfig, AssociationConfigInput } from '../../schemas/association.js';
import type { membershipWorkflow } from '../../workflows/membership-workflow.js';
import { TASK_QUEUE, associationTaskQueue, workflowTypes } from '../../workflows/messages.js';
import { membershipSearchAttributes as keys } from '../../workflows/search-attributes.js';
import { massChangeProgressQuery } from '../../workflows/mass-change.js';
import type { MassChangeReport, massChangeWorkflow } from '../../workflows/mass-change.js';
import { association } from '../helpers.js';
import { fakeProviders } from '../workflow/fake-providers.js';
import { standingCli } from './standing-cli.js';
import type { CommandResult } from './standing-cli.js';
import { startDevServer, startWorkers, taskQueuesOf } from './dev-server.js';
import { acceptedUpdates, expectDroppedOnce } from './mass-drop.js';
import type { DevServer, RunningWorkers } from './dev-server.js';

const today = new Date().toISOString().slice(0, 10);

/** What a dry run said, in the report's shape (sorted by member), from its JSON Lines; its summary line checked against the counts. */
function dryRunOf(stdout: string): Pick<MassChangeReport, 'action' | 'changes' | 'refusals'> {
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as DryRunLine);
  const summary = lines.at(-1);
  const outcomes = lines.slice(0, -1).filter((line) => 'outcome' in line);
  expect(outcomes).toHaveLength(lines.length - 1);
  const byMember = (a: { memberId: string }, b: { memberId: string }) => a.memberId.localeCompare(b.memberId);
  const changes = outcomes.filter((o) => o.outcome === 'changed').sort(byMember);
  const refusals = outcomes.filter((o) => o.outcome === 'refused').sort(byMember);
  if (summary === undefined || !('dryRun' in summary)) throw new Error(`no summary line: ${stdout}`);
  expect(summary).toEqual({
    action: summary.action,
    dryRun: true,
    changed: changes.length,
    refused: refusals.length,
    unanswered: 0,
  });
  return { action: summary.action, changes, refusals };
}

interface RosterEntry {
  readonly memberId: string;
  readonly state: string;
  /** Left out: never paid. */
  readonly paidThrough?: string;
  readonly type?: string;
}

/** One test's association: its client, and the CLI run with its association file. */
interface Staff {
  readonly config: AssociationConfig;
  readonly client: MembershipClient;
  standing(...args: string[]): Promise<CommandResult>;
}

/** Each test's own association: the workers poll their task queues. */
const associationIds = [
  'LIST',
  'NEVERPAID',
  'QUOTED',
  'ONE',
  'ROLE',
  'MASS',
  'DROP',
  'RESTART',
  'PAGES',
  'CANCEL',
  'MOVED',
] as const;

describe('staff commands, list, mass change and mass drop', () => {
  let server: DevServer;
  let workers: RunningWorkers;

  /** The legacy queue and each test association's own (where its members start). */
  const startWorker = async () => {
    workers = await startWorkers(server.env.nativeConnection, taskQueuesOf(associationIds), {
      ...fakeProviders().activities,
      ...createStaffActivities({ client: server.env.client }),
    });
  };

  /** An association named `id` (the test's own), its file, and its members imported as the roster says. */
  async function staffOf(
    id: (typeof associationIds)[number],
    roster: readonly RosterEntry[],
    types: AssociationConfigInput['membershipTypes'] = [],
  ): Promise<Staff> {
    const base = association({ daysOverdueToAllowReactivation: 10 }, { association: { id, timezone: 'UTC' } });
    const config = types.length === 0 ? base : association({}, { association: { id }, membershipTypes: types });
    const client = new MembershipClient(server.env.client, config);
    const configFile = join(await mkdtemp(join(tmpdir(), 'standing-')), 'association.yaml');
    await writeFile(configFile, JSON.stringify(config));
    const at = new Date().toISOString();
    for (const m of roster) {
      await client.importMember({
        id: `import-${m.memberId}`,
        type: 'imported',
        memberId: m.memberId,
        at,
        membershipType: m.type ?? 'REALTOR',
        state: m.state,
        ...(m.paidThrough ? { paidThrough: m.paidThrough } : {}),
      });
    }
    return { config, client, standing: (...args) => standingCli(server.address, configFile, args) };
  }

  /** Waits until visibility (which lags the workflows by a moment) lists these members for the filter. */
  async function listed(client: MembershipClient, filter: MemberFilter, memberIds: readonly string[]): Promise<void> {
    await expect
      .poll(async () => (await client.list(filter)).map((m) => m.memberId), { timeout: 20_000, interval: 100 })
      .toEqual(memberIds);
  }

  /** `standing list ... --json`: the members it prints. */
  async function listedByCli(staff: Staff, ...args: string[]): Promise<MemberSummary[]> {
    const result = await staff.standing('list', ...args, '--json');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(result.stdout) as MemberSummary[];
  }

  beforeAll(async () => {
    server = await startDevServer({ worker: false });
    await startWorker();
  });

  afterAll(async () => {
    await workers?.stop();
    await server?.stop();
  });

  it('lists members by state, type, paid-through and provider sync, and names a bad filter', async () => {
    const staff = await staffOf('LIST', [
      { memberId: 'A1', state: 'active', paidThrough: addDays(today, 200) },
      { memberId: 'S1', state: 'suspended', paidThrough: addDays(today, 100) },
      { memberId: 'S2', state: 'suspended', paidThrough: addDays(today, -120) },
      { memberId: 'R1', state: 'active', paidThrough: addDays(today, 300), type: 'AFFILIATE' },
      { memberId: 'R2', state: 'active', paidThrough: addDays(today, 300), type: 'AFFILIATE' },
    ]);
    // Visibility holds each member's attributes once its first workflow task has run.
    await listed(staff.client, { state: 'suspended' }, ['S1', 'S2']);
    await listed(staff.client, { state: 'active', type: 'REALTOR' }, ['A1']);
    await listed(staff.client, { type: 'AFFILIATE', providerSync: 'ok' }, ['R1', 'R2']);

    expect((await listedByCli(staff, '--state', 'suspended')).map((m) => m.memberId)).toEqual(['S1', 'S2']);
    expect(
      (await listedByCli(staff, '--type', 'REALTOR', '--paid-through-before', addDays(today, 150))).map(
        (m) => m.memberId,
      ),
    ).toEqual(['S1', 'S2']);
    const affiliates = await listedByCli(staff, '--type', 'AFFILIATE', '--provider-sync', 'ok');
    expect(affiliates).toEqual([
      {
        memberId: 'R1',
        workflowId: staff.client.workflowId('R1'),
        state: 'active',
        membershipType: 'AFFILIATE',
        role: 'primary',
        memberStatus: null,
        paidThrough: addDays(today, 300),
        providerSync: 'ok',
      },
      expect.objectContaining({ memberId: 'R2' }),
    ]);
    const table = await staff.standing('list', '--state', 'suspended');
    expect(table.stdout).toContain('S2');
    expect(table.stdout.trim().endsWith('2 membership(s)')).toBe(true);

    const badState = await staff.standing('list', '--state', 'lapsed');
    expect(badState).toMatchObject({ code: 2, stdout: '' });
    expect(badState.stderr).toContain('Allowed choices are pending, active, pastDue, suspended, terminated.');
    const bad = await staff.standing('list', '--type', 'BROKER', '--paid-through-before', 'May 1');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('--paid-through-before: must be a date YYYY-MM-DD');
    expect(bad.stderr).toContain('--type: BROKER is not defined by association LIST');
  });

  it('lists a member never paid as paid through before any date, beside those paid through earlier', async () => {
    const staff = await staffOf('NEVERPAID', [
      { memberId: 'PAST', state: 'pastDue', paidThrough: addDays(today, -3) },
      { memberId: 'AHEAD', state: 'active', paidThrough: addDays(today, 30) },
      { memberId: 'NEVER', state: 'pending' },
    ]);
    await listed(staff.client, { state: 'pending' }, ['NEVER']);
    await listed(staff.client, { state: 'pastDue' }, ['PAST']);
    await listed(staff.client, { state: 'active' }, ['AHEAD']);
    const never = (await staff.client.list()).find((m) => m.memberId === 'NEVER');
    expect(never).toMatchObject({ state: 'pending', paidThrough: null });

    expect((await listedByCli(staff, '--paid-through-before', today)).map((m) => m.memberId)).toEqual([
      'NEVER',
      'PAST',
    ]);
    // A day is not before itself: a member paid through that day is not listed for it.
    expect((await listedByCli(staff, '--paid-through-before', addDays(today, -3))).map((m) => m.memberId)).toEqual([
      'NEVER',
    ]);
    expect((await listedByCli(staff, '--paid-through-before', addDays(today, 31))).map((m) => m.memberId)).toEqual([
      'AHEAD',
      'NEVER',
      'PAST',
    ]);
  });

  it('finds the members of a type whose code holds an apostrophe and a space, and no others', async () => {
    // Inside the query's double-quoted literal an apostrophe is taken as it is. (Temporal
    // visibility cannot match a value holding a double quote at all, temporalio/ui#1714, nor
    // reliably one holding a backslash.)
    const odd = "O'NEIL CO";
    const staff = await staffOf(
      'QUOTED',
      [
        { memberId: 'Q1', state: 'active', paidThrough: addDays(today, 30), type: odd },
        { memberId: 'Q2', state: 'active', paidThrough: addDays(today, 30), type: 'PLAIN' },
        { memberId: 'Q3', state: 'active', paidThrough: addDays(today, 30), type: "O'NEIL" },
      ],
      [{ code: odd }, { code: 'PLAIN' }, { code: "O'NEIL" }],
    );
    await listed(staff.client, { state: 'active' }, ['Q1', 'Q2', 'Q3']);
    await listed(staff.client, { type: odd }, ['Q1']);
    await listed(staff.client, { type: "O'NEIL" }, ['Q3']);
    expect(await listedByCli(staff, '--type', odd)).toEqual([
      expect.objectContaining({ memberId: 'Q1', membershipType: odd }),
    ]);
  });

  it('suspends, reactivates, changes type, drops and changes provider ids of one member, printing the new state or the refusal', async () => {
    const { client, standing } = await staffOf('ONE', [
      { memberId: 'O1', state: 'active', paidThrough: addDays(today, 200) },
      { memberId: 'O2', state: 'active', paidThrough: addDays(today, 200) },
      { memberId: 'O3', state: 'active', paidThrough: addDays(today, 200) },
    ]);
    expect(await standing('suspend', 'O1', '--reason', 'conduct', '--by', 'ethics committee')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^O1: active → suspended \(member status/),
    });
    const again = await standing('suspend', 'O1', '--reason', 'conduct', '--by', 'ethics committee');
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toBe(
      'standing: O1: refused: suspended does not fit a member who is suspended: only an active or past-due member can be suspended\n',
    );
    expect(await standing('reactivate', 'O1', '--by', 'ethics committee')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^O1: suspended → active/),
    });
    expect(await standing('change-type', 'O2', 'AFFILIATE', '--by', 'membership desk')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^O2: active/),
    });
    expect((await client.view('O2'))?.member?.membershipType).toBe('AFFILIATE');
    expect(await standing('drop', 'O3', '--reason', 'resigned', '--by', 'membership desk')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^O3: active → terminated/),
    });
    expect((await client.view('O3'))?.member?.state).toBe('terminated');
    // New provider ids, for a dropped member too (its lockbox card can still change).
    expect(
      await standing(
        'change-provider-ids',
        'O3',
        '--lockbox',
        'CARD-3',
        '--m1',
        '123456789',
        '--reason',
        'card replaced',
        '--by',
        'membership desk',
      ),
    ).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^O3: terminated \(.*\); provider ids set: m1 123456789, lockbox CARD-3\n$/),
    });
    expect((await client.view('O3'))?.providerIds).toEqual({ m1: '123456789', lockbox: 'CARD-3' });
    expect(await standing('change-provider-ids', 'O3', '--reason', 'x', '--by', 'y')).toMatchObject({
      code: 2,
      stderr: 'command line: --m1, --mls, --lockbox: must name at least one provider id (m1, mls or lockbox)\n',
    });
    const noReason = await standing('suspend', 'O2', '--by', 'x');
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
    expect((await client.view('O2'))?.member?.state).toBe('active');
    expect((await standing('suspend', 'NOBODY', '--reason', 'x', '--by', 'y')).stderr).toBe(
      'standing: no membership NOBODY in association ONE\n',
    );
  });

  it('changes a member’s role to secondary and back with the changeRole Update, and refuses it once terminated', async () => {
    const { client } = await staffOf('ROLE', [{ memberId: 'RL1', state: 'active', paidThrough: addDays(today, 90) }]);
    const secondary = await client.changeRole('RL1', 'secondary', { by: 'membership desk', id: 'role-1' });
    expect(secondary).toMatchObject({ role: 'secondary', state: 'active' });
    await listed(client, {}, ['RL1']);
    await expect.poll(async () => (await client.list())[0]?.role, { timeout: 20_000 }).toBe('secondary');
    // The same command id again is the same Update: applied once.
    expect(await client.changeRole('RL1', 'secondary', { id: 'role-1' })).toEqual(secondary);
    expect(await client.changeRole('RL1', 'primary', { id: 'role-2' })).toMatchObject({ role: 'primary' });
    expect((await client.view('RL1'))?.member?.role).toBe('primary');
    expect(await acceptedUpdates(client, 'RL1')).toHaveLength(2);

    await client.drop('RL1', { reason: 'resigned' });
    const refused = await client.changeRole('RL1', 'secondary').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toBe(
      'roleChanged does not fit a member who is terminated: a terminated member keeps its role; send joined with the new role to rejoin',
    );
    expect((await client.view('RL1'))?.member?.role).toBe('primary');
  });

  it('shows in a dry run of a mass status change exactly what the real run then changes and refuses', async () => {
    const { client, standing } = await staffOf('MASS', [
      { memberId: 'MA1', state: 'active', paidThrough: addDays(today, 200) },
      { memberId: 'MA2', state: 'active', paidThrough: addDays(today, 200) },
      { memberId: 'MS1', state: 'suspended', paidThrough: addDays(today, 100) },
      { memberId: 'MS2', state: 'suspended', paidThrough: addDays(today, -120) },
      { memberId: 'MT1', state: 'active', paidThrough: addDays(today, 200) },
      { memberId: 'MF1', state: 'active', paidThrough: addDays(today, 200), type: 'AFFILIATE' },
    ]);
    await client.drop('MT1', { reason: 'resigned' });
    await listed(client, { type: 'REALTOR', state: 'terminated' }, ['MT1']);
    await listed(client, { type: 'REALTOR' }, ['MA1', 'MA2', 'MS1', 'MS2', 'MT1']);
    const suspend = [
      'mass-status-change',
      '--to',
      'suspended',
      '--type',
      'REALTOR',
      '--reason',
      'audit',
      '--by',
      'board',
    ];
    const dry = await standing(...suspend, '--dry-run', '--json');
    const planned = dryRunOf(dry.stdout);
    expect(planned.changes.map((c) => [c.memberId, c.from, c.to])).toEqual([
      ['MA1', 'active', 'suspended'],
      ['MA2', 'active', 'suspended'],
    ]);
    expect(planned.refusals.map((r) => r.memberId)).toEqual(['MS1', 'MS2', 'MT1']);
    expect(planned.refusals.find((r) => r.memberId === 'MT1')?.reason).toBe(
      'suspended does not fit a member who is terminated: only an active or past-due member can be suspended',
    );
    // Nothing changed.
    expect((await client.view('MA1'))?.member?.state).toBe('active');
    const table = await standing(...suspend, '--dry-run');
    expect(table.stdout).toContain('dry run of suspend (nothing changed): 2 change(s), 3 refused');
    expect((await client.view('MA2'))?.member?.timeline).toEqual([]);

    const real = await standing(...suspend, '--json');
    expect(real.code).toBe(0);
    const report = JSON.parse(real.stdout) as MassChangeReport;
    expect({ action: report.action, changes: report.changes, refusals: report.refusals }).toEqual(planned);
    expect(report).toMatchObject({ total: 5, done: 5, changed: 2, refused: 3 });
    for (const memberId of ['MA1', 'MA2'])
      expect((await client.view(memberId))?.member?.timeline.at(-1), memberId).toMatchObject({
        change: 'suspended',
        from: 'active',
        to: 'suspended',
      });
    expect((await client.view('MF1'))?.member?.state).toBe('active');
  });

  it('drops every member a mass drop selects, as its dry run said, and asks for a filter first', async () => {
    const { client, standing } = await staffOf('DROP', [
      ...['DS1', 'DS2', 'DS3', 'DS4'].map((memberId) => ({
        memberId,
        state: 'suspended',
        paidThrough: addDays(today, 100),
      })),
      { memberId: 'DA1', state: 'active', paidThrough: addDays(today, 100) },
    ]);
    const everyone = await standing('mass-drop', '--reason', 'x', '--by', 'y', '--dry-run');
    expect(everyone.code).toBe(2);
    expect(everyone.stderr).toContain('give at least one filter');

    await listed(client, { state: 'suspended' }, ['DS1', 'DS2', 'DS3', 'DS4']);
    const drop = ['mass-drop', '--state', 'suspended', '--reason', 'lapsed', '--by', 'board', '--json'];
    const dry = dryRunOf((await standing(...drop, '--dry-run')).stdout);
    expect(dry.changes.map((c) => [c.memberId, c.to])).toEqual([
      ['DS1', 'terminated'],
      ['DS2', 'terminated'],
      ['DS3', 'terminated'],
      ['DS4', 'terminated'],
    ]);
    expect(dry.refusals).toEqual([]);
    const real = await standing(...drop);
    expect(real.code).toBe(0);
    const report = JSON.parse(real.stdout) as MassChangeReport;
    expect({ action: report.action, changes: report.changes, refusals: report.refusals }).toEqual(dry);
    for (const { memberId } of dry.changes) expect((await client.view(memberId))?.member?.state).toBe('terminated');
    expect((await client.view('DA1'))?.member?.state).toBe('active');
  });

  it('finishes a mass drop interrupted by a graceful worker restart with each member changed once', async () => {
    const members = Array.from({ length: 16 }, (_, i) => `GR${String(i).padStart(2, '0')}`);
    const { client } = await staffOf(
      'RESTART',
      members.map((memberId) => ({ memberId, state: 'active', paidThrough: addDays(today, 300), type: 'AFFILIATE' })),
    );
    const handle = await server.env.client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
      workflowId: 'mass-drop/RESTART/graceful',
      taskQueue: TASK_QUEUE,
      args: [
        {
          associationId: 'RESTART',
          action: 'drop',
          memberIds: members,
          reason: 'restart test',
          by: 'test',
          concurrency: 1,
          // One member per activity: progress moves member by member, so the restart lands part-way.
          chunkSize: 1,
        },
      ],
    });
    // Stop the worker part-way through, then start a new one.
    let doneBeforeRestart = 0;
    await expect
      .poll(
        async () => (doneBeforeRestart = (await handle.query(massChangeProgressQuery).catch(() => null))?.done ?? 0),
        { timeout: 20_000, interval: 10 },
      )
      .toBeGreaterThanOrEqual(3);
    await workers.stop();
    await startWorker();
    const report = await handle.result();
    expect(doneBeforeRestart).toBeLessThan(members.length);
    expect(report).toMatchObject({ total: 16, done: 16, changed: 16, refused: 0 });
    expect(report.changes.map((c) => c.memberId)).toEqual(members);
    await expectDroppedOnce(client, members);
  });

  it('pages a batch chosen by filter across runs (continue-as-new), changing each member once, its counts matching', async () => {
    const suspended = Array.from({ length: 11 }, (_, i) => `PG${String(i).padStart(2, '0')}`);
    const { client } = await staffOf('PAGES', [
      ...suspended.map((memberId) => ({ memberId, state: 'suspended', paidThrough: addDays(today, 100) })),
      { memberId: 'PA1', state: 'active', paidThrough: addDays(today, 100) },
    ]);
    await listed(client, { state: 'suspended' }, suspended);
    const handle = await server.env.client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
      workflowId: 'mass-drop/PAGES/paged',
      taskQueue: TASK_QUEUE,
      args: [
        {
          associationId: 'PAGES',
          action: 'drop',
          filter: { state: 'suspended' },
          reason: 'lapsed',
          by: 'board',
          concurrency: 2,
          pageSize: 4,
          chunkSize: 3,
        },
      ],
    });
    const report = await handle.result();
    // Three pages of 4, 4 and 3 members: three runs, the first two continued as new.
    expect(report).toMatchObject({ action: 'drop', total: 11, done: 11, changed: 11, refused: 0, runs: 3 });
    expect(report.changes.map((c) => c.memberId)).toEqual(suspended);
    // The chain read from the runs' own histories (visibility lags behind a run just completed).
    const runs: string[] = [];
    let runId: string | undefined = (await server.env.client.workflow.getHandle('mass-drop/PAGES/paged').describe())
      .runId;
    while (runId) {
      const run: WorkflowHandle = server.env.client.workflow.getHandle('mass-drop/PAGES/paged', runId);
      runs.unshift((await run.describe()).status.name);
      const [started] = (await run.fetchHistory()).events ?? [];
      runId = started?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    }
    expect(runs).toEqual(['CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'COMPLETED']);
    await expectDroppedOnce(client, suspended);
    expect((await client.view('PA1'))?.member?.state).toBe('active');
  });

  it('reaches the members whose workflow continued as new mid-batch, in pages still to come', async () => {
    // Listed oldest first: MV05..MV08 (whose runs continue as new after their second event), then
    // MV04..MV02, then MV01, on a queue no worker polls yet, so the batch waits on its first page
    // ({MV01, MV02}: the newest runs, and the lowest ids) while the others continue as new.
    const movers = ['MV08', 'MV07', 'MV06', 'MV05'];
    const stuckQueue = 'standing-test/moved-stuck';
    const { client, config } = await staffOf('MOVED', []);
    const importOf = (memberId: string) =>
      validateEvent({
        id: `import-${memberId}`,
        type: 'imported',
        memberId,
        at: new Date().toISOString(),
        membershipType: 'REALTOR',
        state: 'active',
        paidThrough: addDays(today, 300),
      });
    const firstRuns = new Map<string, string>();
    for (const memberId of movers) {
      const started = await server.env.client.workflow.start<typeof membershipWorkflow>(workflowTypes.membership, {
        workflowId: client.workflowId(memberId),
        taskQueue: associationTaskQueue('MOVED'),
        args: [{ association: rulesOf(config), memberId, events: [importOf(memberId)], continueAsNewAfter: 2 }],
      });
      firstRuns.set(memberId, started.firstExecutionRunId);
    }
    for (const memberId of ['MV04', 'MV03', 'MV02']) await client.importMember(importOf(memberId));
    const stuck = new MembershipClient(server.env.client, config, stuckQueue);
    // No worker runs MV01 yet: its attributes are given at its start, so the filter selects it.
    await server.env.client.workflow.start<typeof membershipWorkflow>(workflowTypes.membership, {
      workflowId: stuck.workflowId('MV01'),
      taskQueue: stuckQueue,
      args: [{ association: rulesOf(config), memberId: 'MV01', events: [importOf('MV01')] }],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: keys.AssociationId, value: 'MOVED' },
        { key: keys.MemberId, value: 'MV01' },
        { key: keys.MembershipState, value: 'active' },
      ]),
    });
    const everyone = ['MV01', 'MV02', 'MV03', 'MV04', 'MV05', 'MV06', 'MV07', 'MV08'];
    await listed(client, { state: 'active' }, everyone);

    const handle = await server.env.client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
      workflowId: 'mass-drop/MOVED/moved',
      taskQueue: TASK_QUEUE,
      args: [
        {
          associationId: 'MOVED',
          action: 'drop',
          filter: { state: 'active' },
          reason: 'lapsed',
          by: 'board',
          concurrency: 1,
          chunkSize: 1,
          pageSize: 2,
        },
      ],
    });
    // The batch has listed its members (it knows how many) and waits on MV01.
    await expect
      .poll(async () => (await handle.query(massChangeProgressQuery).catch(() => null))?.total, {
        timeout: 20_000,
        interval: 50,
      })
      .toBe(8);
    // Each mover's second event makes its run continue as new: a new run, started now.
    for (const memberId of movers) {
      // Still the run it started as (its import is its first event): the batch listed it there.
      const before = (await client.handle(memberId).describe()).runId;
      expect(before, memberId).toBe(firstRuns.get(memberId));
      await client.send({
        id: `invoice-${memberId}`,
        type: 'invoiceIssued',
        memberId,
        at: new Date().toISOString(),
        invoiceId: `INV-${memberId}`,
        amount: 5,
      });
      await expect
        .poll(async () => (await client.handle(memberId).describe()).runId, { timeout: 20_000, interval: 50 })
        .not.toBe(before);
      const now = (await client.handle(memberId).describe()).runId;
      // Visibility lists the new run (and only it) as the member's running one.
      await expect
        .poll(
          async () => {
            const running = [];
            for await (const run of server.env.client.workflow.list({
              query: `WorkflowId = "${client.workflowId(memberId)}" AND ExecutionStatus = "Running"`,
            }))
              running.push(run.runId);
            return running;
          },
          { timeout: 20_000, interval: 100 },
        )
        .toEqual([now]);
    }
    const late = await startWorkers(server.env.nativeConnection, [stuckQueue], {
      ...fakeProviders().activities,
      ...createStaffActivities({ client: server.env.client }),
    });
    try {
      const report = await handle.result();
      expect(report).toMatchObject({ action: 'drop', total: 8, done: 8, changed: 8, refused: 0, runs: 4 });
      expect(report.changes.map((c) => c.memberId)).toEqual(everyone);
      await expectDroppedOnce(client, everyone.slice(1));
      await expectDroppedOnce(stuck, ['MV01']);
      await stuck.handle('MV01').terminate('test over');
    } finally {
      await late.stop();
    }
  });

  it('stops a cancelled batch after the chunks in flight, and reports exactly the members it changed', async () => {
    const members = Array.from({ length: 10 }, (_, i) => `CN${String(i).padStart(2, '0')}`);
    // CN05's membership is on a queue no worker polls yet: the batch waits on it, part-way.
    const stuckQueue = 'standing-test/cancel-stuck';
    const { client, config } = await staffOf(
      'CANCEL',
      members
        .filter((m) => m !== 'CN05')
        .map((memberId) => ({ memberId, state: 'active', paidThrough: addDays(today, 300) })),
    );
    const stuck = new MembershipClient(server.env.client, config, stuckQueue);
    await stuck.importMember({
      id: 'import-CN05',
      type: 'imported',
      memberId: 'CN05',
      at: new Date().toISOString(),
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: addDays(today, 300),
    });
    const handle = await server.env.client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
      workflowId: 'mass-drop/CANCEL/cancelled',
      taskQueue: TASK_QUEUE,
      args: [
        {
          associationId: 'CANCEL',
          action: 'drop',
          memberIds: members,
          reason: 'cancel test',
          by: 'test',
          concurrency: 1,
          chunkSize: 1,
          pageSize: 4,
        },
      ],
    });
    await expect
      .poll(async () => (await handle.query(massChangeProgressQuery).catch(() => null))?.done, {
        timeout: 20_000,
        interval: 20,
      })
      .toBe(5);
    await handle.cancel();
    // The chunk in flight (CN05's) finishes once a worker runs CN05's membership; nothing starts after it.
    const late = await startWorkers(server.env.nativeConnection, [stuckQueue], {
      ...fakeProviders().activities,
      ...createStaffActivities({ client: server.env.client }),
    });
    try {
      const report = await handle.result();
      const changed = members.slice(0, 6);
      expect(report).toMatchObject({ action: 'drop', done: 6, changed: 6, refused: 0, cancelled: true, runs: 2 });
      expect(report.changes.map((c) => c.memberId)).toEqual(changed);
      await expectDroppedOnce(
        client,
        changed.filter((m) => m !== 'CN05'),
      );
      await expectDroppedOnce(stuck, ['CN05']);
      for (const memberId of members.slice(6)) {
        expect((await client.view(memberId))?.member?.state, memberId).toBe('active');
        expect(await acceptedUpdates(client, memberId), memberId).toEqual([]);
      }
      await stuck.handle('CN05').terminate('test over');
    } finally {
      await late.stop();
    }
  });
});
