/**
 * Response shaping primitives. The rule that matters for security: a field leaves hawk only if an
 * operation's field list names it. Nested objects are dropped unless their own fields are listed,
 * so a new field AWS adds tomorrow (or one we forgot, like Lambda `Environment`) never reaches the
 * model by default.
 */

/**
 * A field allow-list. A string copies a scalar (or an array of scalars); `{ Key: spec }` descends into
 * an object or an array of objects; `'*'` as a string copies every scalar of the object (only for
 * maps whose keys are data, like tag maps); `'#'` copies only its numbers and booleans (counter
 * maps like IAM's SummaryMap); `{ '*': spec }` applies `spec` to every value of a map with dynamic
 * keys (CE metrics).
 */
export type FieldSpec = readonly (string | { readonly [key: string]: FieldSpec })[];

/**
 * Long free-text fields (finding descriptions) are cut: they cost context and rarely matter. The cut
 * happens in {@link cutLongStrings}, *after* redaction: cutting first would leave a secret that
 * straddles the cut too short for its detector, and leak all but its last characters.
 */
export const MAX_STRING_CHARS = 400;
/** Arrays of scalars inside one item (e.g. CIDR lists) are cut at this length. */
const MAX_SCALAR_ARRAY = 50;

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
}

/** Scalars as JSON: Dates become ISO strings, bigints strings; objects are refused (undefined). */
export function scalar(v: unknown): Json | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v.slice(0, MAX_SCALAR_ARRAY)) {
      const s = scalar(x);
      if (s === undefined) return undefined; // array of objects: needs an explicit nested spec
      out.push(s);
    }
    if (v.length > MAX_SCALAR_ARRAY) out.push(`… ${v.length - MAX_SCALAR_ARRAY} more not shown`);
    return out;
  }
  return undefined;
}

/** Keeps only the fields `spec` lists; see {@link FieldSpec}. */
export function pick(value: unknown, spec: FieldSpec): Json | undefined {
  if (Array.isArray(value)) {
    return value.map((v) => pick(v, spec)).filter((v): v is Json => v !== undefined);
  }
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, Json> = {};
  for (const entry of spec) {
    if (typeof entry === 'string') {
      if (entry === '*' || entry === '#') {
        for (const [k, v] of Object.entries(value)) {
          if (entry === '#' && typeof v !== 'number' && typeof v !== 'boolean') continue;
          const s = scalar(v);
          if (s !== undefined) out[k] = s;
        }
        continue;
      }
      const s = scalar(value[entry]);
      if (s !== undefined) out[entry] = s;
      continue;
    }
    for (const [k, sub] of Object.entries(entry)) {
      if (k === '*') {
        for (const [dk, dv] of Object.entries(value)) {
          const p = pick(dv, sub);
          if (p !== undefined) out[dk] = p;
        }
        continue;
      }
      const p = pick(value[k], sub);
      if (p !== undefined) out[k] = p;
    }
  }
  return out;
}

/** Converts whatever a hand-written shaper built into JSON-safe data (Dates → ISO, no functions). */
export function jsonSafe(value: unknown): Json {
  const s = scalar(value);
  if (s !== undefined && !Array.isArray(s)) return s;
  if (Array.isArray(value)) return value.map((v) => jsonSafe(v));
  if (isPlainObject(value)) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonSafe(v);
    return out;
  }
  return value === undefined || value === null ? null : String(value);
}

/** Cuts every string (values and keys) to MAX_STRING_CHARS. Run it on redacted results only. */
export function cutLongStrings(value: Json, max = MAX_STRING_CHARS): Json {
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max)}…` : s);
  if (typeof value === 'string') return cut(value);
  if (Array.isArray(value)) return value.map((v) => cutLongStrings(v, max));
  if (value && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[cut(k)] = cutLongStrings(v, max);
    return out;
  }
  return value;
}

/** Reads a dotted path from SDK output (`State.Name`). */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const step of path.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[step];
  }
  return cur;
}

export type Shaped = Record<string, Json>;
export type { Json };
