// Reading one member's continue-as-new chain through the client (a fake one here, serving recorded
// histories): back from the current run to the first, or named incomplete when a run is gone.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { readMember } from '../../client/export-members.js';

const folder = join(import.meta.dirname, '..', 'histories');
const history = async (file: string) => historyFromJSON(JSON.parse(await readFile(join(folder, file), 'utf8')));

/** A client whose histories are `runs` by run id; any other run is not found. */
function clientServing(runs: Record<string, Awaited<ReturnType<typeof history>>>): { client: Client; asked: string[] } {
  const asked: string[] = [];
  const client = {
    workflow: {
      getHandle: (workflowId: string, runId: string) => ({
        fetchHistory: async () => {
          asked.push(runId);
          const found = runs[runId];
          if (!found) throw new WorkflowNotFoundError('not found', workflowId, runId);
          return found;
        },
      }),
    },
  } as unknown as Client;
  return { client, asked };
}

describe('reading a member through the client', () => {
  it('follows continue-as-new from the current run back to the first', async () => {
    const first = await history('v10-continue-as-new-first-run.json');
    const second = await history('v10-continue-as-new-second-run.json');
    const previous = second.events![0]!.workflowExecutionStartedEventAttributes!.continuedExecutionRunId!;
    const { client, asked } = clientServing({ current: second, [previous]: first });
    const member = await readMember(client, { workflowId: 'membership/T/M', runId: 'current' });
    expect(asked).toEqual(['current', previous]);
    expect(member).toMatchObject({ kind: 'member', history: { runs: 2 } });
  });

  it('names a member incomplete when an earlier run is past retention, rather than exporting half of it', async () => {
    const second = await history('v10-continue-as-new-second-run.json');
    const { client } = clientServing({ current: second });
    const member = await readMember(client, { workflowId: 'membership/T/M', runId: 'current' });
    expect(member).toMatchObject({ kind: 'incomplete', workflowId: 'membership/T/M' });
    expect(member.kind === 'incomplete' && member.reason).toMatch(/no longer kept \(the namespace's retention\)/);
  });

  it('names a member incomplete when its history is not a membership run it can read', async () => {
    const other = await history('v10-mass-drop.json');
    const { client } = clientServing({ current: other });
    const member = await readMember(client, { workflowId: 'membership/T/M', runId: 'current' });
    expect(member).toMatchObject({ kind: 'incomplete' });
    expect(member.kind === 'incomplete' && member.reason).toMatch(/^its history cannot be read: /);
  });

  it('lets a failure to reach Temporal through: that is not the member`s problem', async () => {
    const client = {
      workflow: { getHandle: () => ({ fetchHistory: async () => Promise.reject(new Error('connection refused')) }) },
    } as unknown as Client;
    await expect(readMember(client, { workflowId: 'w', runId: 'r' })).rejects.toThrow('connection refused');
  });
});
