// Calendar math in the association's time zone (spec sections 1 and 5).
import { Settings } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { addDuration, dateOf, daysBetween, startOfDay } from '../machines/calendar.js';
import { EventLog, association, membershipOf, run } from './helpers.js';

describe('durations', () => {
  it('clamp month arithmetic to the end of the month', () => {
    expect(addDuration('2027-01-31', 'P1M')).toBe('2027-02-28');
    expect(addDuration('2028-01-31', 'P1M')).toBe('2028-02-29');
    expect(addDuration('2028-02-29', 'P1Y')).toBe('2029-02-28');
  });

  it('add years and months first, then weeks and days', () => {
    expect(addDuration('2027-01-31', 'P1M1D')).toBe('2027-03-01');
    expect(addDuration('2026-07-31', 'P2W')).toBe('2026-08-14');
    expect(addDuration('2026-06-30', 'P20D')).toBe('2026-07-20');
    expect(addDuration('2026-06-30', 'P0D')).toBe('2026-06-30');
  });

  it('count whole days between dates', () => {
    expect(daysBetween('2026-08-01', '2026-08-07')).toBe(6);
    expect(daysBetween('2026-03-07', '2026-03-09')).toBe(2);
    expect(daysBetween('2026-08-07', '2026-08-01')).toBe(-6);
  });
});

