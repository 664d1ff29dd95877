/** UTC calendar-day helpers. Cost Explorer speaks `YYYY-MM-DD` days with an exclusive end. */

const DAY_MS = 86_400_000;

/** Midnight UTC of the UTC day `d` falls on. */
export function utcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export function addDays(d: Date, n: number): Date {
  return new Date(utcDay(d).getTime() + n * DAY_MS);
}

/** `YYYY-MM-DD` of the UTC day. */
export function ymd(d: Date): string {
  return utcDay(d).toISOString().slice(0, 10);
}

/** Midnight UTC of the first day of the month after `d`'s. */
export function firstOfNextMonth(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

/** A span of whole UTC days. `end` is the LAST DAY INCLUDED (not Cost Explorer's exclusive end). */
export interface DaySpan {
  start: string;
  end: string;
}

/**
 * The digest's two windows for a digest made on `today`: this week is the 7 full days before today
 * ([today-7, today-1]), last week the 7 days before those. Today itself is incomplete and excluded.
 */
export function digestPeriods(today: Date): { thisWeek: DaySpan; lastWeek: DaySpan } {
  return {
    thisWeek: { start: ymd(addDays(today, -7)), end: ymd(addDays(today, -1)) },
    lastWeek: { start: ymd(addDays(today, -14)), end: ymd(addDays(today, -8)) },
  };
}

/** The forecast window: from today to the end of the month (last day included). Never empty. */
export function forecastSpan(today: Date): DaySpan {
  return { start: ymd(today), end: ymd(addDays(firstOfNextMonth(today), -1)) };
}

/** The day after `day` (`YYYY-MM-DD`), i.e. the exclusive end Cost Explorer wants. */
export function dayAfter(day: string): string {
  return ymd(addDays(new Date(`${day}T00:00:00Z`), 1));
}
