// Recorded histories (npm run record:histories) must replay on today's workflow code: a change that
// would alter them needs patched(), or running memberships break on the next deploy.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import '../quiet-logs.js';

const folder = join(import.meta.dirname, '..', 'histories');
const files = (await readdir(folder)).filter((file) => file.endsWith('.json')).sort();

describe('recorded histories replay on the current workflow code', () => {
  it('has the recorded histories to replay', () => {
    expect(files.filter((file) => file.startsWith('v1-')).length).toBeGreaterThanOrEqual(7);
    expect(files.filter((file) => file.startsWith('v2-')).length).toBeGreaterThanOrEqual(8);
    expect(files.filter((file) => file.startsWith('v3-')).length).toBeGreaterThanOrEqual(9);
    // v4: provider sync (patched 'provider-sync'): deliveries, a refusal retried, a repair, a
    // deferred M1 suspension, and the reconciliation workflow.
    expect(files.filter((file) => file.startsWith('v4-')).length).toBeGreaterThanOrEqual(12);
    // v5: the mass-change workflow, and a member it dropped.
    expect(files.filter((file) => file.startsWith('v5-')).length).toBeGreaterThanOrEqual(14);
    // v6: payloads checked against their schemas (patched 'validated-payloads'): a malformed event
    // and configuration kept as warnings, an event taken normalised, a configuration applied.
    expect(files.filter((file) => file.startsWith('v6-')).length).toBeGreaterThanOrEqual(15);
    // v7: provider ids (deliveries addressed by the member's id at each provider, an undeliverable
    // command, ids changed by event and by Update) and memberships on their association's own task queue.
    expect(files.filter((file) => file.startsWith('v7-')).length).toBeGreaterThanOrEqual(16);
    // v8: reconciliation's memo on every membership (patched 'reconciliation-memo'), paged
    // reconciliation ('paged-reconciliation') and mass changes in chunks ('mass-change-pages').
    expect(files.filter((file) => file.startsWith('v8-')).length).toBeGreaterThanOrEqual(16);
    // v9: one baseline marker for a new membership run ('baseline-2026-11'), search attribute
    // upserts of only what changed, one publication per workflow task.
    expect(files.filter((file) => file.startsWith('v9-')).length).toBeGreaterThanOrEqual(16);
    // v10: payment reversals ('payment-reversed', asked on its own after the baseline), the
    // ledger's clock (the order invoices settled in, which a reversal reads) and mass changes by
    // ranges of workflow ids ('mass-change-key-ranges'); reports of billing events naming no member
    // (the unmatched-billing workflow), one dismissed, one closed unanswered.
    expect(files.filter((file) => file.startsWith('v10-')).length).toBeGreaterThanOrEqual(19);
  });

  // One replay worker for every history (a worker each would cost most of this file's time); each
  // history still has its own test and its own outcome.
  const outcomes = new Map<string, Error | undefined>();
  beforeAll(async () => {
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: file,
        history: historyFromJSON(JSON.parse(await readFile(join(folder, file), 'utf8'))),
      })),
    );
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundle') } },
      histories,
    ))
      outcomes.set(result.workflowId, result.error);
  }, 120_000);

  for (const file of files) {
    it(file, () => {
      expect(outcomes.has(file), `${file} was replayed`).toBe(true);
      expect(outcomes.get(file)).toBeUndefined();
    });
  }
});

/**
 * Runs recorded before reversals refused a `paymentReversed` signal as an unknown type, and issued
 * no command for it. Applied now, it would put the member back in past due (a search attribute
 * upsert at least), so such a history replays it refused (patched 'payment-reversed'). The messy
 * billing histories re-send payment e7 on April 7 (a duplicate, no command either); here that
 * signal becomes a reversal of the April payment, as a billing system could have sent one through
 * Temporal's own CLI. v5 is a run from before payloads were validated, v8 one after, v9 one started
 * at the baseline marker (which reversals came after).
 */
describe('a paymentReversed signal an older run refused replays refused', () => {
  const reversalInstead = async (file: string, eventId: string) => {
    const json = JSON.parse(await readFile(join(folder, file), 'utf8')) as {
      events: {
        eventId: string;
        workflowExecutionSignaledEventAttributes?: { input: { payloads: { data: string }[] } };
      }[];
    };
    const signal = json.events.find((event) => event.eventId === eventId)!.workflowExecutionSignaledEventAttributes!;
    const resent = JSON.parse(Buffer.from(signal.input.payloads[0]!.data, 'base64').toString('utf8')) as object;
    expect(resent).toMatchObject({ id: 'e7', at: '2041-04-07T12:00:00.000Z', paymentId: 'P-APR' });
    const reversal = {
      id: 'r1',
      memberId: 'E1',
      at: '2041-04-07T12:00:00.000Z',
      type: 'paymentReversed',
      paymentId: 'P-APR',
    };
    signal.input.payloads[0]!.data = Buffer.from(JSON.stringify(reversal)).toString('base64');
    return { workflowId: `${file} with a reversal`, history: historyFromJSON(json) };
  };

  it('before and after payloads were validated (v5, v8), and from the baseline marker (v9)', async () => {
    const histories = [
      await reversalInstead('v5-messy-billing.json', '72'),
      await reversalInstead('v8-messy-billing.json', '77'),
      // A run started at the baseline predates reversals too: the patch is asked on its own.
      await reversalInstead('v9-messy-billing.json', '74'),
    ];
    const errors: (Error | undefined)[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundle') } },
      histories,
    ))
      errors.push(result.error);
    expect(errors).toEqual([undefined, undefined, undefined]);
  }, 120_000);
});

/**
 * From v9 on (the baseline marker), a membership publishes once per workflow task, however many
 * steps the task held: at most one upsert of its own search attributes and one of its memo. The v9
 * histories replay on today's code (above), so what they hold is what today's code does; v8's show
 * the check can fail.
 */
describe('one publication per workflow task', () => {
  /** Workflow tasks of a membership history that upsert its search attributes, or its memo, more than once. */
  async function repeatedPublications(file: string): Promise<number> {
    const history = JSON.parse(await readFile(join(folder, file), 'utf8')) as {
      events: {
        eventType: string;
        upsertWorkflowSearchAttributesEventAttributes?: { searchAttributes: { indexedFields: object } };
        workflowPropertiesModifiedEventAttributes?: object;
      }[];
    };
    let repeated = 0;
    let attributes = 0;
    let memo = 0;
    // A task's commands follow its WORKFLOW_TASK_COMPLETED event.
    for (const event of [...history.events, { eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED' }]) {
      if (event.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED') {
        if (attributes > 1 || memo > 1) repeated += 1;
        attributes = memo = 0;
      }
      const upserted = Object.keys(
        event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes.indexedFields ?? {},
      );
      if (upserted.some((name) => name !== 'TemporalChangeVersion')) attributes += 1;
      if (event.workflowPropertiesModifiedEventAttributes) memo += 1;
    }
    return repeated;
  }
  const count = async (version: string) => {
    let repeated = 0;
    for (const file of files.filter((name) => name.startsWith(`${version}-`)))
      repeated += await repeatedPublications(file);
    return repeated;
  };

  it('holds for v9, and did not for v8', async () => {
    expect(await count('v9')).toBe(0);
    expect(await count('v8')).toBeGreaterThan(0);
  });
});
