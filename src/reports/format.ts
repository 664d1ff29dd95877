/**
 * How the digest writes its numbers, shared by the Slack message and the model's copy of the
 * tables, so every figure the narrative quotes appears verbatim in the message.
 */
import type { ReportPeriod } from './request.js';

const SYMBOL: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };

/** `1,234.56` (two decimals, thousands separators, ASCII minus). */
export function formatAmount(n: number): string {
  const fixed = Math.abs(n).toFixed(2);
  const [int, frac] = fixed.split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 && fixed !== '0.00' ? '-' : ''}${grouped}.${frac}`;
}

/** `$1,234.56`, or `1,234.56 CHF` for currencies without a symbol here. */
export function formatMoney(n: number, currency: string): string {
  const sym = SYMBOL[currency];
  const amount = formatAmount(n);
  if (!sym) return `${amount} ${currency}`;
  return amount.startsWith('-') ? `-${sym}${amount.slice(1)}` : `${sym}${amount}`;
}

/** A change with its sign: `+12.30`, `-4.00`, `0.00`. */
export function formatDelta(n: number): string {
  const a = formatAmount(n);
  return n > 0 && a !== '0.00' ? `+${a}` : a;
}

/** A percent change with its sign (`+12.5%`), or `new` when there was nothing to compare with. */
export function formatPct(p: number | null): string {
  if (p === null) return 'new';
  const s = p.toFixed(1);
  return `${p > 0 && s !== '0.0' ? '+' : ''}${s}%`;
}

/** `2024-06-03 – 2024-06-09` (both days included). */
export function formatSpan(span: { start: string; end: string }): string {
  return span.start === span.end ? span.start : `${span.start} – ${span.end}`;
}

/** Pads cells into aligned columns: first column left-aligned, the others right-aligned. */
export function alignColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - [...c].length);
        return i === 0 ? c + pad : pad + c;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** How each period is named in the tables, the narrative's input, the message and the charts. */
export interface PeriodLabels {
  /** Report title: `Weekly AWS report` … */
  title: string;
  /** Column heads: `Last 7 days` / `Previous 7 days`. */
  current: string;
  previous: string;
  /** Inline: `in the last 7 days`, `vs the 7 days before`. */
  inCurrent: string;
  vsPrevious: string;
}

export function periodLabels(period: ReportPeriod): PeriodLabels {
  switch (period) {
    case '7d':
      return {
        title: 'AWS report, last 7 days',
        current: 'Last 7 days',
        previous: 'Previous 7 days',
        inCurrent: 'in the last 7 days',
        vsPrevious: 'vs the 7 days before',
      };
    case '30d':
      return {
        title: 'AWS report, last 30 days',
        current: 'Last 30 days',
        previous: 'Previous 30 days',
        inCurrent: 'in the last 30 days',
        vsPrevious: 'vs the 30 days before',
      };
    case 'mtd':
      return {
        title: 'AWS report, month to date',
        current: 'Month to date',
        previous: 'Same days last month',
        inCurrent: 'this month to date',
        vsPrevious: 'vs the same days of last month',
      };
    case 'last-month':
      return {
        title: 'AWS report, last month',
        current: 'Last month',
        previous: 'Month before',
        inCurrent: 'last month',
        vsPrevious: 'vs the month before',
      };
  }
}
