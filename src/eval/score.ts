/**
 * Scoring an answer by its figures, no LLM judge: each expected figure must appear in the answer
 * with exactly its value once currency signs, units and thousands separators are set aside
 * ("$4,182.37" = "4182.37 USD"; "12.5%" needs a percentage). Figures come from the grounding
 * extractor (src/grounding/extract.ts), plus the small counts and spelled-out numbers it leaves
 * out on purpose ("3 users", "three users"), since a count is often the whole answer.
 */
import { extractFigures, numbersInText } from '../grounding/index.js';

const WORDS: Record<string, number> = {
  zero: 0,
  no: 0,
  none: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};

export interface ExpectedFigure {
  text: string;
  value: number;
  percent: boolean;
}

export function parseExpected(text: string): ExpectedFigure {
  const fig = extractFigures(text)[0];
  const value = fig ? fig.value : Number((/\d+(?:,\d{3})*(?:\.\d+)?/.exec(text)?.[0] ?? 'NaN').replace(/,/g, ''));
  return { text, value, percent: fig?.kind === 'percent' || /%/.test(text) };
}

/** Values the answer states: [value, isPercent]. Exact equality, so 4182.4 does not pass for 4182.37. */
function statedValues(answer: string): { value: number; percent: boolean }[] {
  const out = extractFigures(answer).map((f) => ({ value: f.value, percent: f.kind === 'percent' }));
  for (const v of numbersInText(answer, 500)) out.push({ value: Math.abs(v), percent: false });
  for (const m of answer.toLowerCase().matchAll(/\b(zero|no|none|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b/g))
    out.push({ value: WORDS[m[1]!]!, percent: false });
  return out;
}

const same = (a: number, b: number) => Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b));

export interface FigureScore {
  found: string[];
  missing: string[];
  /** found / expected, 0..1. */
  score: number;
}

export function scoreAnswer(answer: string, expected: string[]): FigureScore {
  const stated = statedValues(answer);
  const found: string[] = [];
  const missing: string[] = [];
  for (const text of expected) {
    const e = parseExpected(text);
    const ok = stated.some((s) => same(s.value, e.value) && (!e.percent || s.percent));
    (ok ? found : missing).push(text);
  }
  return { found, missing, score: expected.length ? found.length / expected.length : 0 };
}
