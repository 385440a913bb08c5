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
const CACHE_LIMIT = 200_000;

/** Bounded memo tables: the same dates recur constantly, and clearing keeps memory flat. */
function remember<K, V>(table: Map<K, V>, key: K, value: V): V {
  if (table.size >= CACHE_LIMIT) table.clear();
  table.set(key, value);
  return value;
}

const dayNumbers = new Map<LocalDate, number>();
const datesByDay = new Map<number, LocalDate>();
const durations = new Map<string, CalendarDuration>();
const durationSums = new Map<string, Map<LocalDate, LocalDate>>();
const dayStarts = new Map<string, Map<LocalDate, Instant>>();
const utcDayBounds = new Map<string, Map<number, readonly [Instant, Instant]>>();

function tableFor<V>(tables: Map<string, V>, key: string, make: () => V): V {
  let table = tables.get(key);
  if (!table) {
    table = make();
    tables.set(key, table);
  }
  return table;
}

/** Days since 1970-01-01 of a calendar date. */
function dayNumber(date: LocalDate): number {
  return dayNumbers.get(date) ?? remember(dayNumbers, date, Math.round(Date.parse(date) / DAY_MS));
}

function dateOfDayNumber(day: number): LocalDate {
  return datesByDay.get(day) ?? remember(datesByDay, day, new Date(day * DAY_MS).toISOString().slice(0, 10));
}

function parseDuration(iso: string): CalendarDuration {
  let parsed = durations.get(iso);
  if (!parsed) {
    const duration = Duration.fromISO(iso);
    if (!duration.isValid) throw new Error(`invalid duration ${iso}`);
    parsed = remember(durations, iso, {
      years: duration.years,
      months: duration.months,
      days: duration.weeks * 7 + duration.days,
    });
  }
  return parsed;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return dayNumber(to) - dayNumber(from);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return days === 0 ? date : dateOfDayNumber(dayNumber(date) + days);
}

/**
 * `date` plus an ISO 8601 duration: years and months first, clamped to the month's end
 * (2027-01-31 + P1M = 2027-02-28), then weeks and days.
 */
export function addDuration(date: LocalDate, iso: string): LocalDate {
  const sums = tableFor(durationSums, iso, () => new Map<LocalDate, LocalDate>());
  let result = sums.get(date);
  if (result === undefined) {
    const { years, months, days } = parseDuration(iso);
    // Luxon adds calendar units first and clamps the day to the month's length.
    const monthsAdded =
      years === 0 && months === 0 ? date : DateTime.fromISO(date, { zone: 'utc' }).plus({ years, months }).toISODate()!;
    result = remember(sums, date, addDays(monthsAdded, days));
  }
  return result;
}

/** The instant of 00:00 local time on `date` (or the first moment of that day where a DST jump skips midnight). */
export function startOfDay(date: LocalDate, zone: string): Instant {
  const starts = tableFor(dayStarts, zone, () => new Map<LocalDate, Instant>());
  let instant = starts.get(date);
  if (instant === undefined) {
    const local = DateTime.fromISO(date, { zone });
    if (!local.isValid) throw new Error(`cannot place ${date} in time zone ${zone}: ${local.invalidExplanation ?? ''}`);
    instant = remember(starts, date, local.startOf('day').toMillis());
  }
  return instant;
}

/**
 * The local date of an instant. Every zone's offset is within a day of UTC, so the answer is the
 * UTC date or one of its neighbours; the start-of-day instants (from Luxon) decide which.
 */
export function dateOf(instant: Instant, zone: string): LocalDate {
  const utcDay = Math.floor(instant / DAY_MS);
  const bounds = tableFor(utcDayBounds, zone, () => new Map<number, readonly [Instant, Instant]>());
  let pair = bounds.get(utcDay);
  if (!pair) {
    pair = remember(bounds, utcDay, [
      startOfDay(dateOfDayNumber(utcDay), zone),
      startOfDay(dateOfDayNumber(utcDay + 1), zone),
    ] as const);
  }
  if (instant < pair[0]) return dateOfDayNumber(utcDay - 1);
  return instant < pair[1] ? dateOfDayNumber(utcDay) : dateOfDayNumber(utcDay + 1);
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
