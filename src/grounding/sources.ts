import { numbersInText } from './extract.js';

/**
 * The values an answer's figures may come from: every number in the conversation's tool results
 * (JSON walked value by value, numeric strings included, since Cost Explorer sends amounts as
 * strings), each array's length (a count) and each column's total (the sum of one field over an
 * array's items), plus the numbers the asker wrote. Values are kept as absolute values: a credit of
 * -50.00 supports "$50.00 in credits".
 */

export interface SourceInput {
  /** Who supplied it: a tool_use id, or `question`. */
  ref: string;
  /** A tool result's JSON value, or text (a docs page, a question). */
  data: unknown;
}

/** Values kept per conversation; past this the rest is ignored (and a figure from it goes unverified). */
export const MAX_SOURCE_VALUES = 20_000;
/** Values used as the second operand of sums, differences and ratios (the first ones collected). */
export const MAX_PAIR_OPERANDS = 1_000;
/** How deep a JSON value is walked. */
const MAX_DEPTH = 32;

export class SourcePool {
  /** Sorted ascending, with `refs[i]` the supplier of `values[i]`. */
  readonly values: Float64Array;
  readonly refs: Uint32Array;
  /** Distinct values for the pair rules, in collection order (the first results come first). */
  readonly operands: Float64Array;
  readonly operandRefs: Uint32Array;
  readonly refNames: string[];

  constructor(entries: { value: number; ref: number }[], refNames: string[]) {
    const sorted = [...entries].sort((a, b) => a.value - b.value);
    this.values = Float64Array.from(sorted, (e) => e.value);
    this.refs = Uint32Array.from(sorted, (e) => e.ref);
    const seen = new Set<number>();
    const ops: { value: number; ref: number }[] = [];
    for (const e of entries) {
      if (ops.length >= MAX_PAIR_OPERANDS) break;
      if (e.value === 0 || seen.has(e.value)) continue;
      seen.add(e.value);
      ops.push(e);
    }
    this.operands = Float64Array.from(ops, (e) => e.value);
    this.operandRefs = Uint32Array.from(ops, (e) => e.ref);
    this.refNames = refNames;
  }

  get size(): number {
    return this.values.length;
  }

  /** Index of a value within [lo, hi], or -1: a binary search. */
  find(lo: number, hi: number): number {
    const v = this.values;
    let a = 0;
    let b = v.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (v[mid]! < lo) a = mid + 1;
      else b = mid;
    }
    return a < v.length && v[a]! <= hi ? a : -1;
  }
}

export function collectSources(inputs: SourceInput[]): SourcePool {
  const entries: { value: number; ref: number }[] = [];
  const refNames: string[] = [];
  const add = (value: number, ref: number) => {
    if (entries.length < MAX_SOURCE_VALUES && Number.isFinite(value)) entries.push({ value: Math.abs(value), ref });
  };
  for (const input of inputs) {
    const ref = refNames.push(input.ref) - 1;
    const data = typeof input.data === 'string' ? parseJson(input.data) : input.data;
    if (typeof data === 'string') for (const n of numbersInText(data, MAX_SOURCE_VALUES - entries.length)) add(n, ref);
    else
      walk(
        data,
        0,
        (n) => add(n, ref),
        () => entries.length >= MAX_SOURCE_VALUES,
      );
    if (entries.length >= MAX_SOURCE_VALUES) break;
  }
  return new SourcePool(entries, refNames);
}

function parseJson(text: string): unknown {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const NUMERIC_STRING = /^\s*-?\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*$/i;

/** Every number in a JSON value, then each array's length and column totals. */
function walk(value: unknown, depth: number, add: (n: number) => void, full: () => boolean): void {
  if (depth > MAX_DEPTH || value === null || value === undefined || full()) return;
  if (typeof value === 'number') add(value);
  else if (typeof value === 'string') {
    if (NUMERIC_STRING.test(value)) add(Number(value));
    else for (const n of numbersInText(value, 50)) add(n);
  } else if (Array.isArray(value)) {
    if (value.length > 0) add(value.length);
    const columns = new Map<string, number>();
    for (const item of value) {
      if (full()) return;
      walk(item, depth + 1, add, full);
      if (value.length > 1) leaves(item, '', depth + 1, columns);
    }
    for (const total of columns.values()) add(total);
  } else if (typeof value === 'object') {
    for (const v of Object.values(value as Record<string, unknown>)) walk(v, depth + 1, add, full);
  }
}

/** Sums each numeric leaf of an array item by its path (array positions folded), into `columns`. */
function leaves(value: unknown, path: string, depth: number, columns: Map<string, number>): void {
  if (depth > MAX_DEPTH || value === null || value === undefined) return;
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && NUMERIC_STRING.test(value)) n = Number(value);
  if (n !== undefined) {
    if (Number.isFinite(n)) columns.set(path, (columns.get(path) ?? 0) + n);
    return;
  }
  if (Array.isArray(value)) for (const v of value) leaves(v, `${path}[]`, depth + 1, columns);
  else if (typeof value === 'object')
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) leaves(v, `${path}.${k}`, depth + 1, columns);
}
