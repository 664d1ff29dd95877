/**
 * How the digest writes its numbers, shared by the Slack message and the model's copy of the
 * tables, so every figure the narrative quotes appears verbatim in the message.
 */

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
