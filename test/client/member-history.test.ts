// Reading members back from their workflows' recorded histories (every version, continue-as-new
// chains joined), without a server: the events read back, simulated by the rules as the member ran,
// must give what the workflow itself published at its last step.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { exportLines } from '../../client/export-members.js';
import { readMemberHistory } from '../../client/member-history.js';
import type { MemberHistory } from '../../client/member-history.js';
import { simulateAsRun, verifyMember } from '../../client/verify-member.js';
import { parseAssociationConfig } from '../../schemas/parse.js';
import type { AssociationConfig } from '../../schemas/association.js';
import type { LifecycleEvent } from '../../schemas/events.js';

const folder = join(import.meta.dirname, '..', 'histories');

async function history(file: string) {
  return historyFromJSON(JSON.parse(await readFile(join(folder, file), 'utf8')));
}

/** Every recorded membership run, a continue-as-new pair as one chain. */
async function recordedMembers(): Promise<{ name: string; runs: Awaited<ReturnType<typeof history>>[] }[]> {
  const members = [];
  for (const file of (await readdir(folder)).filter((f) => f.endsWith('.json') && !f.includes('second-run')).sort()) {
    const first = await history(file);
    if (first.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name !== 'membershipWorkflow')
      continue;
    const runs = [first];
    if (file.includes('first-run')) runs.push(await history(file.replace('first-run', 'second-run')));
    members.push({ name: file.replace('-first-run', ''), runs });
  }
  return members;
}

describe('a member read back from its recorded histories', () => {
  it('simulates to what the workflow published, for every recorded membership of every version', async () => {
    const members = await recordedMembers();
    expect(members.length).toBeGreaterThanOrEqual(100);
    const differing = members.filter(({ runs }) => verifyMember(readMemberHistory(runs)) !== null).map((m) => m.name);
    expect(differing).toEqual([]);
  });

  it('joins a continue-as-new chain: the second run alone lacks the events that made the member', async () => {
    const first = await history('v10-continue-as-new-first-run.json');
    const second = await history('v10-continue-as-new-second-run.json');
    const chain = readMemberHistory([first, second]);
    expect(chain.runs).toBe(2);
    expect(chain.applied.length).toBeGreaterThan(readMemberHistory([second]).applied.length);
    expect(verifyMember(chain)).toBeNull();
    expect(verifyMember(readMemberHistory([second]))).not.toBeNull();
  });

  it('rebuilds a staff Update into the event the workflow applied, at the moment it ran', async () => {
    const member = readMemberHistory([await history('v10-mass-dropped-member.json')]);
    const dropped = member.applied.find(({ event }) => event.type === 'dropped');
    expect(dropped).toBeDefined();
    expect(dropped!.event.at).toBe(dropped!.appliedAt);
    expect(dropped!.event).toMatchObject({ memberId: member.memberId, type: 'dropped' });
    // Without the Update the member would not be terminated.
    const withoutUpdate: MemberHistory = { ...member, applied: member.applied.filter((a) => a !== dropped) };
    expect(simulateAsRun(withoutUpdate, Date.parse(member.published.asOf))?.state).not.toBe('terminated');
    expect(member.published.state).toBe('terminated');
  });

  it('leaves out what the workflow refused, and takes a valid configuration sent later', async () => {
    const member = readMemberHistory([await history('v10-validated-payloads.json')]);
    expect(member.refused.length).toBeGreaterThan(0);
    expect(member.configurations.length).toBe(2);
    expect(Date.parse(member.configurations[1]!.at)).toBeGreaterThan(Date.parse(member.configurations[0]!.at));
  });

  it('reports a member whose published standing the rules do not give', async () => {
    const member = readMemberHistory([await history('v10-worked-example.json')]);
    const tampered: MemberHistory = { ...member, published: { ...member.published, state: 'active' } };
    expect(verifyMember(tampered)).toMatchObject({
      memberId: member.memberId,
      live: { state: 'active' },
      simulated: { state: member.published.state },
    });
  });
});

describe('the configurations a member ran under', () => {
  const config = (grace: string): AssociationConfig => {
    const parsed = parseAssociationConfig(
      'inline.yaml',
      `association: { id: GRACE, name: Grace test, timezone: UTC }
membershipTypes:
  - code: REALTOR
    name: REALTOR
    gracePeriod: ${grace}
    afterGrace: suspended
    rules:
      activated: { m1: Active }
      suspended: { m1: Suspended }
      reactivated: { m1: Active }
      dropped: { m1: Terminated }
`,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.value;
  };
  const events: LifecycleEvent[] = [
    {
      id: 'i1',
      memberId: 'M1',
      at: '2026-01-01T00:00:00Z',
      type: 'imported',
      membershipType: 'REALTOR',
      role: 'primary',
      state: 'active',
      paidThrough: '2026-01-31',
    },
  ];
  const member = (configurations: MemberHistory['configurations']): MemberHistory => ({
    memberId: 'M1',
    applied: events.map((event) => ({ event, appliedAt: event.at })),
    configurations,
    refused: [],
    published: { state: null, paidThrough: null, memberStatus: null, asOf: '2026-03-20T00:00:00.000Z' },
    runs: 1,
  });

  it('runs each from the moment the member got it', () => {
    const short = { version: 'short', association: config('P10D'), at: '2026-01-01T00:00:00.000Z' };
    const long = { version: 'long', association: config('P60D'), at: '2026-02-05T00:00:00.000Z' };
    const until = Date.parse('2026-02-20T00:00:00Z');
    // Under the short grace alone: past due on Feb 1, suspended on Feb 11.
    expect(simulateAsRun(member([short]), until)?.state).toBe('suspended');
    // Lengthened on Feb 5, before the grace ended: still past due on Feb 20.
    expect(simulateAsRun(member([short, long]), until)?.state).toBe('pastDue');
    // Lengthened on Feb 15, after the suspension: the past stays.
    expect(simulateAsRun(member([short, { ...long, at: '2026-02-15T00:00:00.000Z' }]), until)?.state).toBe('suspended');
  });

  it('writes each configuration once per file, and a member`s lines in `at` order', () => {
    const short = { version: 'short', association: config('P10D'), at: '2026-01-01T00:00:01.000Z' };
    const written = new Set<string>();
    const first = exportLines(member([short]), written).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first.map((line) => Object.keys(line)[0])).toEqual(['configuration', 'id', 'configured']);
    const second = exportLines({ ...member([short]), memberId: 'M2' }, written);
    expect(second.some((line) => line.startsWith('{"configuration"'))).toBe(false);
  });
});