describe('local days', () => {
  it('start at local midnight in the association time zone, across daylight saving changes', () => {
    expect(new Date(startOfDay('2026-07-01', 'America/Chicago')).toISOString()).toBe('2026-07-01T05:00:00.000Z');
    expect(new Date(startOfDay('2026-01-01', 'America/Chicago')).toISOString()).toBe('2026-01-01T06:00:00.000Z');
    expect(new Date(startOfDay('2026-03-08', 'America/Chicago')).toISOString()).toBe('2026-03-08T06:00:00.000Z');
    expect(new Date(startOfDay('2026-03-09', 'America/Chicago')).toISOString()).toBe('2026-03-09T05:00:00.000Z');
  });

  it('start at the first moment of the day where a DST jump skips midnight', () => {
    // Santiago springs forward at 24:00 on 2026-09-05: 2026-09-06 begins at 01:00 local, 04:00Z.
    expect(new Date(startOfDay('2026-09-06', 'America/Santiago')).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('give the local date of an instant', () => {
    expect(dateOf(Date.parse('2026-08-01T03:00:00Z'), 'America/Chicago')).toBe('2026-07-31');
    expect(dateOf(Date.parse('2026-08-01T05:00:00Z'), 'America/Chicago')).toBe('2026-08-01');
    expect(dateOf(Date.parse('2026-08-01T04:59:59.999Z'), 'America/Chicago')).toBe('2026-07-31');
    expect(dateOf(Date.parse('2026-07-31T14:00:00Z'), 'Pacific/Kiritimati')).toBe('2026-08-01');
    expect(dateOf(Date.parse('2026-08-01T10:00:00Z'), 'Pacific/Pago_Pago')).toBe('2026-07-31');
    expect(dateOf(Date.parse('2026-08-01T00:00:00Z'), 'UTC')).toBe('2026-08-01');
  });
});

describe('a repeated midnight', () => {
  // Havana sets its clocks back from 01:00 to 00:00 on 2025-11-02: 00:00 comes at 04:00Z (UTC-4),
  // then again at 05:00Z (UTC-5). The day begins at the first.
  const havana = association({}, { association: { id: 'HAV', timezone: 'America/Havana' } });
  const imported = (paidThrough: string, at = '2025-10-15T12:00:00Z') =>
    new EventLog().add('imported', at, { membershipType: 'REALTOR', state: 'active', paidThrough });
  const clock = Settings.now;
  afterEach(() => {
    Settings.now = clock;
    Settings.resetCaches();
  });

  it('begins the day at the first 00:00', () => {
    expect(new Date(startOfDay('2025-11-02', 'America/Havana')).toISOString()).toBe('2025-11-02T04:00:00.000Z');
    expect(new Date(startOfDay('2025-11-03', 'America/Havana')).toISOString()).toBe('2025-11-03T05:00:00.000Z');
    // The Azores set theirs back from 01:00 to 00:00 on 2025-10-26: 00:00Z (UTC+0), then 01:00Z (UTC-1).
    expect(new Date(startOfDay('2025-10-26', 'Atlantic/Azores')).toISOString()).toBe('2025-10-26T00:00:00.000Z');
  });

  it('dates both occurrences of the repeated hour on the new day, and the moment before it on the old', () => {
    expect(dateOf(Date.parse('2025-11-02T00:30:00-04:00'), 'America/Havana')).toBe('2025-11-02');
    expect(dateOf(Date.parse('2025-11-02T00:30:00-05:00'), 'America/Havana')).toBe('2025-11-02');
    expect(dateOf(Date.parse('2025-11-01T23:59:59.999-04:00'), 'America/Havana')).toBe('2025-11-01');
    expect(dateOf(Date.parse('2025-10-26T00:30:00+00:00'), 'Atlantic/Azores')).toBe('2025-10-26');
    expect(dateOf(Date.parse('2025-10-25T23:59:59.999+00:00'), 'Atlantic/Azores')).toBe('2025-10-25');
  });

  it('does not depend on the season the clock is in when Luxon first reads the zone', () => {
    // Luxon resolves a local time from the offset a zone has at Settings.now(): summer (UTC-4) or
    // winter (UTC-5) in Havana. Two dates this file has not asked for yet, one read in each season.
    Settings.now = () => Date.parse('2026-07-01T00:00:00Z');
    Settings.resetCaches();
    expect(new Date(startOfDay('2024-11-03', 'America/Havana')).toISOString()).toBe('2024-11-03T04:00:00.000Z');
    Settings.now = () => Date.parse('2026-12-01T00:00:00Z');
    Settings.resetCaches();
    expect(new Date(startOfDay('2023-11-05', 'America/Havana')).toISOString()).toBe('2023-11-05T04:00:00.000Z');
  });

  it('makes an active member paid through the day before past due at the first midnight', () => {
    const member = membershipOf(havana, imported('2025-11-01'));
    expect(member.nextDeadline()).toEqual({ name: 'expired', at: Date.parse('2025-11-02T04:00:00Z') });
    member.advanceTo(Date.parse('2025-11-02T03:59:59.999Z'));
    expect(member.state).toBe('active');
    member.advanceTo(Date.parse('2025-11-02T04:00:00Z'));
    expect(member.state).toBe('pastDue');
    expect(member.view()!.timeline).toMatchObject([
      { at: '2025-11-02T04:00:00.000Z', cause: 'timer:expired', change: 'pastDue' },
    ]);
  });

  it('dates a payment at 00:30 local, the first time round, on the new day', () => {
    const log = new EventLog()
      .join('2025-10-20')
      .invoice('2025-10-20', 'NOV', 50, { from: '2025-11-01', through: '2025-11-30' })
      .pay('2025-11-02T00:30:00-04:00', 'NOV');
    expect(run(havana, log)).toMatchObject({
      state: 'active',
      joinDate: '2025-11-02',
      memberStatusDate: '2025-11-02',
      timeline: [{ at: '2025-11-02T04:30:00.000Z', change: 'activated' }],
    });
  });

  it('makes an Azores member past due at the first midnight', () => {
    const azores = association({}, { association: { id: 'AZO', timezone: 'Atlantic/Azores' } });
    const view = run(azores, imported('2025-10-25', '2025-10-01T12:00:00Z'), '2025-10-26T00:00:00Z');
    expect(view).toMatchObject({ state: 'pastDue', timeline: [{ at: '2025-10-26T00:00:00.000Z', change: 'pastDue' }] });
  });

  it('still begins a day whose midnight is skipped at the jump', () => {
    // Santiago springs forward at 24:00 on 2026-09-05: 2026-09-06 begins at 01:00 local, 04:00Z.
    const santiago = association({}, { association: { id: 'SCL', timezone: 'America/Santiago' } });
    const view = run(santiago, imported('2026-09-05', '2026-08-01T12:00:00Z'), '2026-09-06T04:00:00Z');
    expect(view.timeline).toMatchObject([{ at: '2026-09-06T04:00:00.000Z', change: 'pastDue' }]);
    expect(dateOf(Date.parse('2026-09-06T03:59:59.999Z'), 'America/Santiago')).toBe('2026-09-05');
  });
});
