// Event logs the workflow tests and the history recorder share.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssociationConfig } from '../../schemas/association.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import { parseAssociationConfig, parseEventsFile } from '../../schemas/parse.js';
import { EventLog } from '../helpers.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

export async function workedExample(): Promise<{ config: AssociationConfig; events: LifecycleEvent[] }> {
  const configFile = join(examples, 'monthly-billing.association.yaml');
  const eventsFile = join(examples, 'monthly-billing.events.jsonl');
  const config = parseAssociationConfig(configFile, await readFile(configFile, 'utf8'));
  const events = parseEventsFile(eventsFile, await readFile(eventsFile, 'utf8'));
  if (!config.ok || !events.ok) throw new Error('the worked example does not parse');
  return { config: config.value, events: events.value.map((located) => located.event) };
}

/** A year of monthly dues with late payers, a lapse, a drop after suspension and a rejoin. */
export function lapsesAndRejoins(): LifecycleEvent[] {
  const log = new EventLog('B1').join('2026-01-01');
  for (const month of ['01', '02', '03']) log.dues(`2026-${month}`).pay(`2026-${month}-03`, `INV-2026-${month}`);
  log.dues('2026-04').dues('2026-05').pay('2026-05-10', 'INV-2026-04');
  log.join('2026-09-01').dues('2026-09').pay('2026-09-04', 'INV-2026-09', 50, 'PAY-REJOIN');
  return log.events;
}

/**
 * Staff at work: suspension for conduct, new provider ids (a lockbox card, the NRDS ID) while
 * suspended, reactivation with fresh grace, type and role changes, a drop.
 */
export function staffActions(): LifecycleEvent[] {
  return new EventLog('C1')
    .join('2026-02-01')
    .dues('2026-02')
    .pay('2026-02-02', 'INV-2026-02')
    .add('suspended', '2026-02-10', { reason: 'conduct', by: 'ethics' })
    .add('providerIdsChanged', '2026-02-15', { providerIds: { m1: '123456789', lockbox: 'CARD-2' }, by: 'desk' })
    .add('reactivated', '2026-03-05', { by: 'staff' })
    .add('membershipTypeChanged', '2026-03-06', { membershipType: 'AFFILIATE' })
    .add('roleChanged', '2026-03-07', { role: 'secondary' })
    .add('membershipTypeChanged', '2026-03-20', { membershipType: 'REALTOR' })
    .add('dropped', '2026-05-01', { reason: 'resigned' }).events;
}

/** Onboarded members: an imported member whose paid-through is long gone runs through every state at once. */
export function importedLapsed(): LifecycleEvent[] {
  return new EventLog('D1')
    .add('imported', '2026-04-10', {
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough: '2026-01-31',
      joinDate: '2015-03-01',
      memberStatus: 'Renewed',
    })
    .dues('2026-05')
    .pay('2026-05-02', 'INV-2026-05').events;
}

/** Billing systems misbehaving: payments before invoices, re-sent ids, a re-sent payment id, voids, a refused command. */
export function messyBilling(): LifecycleEvent[] {
  const log = new EventLog('E1')
    .join('2026-03-01T08:00:00Z')
    .pay('2026-03-01T09:00:00Z', 'INV-2026-03', 50, 'P-EARLY')
    .dues('2026-03');
  log.add('invoiceIssued', '2026-03-15', { invoiceId: 'FEE-1', amount: 20 });
  log.add('invoiceVoided', '2026-03-16', { invoiceId: 'FEE-1' });
  log.dues('2026-04').pay('2026-04-05', 'INV-2026-04', 50, 'P-APR').pay('2026-04-06', 'INV-2026-04', 50, 'P-APR');
  log.events.push({ ...log.events.at(-2)!, at: '2026-04-07T12:00:00Z' });
  log.add('reactivated', '2026-04-08', {});
  return log.events;
}

/**
 * Money flowing back (spec v1.1, 4a): a chargeback puts the member back in past due, a reversal of
 * an unknown payment is refused, a re-payment renews, a partial refund sent twice under one id is
 * taken once, a returned payment leaves nothing paid, and grace, counted from the first reversal
 * back in past due, ends in a suspension.
 */
export function reversals(): LifecycleEvent[] {
  const log = new EventLog('G1')
    .join('2026-05-01')
    .dues('2026-05')
    .pay('2026-05-02', 'INV-2026-05', 50, 'P-MAY')
    .dues('2026-06')
    .pay('2026-06-02', 'INV-2026-06', 50, 'P-JUN')
    .reverse('2026-06-10', 'P-JUN', { reason: 'chargeback' }, 'R-JUN')
    .reverse('2026-06-11', 'P-NONE', {}, 'R-NONE')
    .pay('2026-06-12', 'INV-2026-06', 50, 'P-JUN-2')
    .reverse('2026-06-13', 'P-JUN-2', { amount: 20, reason: 'refund' }, 'R-PART');
  log.events.push({ ...log.events.at(-1)!, at: '2026-06-14T12:00:00Z' });
  return log.reverse('2026-06-15', 'P-MAY', { reason: 'returned' }, 'R-MAY').events;
}
