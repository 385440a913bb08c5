// A batch's plan by workflow id ranges, against a fake visibility store: ranges are cut in code unit
// order, and the plan asks the store whether it orders the cuts so; one that ignores case (a SQL
// database with a linguistic collation) fails the plan before anything is sent.
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createStaffActivities } from '../../activities/staff.js';
import { recordingLogger } from '../quiet-logs.js';

/**
 * A visibility store holding `members` of association A, every one selected by any filter, that
 * compares workflow ids with `compare` in `WorkflowId >= "x"` and `WorkflowId < "y"`.
 */
function store(members: readonly string[], compare: (a: string, b: string) => number) {
  const ids = members.map((member) => `membership/A/${member}`);
  const counted: string[] = [];
  const inRange = (query: string) =>
    ids.filter((id) => {
      const from = /WorkflowId >= "([^"]*)"/.exec(query)?.[1];
      const below = /WorkflowId < "([^"]*)"/.exec(query)?.[1];
      return (from === undefined || compare(id, from) >= 0) && (below === undefined || compare(id, below) < 0);
    });
  const client = {
    options: { namespace: 'default' },
    workflowService: {
      listWorkflowExecutions: ({ query }: { query: string }) =>
        Promise.resolve({ executions: inRange(query).map((workflowId) => ({ execution: { workflowId } })) }),
      countWorkflowExecutions: ({ query }: { query: string }) => {
        counted.push(query);
        return Promise.resolve({ count: inRange(query).length });
      },
    },
  } as unknown as Client;
  return { activities: createStaffActivities({ client }), counted };
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ignoringCase = (a: string, b: string) => byCodeUnit(a.toLowerCase(), b.toLowerCase());
const members = ['A0', 'B1', 'a2', 'b3', 'C4'];
const plan = { associationId: 'A', filter: { state: 'active' }, pageSize: 1 };
const run = <T>(fn: () => Promise<T>): Promise<T> =>
  new MockActivityEnvironment(undefined, { logger: recordingLogger }).run(fn);

describe('planMassChange', () => {
  it('cuts ranges in code unit order, and every member falls in exactly one range, on a store that orders so', async () => {
    const { activities, counted } = store(members, byCodeUnit);
    const planned = await run(() => activities.planMassChange(plan));
    // Code unit order: upper case first.
    expect(planned).toEqual({
      total: 5,
      cuts: ['membership/A/B1', 'membership/A/C4', 'membership/A/a2', 'membership/A/b3'],
      memberIds: ['A0'],
    });
    expect(counted).toHaveLength(3);
    const bounds = [undefined, ...planned.cuts, undefined];
    const ranges = [];
    for (let i = 0; i + 1 < bounds.length; i += 1)
      ranges.push(
        (
          await run(() =>
            activities.listMassChangeRange({
              ...plan,
              ...(bounds[i] && { from: bounds[i] }),
              ...(bounds[i + 1] && { to: bounds[i + 1] }),
            }),
          )
        ).memberIds,
      );
    expect(ranges.flat().sort()).toEqual([...members].sort());
  });

  it('fails before anything is sent on a store that ignores case, naming the collation', async () => {
    const { activities } = store(members, ignoringCase);
    await expect(run(() => activities.planMassChange(plan))).rejects.toMatchObject({
      type: 'VisibilityCollation',
      nonRetryable: true,
      message: expect.stringContaining('needs a visibility store with C (binary) collation'),
    });
  });
});
