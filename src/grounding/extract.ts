/**
 * Finding the figures in a draft answer: amounts, counts, percentages and ratios, each with the
 * span it occupies (so it can be removed) and how precisely it is written (so a source value that
 * rounds to it counts). Everything that looks like a number but is not a claim about the data —
 * dates, times, account ids, region names, instance types, ARNs, versions, ports, list markers,
 * periods such as "last 7 days" — is left out here. docs/grounding.md states every rule.
 *
 * One pass of a few regular expressions over the text: linear in its length.
 */

export type FigureKind = 'amount' | 'percent' | 'ratio' | 'number';

export interface Figure {
  /** The figure as written, currency sign, sign and suffix included. */
  text: string;
  start: number;
  end: number;
  /** Absolute value in base units (`1.2k` → 1200; `12%` → 12). Credits and refunds compare by size. */
  value: number;
  /** How far the true value may be from `value` and still be written this way (half a unit of the last digit shown). */
  tolerance: number;
  kind: FigureKind;
  /** Written as an approximation ("about $800", "~12%"): 5 % either way counts. */
  approximate: boolean;
}

/** Numbers with optional thousands separators and decimals: `1,234.56`, `1234`, `0.5`. */
const CORE = /\d+(?:,\d{3})*(?:\.\d+)?/g;

