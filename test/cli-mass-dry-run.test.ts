// A mass change's dry run streams: each member's line is written as its preview comes back, while
// the listing is still being read, with a bounded number of previews (and so of members) held at
// once: 50,000 members need no more memory than 16.
import { describe, expect, it } from 'vitest';
import { DRY_RUN_ATTEMPTS, DRY_RUN_CONCURRENCY, dryRun } from '../cli/mass-commands.js';
import type { Unanswered } from '../cli/mass-commands.js';
import type { StaffOutcome } from '../activities/staff.js';
import type { StaffPreview } from '../workflows/messages.js';

describe('a mass change’s dry run', () => {
  it('writes each member as its preview returns, holding at most DRY_RUN_CONCURRENCY members, and counts them', async () => {
    const members = 50_000;
    let listed = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    let mostAhead = 0;
    const written: (StaffOutcome | Unanswered)[] = [];
    async function* memberIds(): AsyncGenerator<string> {
      for (let i = 0; i < members; i += 1) {
        listed += 1;
        yield `DR${i}`;
      }
    }
    const membership = {
      async preview(memberId: string): Promise<StaffPreview> {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // A round trip: the answer comes on a later turn of the event loop.
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return Number(memberId.slice(2)) % 3 === 0
          ? { outcome: 'rejected', reason: 'not active', from: null, to: null }
          : { outcome: 'applied', from: 'active', to: 'terminated' };
      },
    };
    const counts = await dryRun(membership, 'drop', memberIds(), { reason: 'r', by: 'b' }, (line) => {
      written.push(line);
      // Listed but not yet written: what the dry run holds.
      mostAhead = Math.max(mostAhead, listed - written.length);
    });

    expect(mostInFlight).toBe(DRY_RUN_CONCURRENCY);
    expect(mostAhead).toBeLessThanOrEqual(DRY_RUN_CONCURRENCY);
    expect(written).toHaveLength(members);
    expect(new Set(written.map((line) => line.memberId)).size).toBe(members);
    const refused = Math.ceil(members / 3);
    expect(counts).toEqual({ changed: members - refused, refused, unanswered: 0 });
    expect(written.find((line) => line.memberId === 'DR1')).toEqual({
      memberId: 'DR1',
      outcome: 'changed',
      from: 'active',
      to: 'terminated',
    });
    expect(written.find((line) => line.memberId === 'DR3')).toEqual({
      memberId: 'DR3',
      outcome: 'refused',
      reason: 'not active',
    });
  });
  it('asks a member that did not answer again, and reports it unanswered only after the last attempt', async () => {
    const asked = new Map<string, number>();
    async function* memberIds(): AsyncGenerator<string> {
      yield* ['SLOW', 'DOWN', 'FINE'];
    }
    const membership = {
      async preview(memberId: string): Promise<StaffPreview> {
        const attempt = (asked.get(memberId) ?? 0) + 1;
        asked.set(memberId, attempt);
        // SLOW answers on its second attempt; DOWN never does.
        if (memberId === 'DOWN' || (memberId === 'SLOW' && attempt === 1)) throw new Error('Failed to query Workflow');
        return { outcome: 'applied', from: 'active', to: 'terminated' };
      },
    };
    const written: (StaffOutcome | Unanswered)[] = [];
    const counts = await dryRun(
      membership,
      'drop',
      memberIds(),
      { reason: 'r', by: 'b' },
      (line) => written.push(line),
      1,
    );
    expect(counts).toEqual({ changed: 2, refused: 0, unanswered: 1 });
    expect(asked.get('SLOW')).toBe(2);
    expect(asked.get('DOWN')).toBe(DRY_RUN_ATTEMPTS);
    expect(written.find((line) => line.memberId === 'DOWN')).toEqual({
      memberId: 'DOWN',
      outcome: 'unanswered',
      reason: 'Failed to query Workflow',
    });
  });
});
