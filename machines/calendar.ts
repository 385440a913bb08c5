// Calendar dates in the association's time zone. Luxon does every zone and month rule;
// this module only memoises its answers, because the same few dates come up again and again.
import { DateTime, Duration, IANAZone } from 'luxon';

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
const MINUTE_MS = 60_000;
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

/**
 * The instant `date` begins: its first 00:00 local time where clocks set back over midnight repeat
 * it (America/Havana, 2025-11-02: 04:00Z, not 05:00Z), or the jump where clocks skip midnight.
 */
export function startOfDay(date: LocalDate, zone: string): Instant {
  const starts = tableFor(dayStarts, zone, () => new Map<LocalDate, Instant>());
  let instant = starts.get(date);
  if (instant === undefined) instant = remember(starts, date, firstMoment(date, zone));
  return instant;
}

/**
 * Offsets come from Luxon's zone (the platform's time zone data): 00:00 on `date` is read with the
 * offsets in force a day before and a day after, and a reading is real when the zone has that offset
 * at that instant. Luxon's own local-to-instant step is not used for this: it starts from the offset
 * the zone has at the present clock, so a repeated midnight came out as the first 00:00 or the second
 * depending on the season it ran in.
 */
function firstMoment(date: LocalDate, name: string): Instant {
  const zone = IANAZone.create(name);
  const local = Date.parse(date);
  if (!zone.isValid || Number.isNaN(local)) throw new Error(`cannot place ${date} in time zone ${name}`);
  const [earlier, later] = [zone.offset(local - DAY_MS), zone.offset(local + DAY_MS)];
  const readings = [earlier, later]
    .filter((offset) => zone.offset(local - offset * MINUTE_MS) === offset)
    .map((offset) => local - offset * MINUTE_MS);
  if (readings.length > 0) return Math.min(...readings);
  // No 00:00 on this date: the clocks jumped over it, and the day begins at the jump. Midnight read
  // with the offset after the jump falls before it; read with the offset before, after it.
  let [low, high] = [local - later * MINUTE_MS, local - earlier * MINUTE_MS];
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zone.offset(middle) === later) high = middle;
    else low = middle;
  }
  return high;
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
