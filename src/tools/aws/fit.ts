/**
 * Fits a shaped result into the character budget. List results lose items from the end of their
 * top-N first (keeping counts and groups intact, since those answer most questions), then every
 * array and string is cut progressively, always leaving a visible "… N more not shown".
 */
import type { Json } from './shape.js';

const size = (v: unknown) => JSON.stringify(v).length;

function compact(v: Json, maxArray: number, maxString: number): Json {
  if (typeof v === 'string') return v.length > maxString ? `${v.slice(0, maxString)}…` : v;
  if (Array.isArray(v)) {
    const kept = v.slice(0, maxArray).map((x) => compact(x, maxArray, maxString));
    if (v.length > maxArray) kept.push(`… ${v.length - maxArray} more not shown`);
    return kept;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) out[k] = compact(x, maxArray, maxString);
    return out;
  }
  return v;
}

export function fitToBudget(result: Json, maxChars: number): { value: Json; trimmed: boolean } {
  if (size(result) <= maxChars) return { value: result, trimmed: false };
  let value = result;
  // 1. List results: drop items from the tail of the top-N, keeping moreNotShown right.
  if (value && typeof value === 'object' && !Array.isArray(value) && Array.isArray(value.items)) {
    const obj = { ...value } as Record<string, Json>;
    const count = typeof obj.count === 'number' ? obj.count : (obj.items as Json[]).length;
    const all = obj.items as Json[];
    // Largest prefix of the top-N that fits (binary search: items differ in size).
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (size({ ...obj, items: all.slice(0, mid), moreNotShown: count }) <= maxChars) lo = mid;
      else hi = mid - 1;
    }
    const items = all.slice(0, lo);
    obj.items = items;
    if (count > items.length) obj.moreNotShown = count - items.length;
    value = obj;
    if (size(value) <= maxChars) return { value, trimmed: true };
  }
  // 2. Anything: cut arrays and strings harder until it fits.
  for (const [arr, str] of [
    [20, 300],
    [10, 200],
    [5, 120],
    [3, 80],
    [1, 60],
  ] as const) {
    const c = compact(value, arr, str);
    if (size(c) <= maxChars) return { value: c, trimmed: true };
  }
  // 3. Still too big (pathological width): say so rather than send broken JSON.
  const text = JSON.stringify(compact(value, 1, 60));
  return {
    value: { note: 'result too large to show; ask a narrower question', preview: text.slice(0, Math.max(0, maxChars - 120)) },
    trimmed: true,
  };
}
