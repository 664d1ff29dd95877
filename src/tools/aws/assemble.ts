/**
 * How one aws_query's per-region pages become the result the model reads: the regions it fans out
 * to, "absent" answers (a service switched off in a region), and the assembly (list collector or
 * single pick, truncation note, region errors, redact → cut → fit). Shared by hawk's runner and the
 * eval's replay runner, so `plainfra eval` judges exactly the shaping hawk does.
 */
import { parseArn } from './account-pin.js';
import type { ListCollector } from './collector.js';
import { errorCode } from './errors.js';
import { fitToBudget } from './fit.js';
import { redact } from './redact.js';
import { cutLongStrings, jsonSafe, pick, type Json } from './shape.js';
import type { OperationSpec } from './spec.js';
import type { AccountTarget } from './types.js';

export function regionsFor(
  spec: OperationSpec,
  account: AccountTarget,
  region: string | undefined,
  params: Record<string, unknown> = {},
): string[] {
  if (spec.scope === 'global') return ['us-east-1'];
  if (spec.scope === 'bucket') return [region ?? 'us-east-1'];
  if (region) return [region];
  // A resource named by ARN lives in the ARN's region: asking every configured region would only
  // add "not found" errors from the others (and spend their calls).
  const named = arnRegions(params);
  return named.length ? named : [...new Set(account.regions)];
}

/** The regions named by the ARNs among the params (nested values included), sorted; [] when none name one. */
function arnRegions(params: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6) return;
    if (typeof v === 'string') {
      const region = parseArn(v)?.region;
      if (region) found.add(region);
    } else if (Array.isArray(v)) for (const item of v) walk(item, depth + 1);
    else if (v !== null && typeof v === 'object') for (const item of Object.values(v)) walk(item, depth + 1);
  };
  walk(params, 0);
  return [...found].sort();
}

/** The answer for an error that means "not here" (e.g. Security Hub not enabled), or undefined. */
export function absentResult(spec: OperationSpec, err: unknown): Json | undefined {
  if (!spec.absentOn) return undefined;
  const e = err as { name?: string; Code?: string };
  for (const code of [e?.name, e?.Code, errorCode(err)]) {
    if (code && spec.absentOn[code]) return { absent: true, code, note: spec.absentOn[code] };
  }
  return undefined;
}

/** What a page contributes when the operation has no list collector. */
export function singleOf(spec: OperationSpec, page: unknown): Json {
  return typeof spec.single === 'function' ? jsonSafe(spec.single(page)) : (pick(page, spec.single!) ?? {});
}

export interface RegionDone {
  region: string;
  truncated: boolean;
  single?: Json;
}

/** The result from the regions that answered; the caller has already checked at least one did. */
export function assembleResult(o: {
  regions: string[];
  collector?: ListCollector;
  done: RegionDone[];
  failed: { region: string; message: string }[];
  maxPages: number;
  maxResultChars: number;
}) {
  const fanOut = o.regions.length > 1;
  const truncatedRegions = o.done.filter((r) => r.truncated).map((r) => r.region);
  let result: Record<string, Json>;
  if (o.collector) {
    result = o.collector.result();
    // An absent-style answer in some region (e.g. Security Hub off) is worth saying.
    const absent = o.done.filter((r) => r.single !== undefined);
    if (absent.length > 0) result.notAvailable = Object.fromEntries(absent.map((r) => [r.region, r.single!]));
  } else {
    result =
      o.done.length === 1 && !fanOut
        ? asObject(o.done[0].single)
        : { byRegion: Object.fromEntries(o.done.map((r) => [r.region, r.single ?? null])) };
  }
  if (truncatedRegions.length > 0) {
    const where = fanOut ? ` in ${truncatedRegions.join(', ')}` : '';
    result.note = `Stopped after ${o.maxPages} pages${where}: counts cover only what was read. Add filters to narrow the question.`;
  }
  if (o.failed.length > 0) result.regionErrors = Object.fromEntries(o.failed.map((f) => [f.region, f.message]));
  if (fanOut) result.regions = o.regions;
  // Redact first, then cut: a secret straddling the 400-character cut must be whole when the
  // detectors see it.
  const red = redact(result);
  const fitted = fitToBudget(cutLongStrings(red.value as Json), o.maxResultChars);
  return {
    result: fitted.value,
    truncated: truncatedRegions.length > 0,
    redactions: red.count,
    redactionKinds: red.kinds,
    trimmed: fitted.trimmed,
  };
}

function asObject(v: Json | undefined): Record<string, Json> {
  return v && typeof v === 'object' && !Array.isArray(v) ? { ...v } : { value: v ?? null };
}
