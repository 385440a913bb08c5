// Calendar dates in the association's time zone. Luxon does every zone and month rule;
// this module only memoises its answers, because the same few dates come up again and again.
import { DateTime, Duration } from 'luxon';

/** A calendar date, YYYY-MM-DD, in the association's time zone. Compares correctly as a string. */
export type LocalDate = string;
/** An instant, as milliseconds since the Unix epoch. */
export type Instant = number;

interface CalendarDuration {
  years: number;
  months: number;
  days: number;
}

const DAY_MS = 86_400_000;
const startOfDayCache = new Map<string, Instant>();
const durationCache = new Map<string, CalendarDuration>();
const addCache = new Map<string, LocalDate>();

function parseDuration(iso: string): CalendarDuration {
  let parsed = durationCache.get(iso);
  if (!parsed) {
    const duration = Duration.fromISO(iso);
    if (!duration.isValid) throw new Error(`invalid duration ${iso}`);
    parsed = { years: duration.years, months: duration.months, days: duration.weeks * 7 + duration.days };
    durationCache.set(iso, parsed);
  }
  return parsed;
}

function utcDate(date: LocalDate): DateTime {
  return DateTime.fromISO(date, { zone: 'utc' });
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * `date` plus an ISO 8601 duration: years and months first, clamped to the month's end
 * (2027-01-31 + P1M = 2027-02-28), then weeks and days.
 */
export function addDuration(date: LocalDate, iso: string): LocalDate {
  const key = `${date}+${iso}`;
  let result = addCache.get(key);
  if (result === undefined) {
    const { years, months, days } = parseDuration(iso);
    // Luxon adds calendar units first and clamps the day to the month's length.
    const monthsAdded = utcDate(date).plus({ years, months });
    result = addDays(monthsAdded.toISODate()!, days);
    if (addCache.size > 100_000) addCache.clear();
    addCache.set(key, result);
  }
  return result;
}

/** The instant of 00:00 local time on `date` (or the first moment of that day where a DST jump skips midnight). */
export function startOfDay(date: LocalDate, zone: string): Instant {
  const key = `${zone} ${date}`;
  let instant = startOfDayCache.get(key);
  if (instant === undefined) {
    const local = DateTime.fromISO(date, { zone });
    if (!local.isValid) throw new Error(`cannot place ${date} in time zone ${zone}: ${local.invalidExplanation ?? ''}`);
    instant = local.startOf('day').toMillis();
    if (startOfDayCache.size > 100_000) startOfDayCache.clear();
    startOfDayCache.set(key, instant);
  }
  return instant;
}

/**
 * The local date of an instant. Every zone's offset is within a day of UTC, so the answer is
 * the UTC date or one of its neighbours; the (memoised) start-of-day instants decide which.
 */
export function dateOf(instant: Instant, zone: string): LocalDate {
  let candidate = new Date(instant).toISOString().slice(0, 10);
  if (instant < startOfDay(candidate, zone)) {
    candidate = addDays(candidate, -1);
  } else if (instant >= startOfDay(addDays(candidate, 1), zone)) {
    candidate = addDays(candidate, 1);
  }
  return candidate;
}

/** The month-day (MM-DD) and year of a local date, for yearly windows. */
export function yearAndMonthDay(date: LocalDate): { year: number; monthDay: string } {
  return { year: Number(date.slice(0, 4)), monthDay: date.slice(5) };
}

export function laterDate(a: LocalDate, b: LocalDate): LocalDate {
  return a > b ? a : b;
}

export function toIsoInstant(instant: Instant): string {
  return new Date(instant).toISOString();
}
