// The gateway's journal of an association's Stripe payments and customers: what was flushed is there
// after a restart, another process's appends are read on refresh, a line cut short waits for its
// end, an unreadable one is skipped and said, old entries are not loaded, and one association's
// journal is never another's.
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StripeMembers } from '../../gateway/stripe-members.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});
async function folder(): Promise<string> {
  const made = await mkdtemp(join(tmpdir(), 'stripe-members-'));
  folders.push(made);
  return made;
}
const now = Date.parse('2026-11-24T00:00:00Z');
const at = now / 1000 - 3600;

describe('StripeMembers with a journal', () => {
  it('keeps what was flushed across a restart, and only that', async () => {
    const dir = await folder();
    const first = await StripeMembers.open(dir, 'TEST', { now: () => now });
    first.remember('pi_1', 'M1', at);
    first.remember('cus_1', 'M1', at);
    await first.flush();
    first.remember('pi_2', 'M2', at); // never flushed: the process died before answering
    const restarted = await StripeMembers.open(dir, 'TEST', { now: () => now });
    expect([restarted.memberOf('pi_1'), restarted.memberOf('cus_1'), restarted.memberOf('pi_2')]).toEqual([
      'M1',
      'M1',
      undefined,
    ]);
    expect(await readdir(dir)).toEqual(['TEST.stripe-payments.jsonl']);
  });

  it("reads another process's appends on refresh", async () => {
    const dir = await folder();
    const one = await StripeMembers.open(dir, 'TEST', { now: () => now });
    const other = await StripeMembers.open(dir, 'TEST', { now: () => now });
    one.remember('pi_9', 'M9', at);
    await one.flush();
    expect(other.memberOf('pi_9')).toBeUndefined();
    await other.refresh();
    expect(other.memberOf('pi_9')).toBe('M9');
  });

  it('leaves a line cut short for the next read, and skips an unreadable one, saying so', async () => {
    const dir = await folder();
    const file = join(dir, 'TEST.stripe-payments.jsonl');
    await appendFile(file, `not json\n${JSON.stringify({ key: 'pi_a', member: 'MA', at })}\n{"key":"pi_b","mem`);
    const logged: string[] = [];
    const members = await StripeMembers.open(dir, 'TEST', { now: () => now, log: (line) => logged.push(line) });
    expect([members.memberOf('pi_a'), members.memberOf('pi_b')]).toEqual(['MA', undefined]);
    expect(logged).toEqual([expect.stringContaining('1 unreadable line(s)')]);
    await appendFile(file, `ber":"MB","at":${at}}\n`);
    await members.refresh();
    expect(members.memberOf('pi_b')).toBe('MB');
  });

  it('does not load entries older than the retention', async () => {
    const dir = await folder();
    const writer = await StripeMembers.open(dir, 'TEST', { now: () => now });
    writer.remember('pi_old', 'M1', now / 1000 - 3 * 86_400);
    writer.remember('pi_new', 'M2', now / 1000 - 86_400);
    await writer.flush();
    const reader = await StripeMembers.open(dir, 'TEST', { now: () => now, retentionSeconds: 2 * 86_400 });
    expect([reader.memberOf('pi_old'), reader.memberOf('pi_new')]).toEqual([undefined, 'M2']);
  });

  it("never reads one association's journal for another", async () => {
    const dir = await folder();
    const test = await StripeMembers.open(dir, 'TEST', { now: () => now });
    test.remember('pi_shared', 'T1', at);
    await test.flush();
    const lake = await StripeMembers.open(dir, 'LAKE', { now: () => now });
    expect(lake.memberOf('pi_shared')).toBeUndefined();
  });
});
