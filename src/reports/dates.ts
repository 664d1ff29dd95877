/** UTC calendar-day helpers. Cost Explorer speaks `YYYY-MM-DD` days with an exclusive end. */
import type { ReportPeriod } from './request.js';

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

/** Midnight UTC of the first day of `d`'s month, `monthsBack` months earlier. */
function firstOfMonth(d: Date, monthsBack = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - monthsBack, 1));
}

/** A span of whole UTC days. `end` is the LAST DAY INCLUDED (not Cost Explorer's exclusive end). */
export interface DaySpan {
  start: string;
  end: string;
}

/** The period a report covers and the one it is compared with (both whole UTC days). */
export interface ReportPeriods {
  current: DaySpan;
  previous: DaySpan;
}

/**
 * The two windows of a report made on `today` (UTC). Today is incomplete and never included, so
 * every period ends yesterday at the latest:
 * - `7d` / `30d`: the last 7 (30) full days, compared with the 7 (30) days before them.
 * - `mtd`: from the 1st of yesterday's month to yesterday, compared with the same days of the month
 *   before. On the 1st of a month that is the whole month just ended (a report on the 1st has no
 *   day of the new month to show). When the month before is shorter, its comparison stops at its
 *   last day: on 31 March (yesterday the 30th) 1–30 March is compared with 1–28 (29) February.
 * - `last-month`: the whole previous calendar month, compared with the whole month before it
 *   (months of different lengths compare as they are; the table shows both totals).
 */
export function reportPeriods(today: Date, period: ReportPeriod = '7d'): ReportPeriods {
  const yesterday = addDays(today, -1);
  switch (period) {
    case '7d':
    case '30d': {
      const n = period === '7d' ? 7 : 30;
      return {
        current: { start: ymd(addDays(today, -n)), end: ymd(yesterday) },
        previous: { start: ymd(addDays(today, -2 * n)), end: ymd(addDays(today, -n - 1)) },
      };
    }
    case 'mtd': {
      const start = firstOfMonth(yesterday);
      const prevStart = firstOfMonth(yesterday, 1);
      const prevLast = addDays(start, -1);
      const sameDay = addDays(prevStart, yesterday.getUTCDate() - 1);
      return {
        current: { start: ymd(start), end: ymd(yesterday) },
        // biome-ignore lint/complexity/useMathMinMax: these are Dates; Math.min would return a number, not the Date
        previous: { start: ymd(prevStart), end: ymd(sameDay < prevLast ? sameDay : prevLast) },
      };
    }
    case 'last-month': {
      const start = firstOfMonth(today, 1);
      const prevStart = firstOfMonth(today, 2);
      return {
        current: { start: ymd(start), end: ymd(addDays(firstOfMonth(today), -1)) },
        previous: { start: ymd(prevStart), end: ymd(addDays(start, -1)) },
      };
    }
  }
}

/** Days in a span, both ends included. */
export function daysIn(span: DaySpan): number {
  return Math.round((Date.parse(`${span.end}T00:00:00Z`) - Date.parse(`${span.start}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The forecast window: from today to the end of the month (last day included). Never empty. */
export function forecastSpan(today: Date): DaySpan {
  return { start: ymd(today), end: ymd(addDays(firstOfNextMonth(today), -1)) };
}

/** The day after `day` (`YYYY-MM-DD`), i.e. the exclusive end Cost Explorer wants. */
export function dayAfter(day: string): string {
  return ymd(addDays(new Date(`${day}T00:00:00Z`), 1));
}

/** Every day of a span, in order (`YYYY-MM-DD`). */
export function eachDay(span: DaySpan): string[] {
  const out: string[] = [];
  for (let d = new Date(`${span.start}T00:00:00Z`); ymd(d) <= span.end; d = addDays(d, 1)) out.push(ymd(d));
  return out;
}