/** Spans whose digits are never figures; computed once per text. */
const EXCLUDED_SPANS: RegExp[] = [
  // Slack links and mentions: the URL/id part of <https://…|label>, <@U123>, <#C123>, <!here>.
  /<(?:https?:|mailto:|[@#!])[^|>\s]*/g,
  /\bhttps?:\/\/[^\s>|)]+/g,
  // ARNs (their account id, region and resource names).
  /\barn:[\w-]*:[^\s,;)`'"]*/g,
  // ISO dates and months (2026-11-30, 2026-11, with an optional time).
  /\b\d{4}-\d{2}(?:-\d{2})?(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?\b/g,
  // Slash dates (11/30/2026, 2026/11/30).
  /\b\d{1,4}\/\d{1,2}\/\d{1,4}\b/g,
  // Times of day (09:00, 14:30:05).
  /\b\d{1,2}:\d{2}(?::\d{2})?\b/g,
  // Versions, IP addresses and CIDRs (1.2.3, 10.0.0.0/16).
  /\b\d+(?:\.\d+){2,}(?:\/\d+)?\b/g,
];

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|' +
  'sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
/** A day of a month, alone or closing a range: "Nov 30", "November 1–30", "30 Nov", "16–30 November". */
const RANGE = '\\s*(?:[-–—]|to|and|through|until)\\s*';
const MONTH_BEFORE = new RegExp(`\\b${MONTH}\\.?\\s+(?:\\d{1,2}(?:st|nd|rd|th)?${RANGE})?$`, 'i');
const MONTH_AFTER = new RegExp(`^(?:${RANGE}\\d{1,2}(?:st|nd|rd|th)?)?\\s+(?:of\\s+)?${MONTH}\\b`, 'i');
/** Periods and durations: "last 7 days", "30-day", "12 months". */
const TIME_UNIT_AFTER = /^\s*-?\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|quarters?|years?|business days?)\b/i;
/** Words after which a number names a thing rather than measures it. */
const NAMING_WORD_BEFORE = new RegExp(
  String.raw`\b(?:version|v|tls|ssl|ipv|python|node(?:\.js)?|java|go|ruby|php|postgresql|postgres|mysql|redis|engine|runtime|` +
    String.raw`api|ports?|http|status|error|code|step|page|item|line|row|rank|top|number|no\.|#|q|h|fy|gen|generation)\s*$`,
  'i',
);
const APPROXIMATE_BEFORE = new RegExp(
  String.raw`(?:~|≈|\babout|\baround|\broughly|\bapproximately|\bapprox\.?|\bnearly|\balmost|` +
    String.raw`\bover|\bunder|\bmore than|\bless than|\bsome|\bclose to)\s*$`,
  'i',
);

/** What may stand before the digits: an accounting bracket, a sign, a currency, a sign again (`-$5`, `$-5`). */
const LEAD = /(?:\(\s?)?(?:[-−+]\s?)?(?:US\$|\$|€|£|\b(?:USD|EUR|GBP)\s?)?(?:[-−+]\s?)?$/;
const CURRENCY_AFTER = /^\s?(?:USD|EUR|GBP|dollars?)\b/i;
const SCALE_AFTER: [RegExp, number][] = [
  [/^(?:k|K)(?![A-Za-z0-9])/, 1e3],
  [/^(?:M|mn)(?![A-Za-z0-9])/, 1e6],
  [/^(?:B|bn)(?![A-Za-z0-9])/, 1e9],
  [/^\s(?:thousand)\b/i, 1e3],
  [/^\s(?:million)\b/i, 1e6],
  [/^\s(?:billion)\b/i, 1e9],
];
const PERCENT_AFTER = /^\s?(?:%|percent\b|per cent\b|pct\b|percentage points?\b|pp\b)/i;
const RATIO_AFTER = /^\s?(?:x|×)(?![A-Za-z0-9])/;

/** Figures past this many in one answer are not extracted (an answer is a few hundred words). */
export const MAX_FIGURES = 200;

export function extractFigures(text: string): Figure[] {
  const excluded = excludedMask(text);
  const figures: Figure[] = [];
  for (const m of text.matchAll(CORE)) {
    if (figures.length >= MAX_FIGURES) break;
    const start = m.index!;
    const end = start + m[0].length;
    if (excluded[start]) continue;
    const figure = classify(text, m[0], start, end);
    if (figure) figures.push(figure);
  }
  return figures;
}

function excludedMask(text: string): Uint8Array {
  const mask = new Uint8Array(text.length + 1);
  for (const re of EXCLUDED_SPANS) {
    for (const m of text.matchAll(re)) mask.fill(1, m.index!, m.index! + m[0].length);
  }
  return mask;
}

function classify(text: string, core: string, start: number, end: number): Figure | undefined {
  const before = text.slice(Math.max(0, start - 40), start);
  const after = text.slice(end, end + 40);
  if (insideIdentifier(text[start - 1] ?? '', text[start - 2] ?? '')) return undefined;
  const unit = unitAfter(after);
  // Digits glued to a name after them: 1st, 2xlarge, 5xx, 64bit, 22/tcp, 3_000_x, 1.x.
  if (!unit.suffix && !unit.text && gluedToName(after)) return undefined;

  const lead = LEAD.exec(before)?.[0] ?? '';
  const currencyBefore = /US\$|\$|€|£|USD|EUR|GBP/.test(lead);
  const kind: FigureKind = unit.percent ? 'percent' : unit.ratio ? 'ratio' : currencyBefore || unit.currency ? 'amount' : 'number';

  const digits = core.replace(/,/g, '');
  const value = Number(digits) * unit.multiplier;
  if (!Number.isFinite(value)) return undefined;
  const decimals = digits.includes('.') ? digits.length - digits.indexOf('.') - 1 : 0;
  const plain = { digits, value, decimals, integer: decimals === 0 && !core.includes(',') };
  if (kind === 'number' && unit.multiplier === 1 && notAClaim(before, after, plain)) return undefined;

  // Sign, bracket and currency in front belong to the span, so a removed figure leaves no "-$".
  const spanStart = start - lead.length;
  let spanEnd = end + unit.suffix.length + unit.text.length;
  if (lead.startsWith('(') && text[spanEnd] === ')') spanEnd++;
  return {
    text: text.slice(spanStart, spanEnd),
    start: spanStart,
    end: spanEnd,
    value: Math.abs(value),
    tolerance: 0.5 * 10 ** -decimals * unit.multiplier,
    kind,
    approximate: APPROXIMATE_BEFORE.test(text.slice(Math.max(0, spanStart - 20), spanStart)),
  };
}

/**
 * Part of an identifier: ec2, t3, S3, us-east-1, i-0abc, sg-12, #1, /16, v2, a_1 … (a lone `_` or
 * `*` before it is Slack's italic or bold marker).
 */
function insideIdentifier(prev: string, prev2: string): boolean {
  if (/[\p{L}\p{N}./:#@]/u.test(prev)) return true;
  return (prev === '-' || prev === '_') && /[\p{L}\p{N}]/u.test(prev2);
}

/** What follows the digits: a scale (`k`, ` million`), then a percent, ratio or currency unit. */
function unitAfter(after: string) {
  let multiplier = 1;
  let suffix = '';
  for (const [re, mul] of SCALE_AFTER) {
    const s = re.exec(after);
    if (s) {
      multiplier = mul;
      suffix = s[0];
      break;
    }
  }
  const rest = after.slice(suffix.length);
  const percent = PERCENT_AFTER.exec(rest);
  const ratio = percent ? null : RATIO_AFTER.exec(rest);
  const currency = percent || ratio ? null : CURRENCY_AFTER.exec(rest);
  return { multiplier, suffix, percent, ratio, currency, text: percent?.[0] ?? ratio?.[0] ?? currency?.[0] ?? '' };
}

function gluedToName(after: string): boolean {
  return /^[\p{L}]/u.test(after) || /^[_/.][\p{L}\p{N}]/u.test(after) || /^-[\p{L}]/u.test(after);
}

/** A plain number that is a list marker, a small count, an account id, a year, a date, a period or a name. */
function notAClaim(before: string, after: string, n: { digits: string; value: number; decimals: number; integer: boolean }): boolean {
  const { digits, value, decimals, integer } = n;
  // A line's list marker: "1. ", "2) ".
  if (/(?:^|\n)[ \t>*•-]*$/.test(before) && /^[.)](?:\s|$)/.test(after)) return true;
  // Small counts, periods and names: not checked (see docs/grounding.md).
  if (decimals === 0 && value <= 10) return true;
  if (integer && digits.length === 12) return true; // an AWS account id
  if (integer && digits.length === 4 && value >= 1900 && value <= 2099) return true; // a year
  if (integer && value <= 31 && (MONTH_BEFORE.test(before) || MONTH_AFTER.test(after))) return true; // a day of the month
  return TIME_UNIT_AFTER.test(after) || NAMING_WORD_BEFORE.test(before);
}

/**
 * Every number a source text offers (a string inside a result, a docs page, a question): the same
 * exclusions of dates, times, versions, ARNs and URLs as for answers, and digits glued to a name
 * (us-east-1, m5.large) are skipped, so they cannot take part in sums or ratios; small numbers stay.
 */
export function numbersInText(text: string, limit: number): number[] {
  const out: number[] = [];
  const excluded = excludedMask(text);
  for (const m of text.matchAll(CORE)) {
    if (out.length >= limit) break;
    const start = m.index!;
    const end = start + m[0].length;
    if (
      excluded[start] ||
      /[\p{L}_./:#]/u.test(text[start - 1] ?? '') ||
      /[\p{L}\p{N}]-$/u.test(text.slice(Math.max(0, start - 2), start)) ||
      /^[\p{L}_]|^[-/.][\p{L}\p{N}]/u.test(text.slice(end, end + 2))
    )
      continue;
    const v = Number(m[0].replace(/,/g, ''));
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}
