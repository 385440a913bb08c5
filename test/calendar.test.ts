// Calendar math in the association's time zone (spec sections 1 and 5).
import { describe, expect, it } from 'vitest';
import { addDuration, dateOf, daysBetween, startOfDay } from '../machines/calendar.js';

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
