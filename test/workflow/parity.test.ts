// The workflow and `standing simulate` run the same core: fed the same events at their `at`
// times, a workflow's view equals simulate's output. Five logs, the spec's worked example first.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import type { AssociationConfig } from '../../schemas/association.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import { parseAssociationConfig, parseEventsFile } from '../../schemas/parse.js';
import { EventLog, association } from '../helpers.js';
import { deliverInTime, shiftInstant, shiftYears, simulated, yearsIntoFuture } from './deliver.js';
import { testWorker, timeSkippingEnvironment } from './environment.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'shared', 'spec', 'examples');

async function workedExample(): Promise<{ config: AssociationConfig; events: LifecycleEvent[] }> {
  const configFile = join(examples, 'monthly-billing.association.yaml');
  const eventsFile = join(examples, 'monthly-billing.events.jsonl');
  const config = parseAssociationConfig(configFile, await readFile(configFile, 'utf8'));
  const events = parseEventsFile(eventsFile, await readFile(eventsFile, 'utf8'));
  if (!config.ok || !events.ok) throw new Error('the worked example does not parse');
  return { config: config.value, events: events.value.map((located) => located.event) };
}

/** A year of monthly dues with late payers, a lapse, a drop after suspension and a rejoin. */
function lapsesAndRejoins(): LifecycleEvent[] {
  const log = new EventLog('B1').join('2026-01-01');
  for (const month of ['01', '02', '03']) log.dues(`2026-${month}`).pay(`2026-${month}-03`, `INV-2026-${month}`);
  log.dues('2026-04').dues('2026-05').pay('2026-05-10', 'INV-2026-04');
  log.join('2026-09-01').dues('2026-09').pay('2026-09-04', 'INV-2026-09', 50, 'PAY-REJOIN');
  return log.events;
}

/** Staff at work: suspension for conduct, reactivation with fresh grace, type and role changes, a drop. */
function staffActions(): LifecycleEvent[] {
  return new EventLog('C1')
    .join('2026-02-01')
    .dues('2026-02')
    .pay('2026-02-02', 'INV-2026-02')
    .add('suspended', '2026-02-10', { reason: 'conduct', by: 'ethics' })
    .add('reactivated', '2026-03-05', { by: 'staff' })
    .add('membershipTypeChanged', '2026-03-06', { membershipType: 'AFFILIATE' })
    .add('roleChanged', '2026-03-07', { role: 'secondary' })
    .add('membershipTypeChanged', '2026-03-20', { membershipType: 'REALTOR' })
    .add('dropped', '2026-05-01', { reason: 'resigned' }).events;
}

/** Onboarded members: an imported member whose paid-through is long gone runs through every state at once. */
function importedLapsed(): LifecycleEvent[] {
  return new EventLog('D1')
    .add('imported', '2026-04-10', { membershipType: 'REALTOR', state: 'active', paidThrough: '2026-01-31', joinDate: '2015-03-01', memberStatus: 'Renewed' })
    .dues('2026-05')
    .pay('2026-05-02', 'INV-2026-05').events;
}

/** Billing systems misbehaving: payments before invoices, re-sent ids, a re-sent payment id, voids, a refused command. */
function messyBilling(): LifecycleEvent[] {
  const log = new EventLog('E1').join('2026-03-01T08:00:00Z').pay('2026-03-01T09:00:00Z', 'INV-2026-03', 50, 'P-EARLY').dues('2026-03');
  log.add('invoiceIssued', '2026-03-15', { invoiceId: 'FEE-1', amount: 20 });
  log.add('invoiceVoided', '2026-03-16', { invoiceId: 'FEE-1' });
  log.dues('2026-04').pay('2026-04-05', 'INV-2026-04', 50, 'P-APR').pay('2026-04-06', 'INV-2026-04', 50, 'P-APR');
  log.events.push({ ...log.events.at(-2)!, at: '2026-04-07T12:00:00Z' });
  log.add('reactivated', '2026-04-08', {});
  return log.events;
}

describe('the workflow and simulate agree', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await timeSkippingEnvironment();
    worker = await testWorker(env, 'parity');
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  async function compare(config: AssociationConfig, original: LifecycleEvent[], originalUntil: string): Promise<void> {
    const years = yearsIntoFuture(original, await env.currentTimeMs());
    const events = shiftYears(original, years);
    const until = shiftInstant(originalUntil, years);
    const client = new MembershipClient(env.client, config, 'parity');
    await deliverInTime(env, client, events, until);
    const expected = simulated(config, events, until);
    expect(expected.length).toBeGreaterThan(0);
    for (const member of expected) {
      const standing = await client.view(member.memberId);
      expect(standing?.member).toEqual(member);
    }
  }

  it('on the spec worked example, through August 31', async () => {
    const { config, events } = await workedExample();
    await compare(config, events, '2026-08-31T00:00:00Z');
  });

  it('on a member who lapses, is dropped after suspension and rejoins', async () => {
    await compare(association({ dropAfterSuspendedDays: 30 }), lapsesAndRejoins(), '2026-10-15T00:00:00Z');
  });

  it('on staff suspensions, reactivations, type and role changes and a drop', async () => {
    await compare(association(), staffActions(), '2026-06-01T00:00:00Z');
  });

  it('on an imported member whose deadlines have all passed', async () => {
    await compare(association({ dropAfterSuspendedDays: 40 }, { association: { id: 'TEST', timezone: 'America/Chicago' } }), importedLapsed(), '2026-06-30T00:00:00Z');
  });

  it('on messy billing: early payments, re-sent ids and payments, voids and a refused command', async () => {
    await compare(association(), messyBilling(), '2026-05-31T00:00:00Z');
  });
});
