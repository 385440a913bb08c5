// Delivers an event log to membership workflows at each event's `at`, on the time-skipping server,
// so a workflow's view can be compared with `standing simulate` on the very same events.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import type { MembershipClient } from '../../client/membership-client.js';
import type { MemberView } from '../../machines/view.js';
import type { AssociationConfig } from '../../schemas/association.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import { inTimeOrder, simulate } from '../../simulate/run.js';

export { providersSettled } from './until.js';

const dateFields = ['dueDate', 'coversFrom', 'coversThrough', 'paidThrough', 'joinDate'] as const;

/**
 * The test server's clock starts at the real present, so logs are moved into its future by whole
 * years. Multiples of three keep the M1 suspension window (every third year) where it was.
 */
export function shiftYears(events: readonly LifecycleEvent[], years: number): LifecycleEvent[] {
  const shiftDate = (date: string) => DateTime.fromISO(date, { zone: 'utc' }).plus({ years }).toISODate()!;
  return events.map((event) => {
    const shifted: Record<string, unknown> = {
      ...event,
      at: DateTime.fromISO(event.at, { setZone: true }).plus({ years }).toISO(),
    };
    for (const field of dateFields) {
      const value = (event as Record<string, unknown>)[field];
      if (typeof value === 'string') shifted[field] = shiftDate(value);
    }
    return shifted as LifecycleEvent;
  });
}

/** The smallest multiple of three years that puts every event after `now`. */
export function yearsIntoFuture(events: readonly LifecycleEvent[], now: number): number {
  const first = Math.min(...events.map((event) => Date.parse(event.at)));
  let years = 0;
  while (DateTime.fromMillis(first).plus({ years }).toMillis() <= now + 86_400_000) years += 3;
  return years;
}

export function shiftInstant(iso: string, years: number): string {
  return DateTime.fromISO(iso, { setZone: true }).plus({ years }).toUTC().toISO()!;
}

/** Sends each event when the server's clock reaches its `at`, then lets time run to `until`. */
export async function deliverInTime(
  env: TestWorkflowEnvironment,
  client: MembershipClient,
  events: readonly LifecycleEvent[],
  until: string,
): Promise<void> {
  for (const { event } of inTimeOrder(events.map((event, index) => ({ line: index + 1, event })))) {
    const wait = Date.parse(event.at) - (await env.currentTimeMs());
    if (wait > 0) await env.sleep(wait);
    await client.send(event);
  }
  const rest = Date.parse(until) - (await env.currentTimeMs());
  if (rest > 0) await env.sleep(rest);
}

export function simulated(
  association: AssociationConfig,
  events: readonly LifecycleEvent[],
  until: string,
): MemberView[] {
  return simulate(
    association,
    inTimeOrder(events.map((event, index) => ({ line: index + 1, event }))),
    Date.parse(until),
  ).members;
}
