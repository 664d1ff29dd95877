/**
 * Turns hawk's shaped results for the bundle into the digest's numbers. Every figure the digest
 * shows is computed here, in integer cents, from the tool results; the model only writes prose
 * around them. Results are untrusted `unknown` and read defensively: a missing field makes a
 * section smaller or null (with a problem), never a crash or NaN.
 */
import { bundleKeysFor, type BundleKey } from './bundle.js';
import { eachDay, forecastSpan, reportPeriods } from './dates.js';
import { DEFAULT_REPORT_REQUEST, type ReportRequest } from './request.js';
import { SEVERITIES, type BundleResult, type CostRow, type DailyCost, type Report, type Severity } from './types.js';

/** Services shown by name in the cost table; the rest become one "Other" row. */
export const COST_ROWS_SHOWN = 8;
/** Anomalies kept in `report.anomalies.top`. */
const TOP_ANOMALIES = 5;
const MAX_TEXT = 200;

const LABELS: Record<BundleKey, string> = {
  cost_this: 'Cost this period',
  cost_prev: 'Cost previous period',
  forecast: 'Cost forecast',
  anomalies: 'Cost anomalies',
  findings: 'Security Hub findings',
  new_critical: 'New critical findings',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objAt = (v: unknown, key: string): Obj | undefined => (isObj(v) && isObj(v[key]) ? (v[key] as Obj) : undefined);
const arrAt = (v: unknown, key: string): unknown[] => (isObj(v) && Array.isArray(v[key]) ? (v[key] as unknown[]) : []);

/** A finite number from a number or numeric string (Cost Explorer sends amounts as strings). */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
const toCents = (n: number) => Math.round(n * 100);
const fromCents = (c: number) => c / 100;
/** Rounds to cents (and turns -0 into 0). */
export const roundCents = (n: number) => fromCents(toCents(n)) || 0;
/** Percent change to one decimal; null when there is no base to compare with. */
export function pctChange(now: number, before: number): number | null {
  if (before === 0) return null;
  return Math.round(((now - before) / Math.abs(before)) * 1000) / 10 || 0;
}

function text(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.replace(/\s+/g, ' ').trim();
  if (!t) return undefined;
  return t.length > MAX_TEXT ? `${t.slice(0, MAX_TEXT - 1)}…` : t;
}

// ---------------------------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------------------------

interface CostWeek {
  /** Named services → cents (zero-cost services dropped). */
  byService: Map<string, number>;
  /** Cents not attributed to a named service (hawk's `otherGroups`, or a gap to the grand total). */
  tailCents: number;
  /** Services in the tail, as far as known. */
  tailServices: number;
  totalCents: number;
  unit?: string;
}

/** Reads a GetCostAndUsage result shaped by hawk: `grandTotal`, `totalsByGroup`, `otherGroups`. */
function readCostWeek(result: unknown, metric = 'UnblendedCost'): CostWeek | string {
  if (!isObj(result)) return 'the result was not an object';
  const grand = objAt(objAt(result, 'grandTotal'), metric);
  const grandAmount = num(grand?.Amount);
  const unit = typeof grand?.Unit === 'string' && /^[A-Z]{3}$/.test(grand.Unit) ? grand.Unit : undefined;
  const byService = new Map<string, number>();
  let groups = 0;
  for (const g of arrAt(result, 'totalsByGroup')) {
    if (!isObj(g)) continue; // e.g. "… N more not shown" left by hawk's size budget
    const amount = num(g[metric]);
    const name = text(g.group);
    if (amount === undefined || name === undefined) continue;
    groups++;
    const cents = toCents(amount);
    if (cents !== 0) byService.set(name, (byService.get(name) ?? 0) + cents);
  }
  const other = objAt(result, 'otherGroups');
  const otherAmount = num(other?.[metric]);
  let tailCents = otherAmount !== undefined ? toCents(otherAmount) : 0;
  let tailServices = otherAmount !== undefined ? Math.max(0, Math.trunc(num(other?.groups) ?? 0)) : 0;
  if (otherAmount !== undefined) groups++;
  const namedCents = [...byService.values()].reduce((s, c) => s + c, 0);
  if (groups === 0) {
    if (grandAmount === undefined) return `no ${metric} figures in the result`;
    return { byService, tailCents: toCents(grandAmount), tailServices: 0, totalCents: toCents(grandAmount), unit };
  }
  // Groups and the grand total are rounded separately by hawk: a cent per group is rounding. A
  // bigger gap means part of the breakdown was cut; it goes to the tail so the table still adds up.
  if (grandAmount !== undefined) {
    const gap = toCents(grandAmount) - (namedCents + tailCents);
    if (Math.abs(gap) > Math.max(1, groups)) {
      tailCents += gap;
      tailServices = Math.max(tailServices, 1);
    }
  }
  return { byService, tailCents, tailServices, totalCents: namedCents + tailCents, unit };
}

function costRow(service: string, thisCents: number, prevCents: number): CostRow {
  const current = fromCents(thisCents);
  const previous = fromCents(prevCents);
  return { service, current, previous, delta: fromCents(thisCents - prevCents), deltaPct: pctChange(thisCents, prevCents) };
}

function buildCost(now: CostWeek, prev: CostWeek): NonNullable<Report['cost']> {
  const names = new Set([...now.byService.keys(), ...prev.byService.keys()]);
  const ranked = [...names]
    .map((service) => ({ service, now: now.byService.get(service) ?? 0, prev: prev.byService.get(service) ?? 0 }))
    .sort((a, b) => b.now - a.now || b.prev - a.prev || a.service.localeCompare(b.service));
  const shown = ranked.slice(0, COST_ROWS_SHOWN);
  const rest = ranked.slice(COST_ROWS_SHOWN);
  const rows = shown.map((r) => costRow(r.service, r.now, r.prev));
  const restNow = rest.reduce((s, r) => s + r.now, 0) + now.tailCents;
  const restPrev = rest.reduce((s, r) => s + r.prev, 0) + prev.tailCents;
  // Tails of the two periods may hold the same services: count the bigger one, not both.
  const restServices = rest.length + Math.max(now.tailServices, prev.tailServices);
  if (restServices > 0 || restNow !== 0 || restPrev !== 0) {
    const n = Math.max(restServices, 1);
    rows.push(costRow(`Other (${n} service${n === 1 ? '' : 's'})`, restNow, restPrev));
  }
  return {
    rows,
    totalThis: fromCents(now.totalCents),
    totalPrev: fromCents(prev.totalCents),
    delta: fromCents(now.totalCents - prev.totalCents),
    deltaPct: pctChange(now.totalCents, prev.totalCents),
  };
}

// ---------------------------------------------------------------------------------------------
// Forecast, anomalies, findings
// ---------------------------------------------------------------------------------------------

function readForecast(result: unknown): number | string {
  const total = num(objAt(result, 'Total')?.Amount);
  if (total !== undefined) return roundCents(total);
  const means = arrAt(result, 'ForecastResultsByTime').map((p) => (isObj(p) ? num(p.MeanValue) : undefined));
  if (means.length > 0 && means.every((m) => m !== undefined)) return roundCents(means.reduce((s: number, m) => s + m!, 0));
  return 'no forecast amount in the result';
}

function anomalyDescription(a: Obj): string {
  const cause = arrAt(a, 'RootCauses').find(isObj);
  const parts: string[] = [];
  const service = text(cause?.Service) ?? text(a.DimensionValue);
  if (service) parts.push(service);
  const region = text(cause?.Region);
  if (region) parts.push(`in ${region}`);
  const usage = text(cause?.UsageType);
  if (usage) parts.push(`(${usage})`);
  const linked = text(cause?.LinkedAccountName) ?? text(cause?.LinkedAccount);
  if (linked) parts.push(`account ${linked}`);
  const start = text(a.AnomalyStartDate)?.slice(0, 10);
  if (start) parts.push(`since ${start}`);
  return parts.length > 0 ? parts.join(' ') : (text(a.AnomalyId) ?? 'unnamed anomaly');
}

function readAnomalies(result: unknown): NonNullable<Report['anomalies']> | string {
  if (!isObj(result)) return 'the result was not an object';
  const items = arrAt(result, 'items').filter(isObj);
  const count = Math.max(Math.trunc(num(result.count) ?? items.length), items.length);
  const top = items
    .map((a) => ({ description: anomalyDescription(a), impact: roundCents(num(objAt(a, 'Impact')?.TotalImpact) ?? 0) }))
    .sort((x, y) => y.impact - x.impact)
    .slice(0, TOP_ANOMALIES);
  return { count, top };
}

function readFindings(result: unknown): NonNullable<Report['findings']> | string {
  if (!isObj(result)) return 'the result was not an object';
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const groups = objAt(objAt(result, 'by'), 'severity');
  const items = arrAt(result, 'items').filter(isObj);
  if (groups) {
    for (const [label, n] of Object.entries(groups)) {
      const key = label.toUpperCase() as Severity;
      const v = num(n);
      if ((SEVERITIES as readonly string[]).includes(key) && v !== undefined) bySeverity[key] += Math.trunc(v);
    }
  } else {
    // No groups (e.g. an older hawk): count the items we have.
    for (const i of items) {
      const key = String(objAt(i, 'Severity')?.Label ?? '').toUpperCase() as Severity;
      if ((SEVERITIES as readonly string[]).includes(key)) bySeverity[key]++;
    }
  }
  const known = SEVERITIES.reduce((s, k) => s + bySeverity[k], 0);
  const count = num(result.count);
  if (count === undefined && !groups && items.length === 0 && !Array.isArray(result.items)) return 'no finding counts in the result';
  return { bySeverity, total: Math.max(Math.trunc(count ?? known), known) };
}

function readNewCritical(result: unknown): { list: NonNullable<Report['newCritical']>; count: number } | string {
  if (!isObj(result)) return 'the result was not an object';
  if (!Array.isArray(result.items) && num(result.count) === undefined) return 'no findings list in the result';
  const items = arrAt(result, 'items').filter(isObj);
  const list = items
    .filter((i) => {
      const label = objAt(i, 'Severity')?.Label;
      return label === undefined || String(label).toUpperCase() === 'CRITICAL';
    })
    .map((i) => {
      const resource = arrAt(i, 'Resources')
        .filter(isObj)
        .map((r) => text(r.Id))
        .find((id) => id !== undefined);
      return { title: text(i.Title) ?? text(i.Id) ?? 'untitled finding', ...(resource !== undefined && { resource }) };
    });
  return { list, count: Math.max(Math.trunc(num(result.count) ?? list.length), list.length) };
}

/** Notes hawk leaves on a partial result (page cap reached, some regions failed). */
function partialNotes(label: string, result: unknown): string[] {
  if (!isObj(result)) return [];
  const out: string[] = [];
  if (typeof result.note === 'string')
    out.push(`${label}: more results than plainfra reads in one call; figures cover only what was read.`);
  const errors = objAt(result, 'regionErrors');
  if (errors) {
    for (const [region, message] of Object.entries(errors))
      out.push(`${label}: ${region} could not be read (${text(message) ?? 'error'}).`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Services with their own colour in the daily chart; the rest are stacked as one "Other". */
export const DAILY_SERVICES_SHOWN = 5;

/**
 * Reads hawk's `byPeriod` of a DAILY GetCostAndUsage: per day, the top groups and the rest. Days
 * Cost Explorer left out (no usage) are zero; a service beyond DAILY_SERVICES_SHOWN joins "Other".
 */
function readDaily(result: unknown, span: { start: string; end: string }): DailyCost | null {
  const by = objAt(result, 'byPeriod');
  if (!by) return null;
  const starts = arrAt(by, 'starts').map((s) => (typeof s === 'string' ? s : ''));
  const days = eachDay(span);
  const index = new Map(days.map((d, i) => [d, i]));
  const series: { service: string; cents: number[] }[] = [];
  const other = days.map(() => 0);
  const add = (target: number[], values: unknown[]) =>
    values.forEach((v, i) => {
      const at = index.get(starts[i] ?? '');
      const n = num(v);
      if (at !== undefined && n !== undefined) target[at]! += toCents(n);
    });
  for (const g of arrAt(by, 'groups')) {
    const name = text(isObj(g) ? g.group : undefined);
    if (!isObj(g) || !name) continue;
    const cents = days.map(() => 0);
    add(cents, arrAt(g, 'values'));
    if (series.length < DAILY_SERVICES_SHOWN) series.push({ service: name, cents });
    else cents.forEach((c, i) => (other[i]! += c));
  }
  add(other, arrAt(by, 'other'));
  // The groups beyond those shown, as far as hawk counted them.
  const hidden = Math.max(0, Math.trunc(num(by.otherGroups) ?? 0)) + Math.max(0, arrAt(by, 'groups').length - series.length);
  const out: DailyCost = { days, series: series.map((s) => ({ service: s.service, values: s.cents.map(fromCents) })) };
  if (other.some((c) => c !== 0))
    out.series.push({ service: `Other (${Math.max(hidden, 1)} service${hidden === 1 ? '' : 's'})`, values: other.map(fromCents) });
  return out.series.length > 0 ? out : null;
}

export function computeReport(
  accountName: string,
  today: Date,
  results: Partial<Record<BundleKey, BundleResult>>,
  request: Pick<ReportRequest, 'what' | 'period'> = DEFAULT_REPORT_REQUEST,
): Report {
  const problems: string[] = [];
  const { take, read } = resultReader(results, bundleKeysFor(request.what), problems);

  const periods = reportPeriods(today, request.period);
  const thisResult = take('cost_this');
  const now = read('cost_this', thisResult, readCostWeek);
  const prev = read('cost_prev', take('cost_prev'), readCostWeek);
  const cost = now && prev ? buildCost(now, prev) : null;
  if (!cost && (now || prev)) problems.push('Cost table: needs both periods to compare, so it is left out.');
  const daily = now ? readDaily(thisResult, periods.current) : null;

  const span = forecastSpan(today);
  const forecastAmount = read('forecast', take('forecast'), readForecast);
  const anomalies = read('anomalies', take('anomalies'), readAnomalies);
  const findings = read('findings', take('findings'), readFindings);
  const critical = read('new_critical', take('new_critical'), readNewCritical);

  return {
    account: accountName,
    what: request.what,
    periodKind: request.period,
    period: periods,
    currency: now?.unit ?? prev?.unit ?? 'USD',
    cost,
    daily,
    forecast: forecastAmount === null ? null : { amount: forecastAmount, start: span.start, end: span.end },
    anomalies,
    findings,
    newCritical: critical?.list ?? null,
    newCriticalCount: critical?.count ?? null,
    problems,
  };
}

/** Reads the bundle's results, noting in `problems` (in reading order) each one missing or unusable. */
function resultReader(results: Partial<Record<BundleKey, BundleResult>>, wanted: readonly BundleKey[], problems: string[]) {
  /** The result of `key`, or undefined after noting why it is missing (silently when not asked for). */
  const take = (key: BundleKey): unknown => {
    if (!wanted.includes(key)) return undefined;
    const r = results[key];
    if (!r) {
      problems.push(`${LABELS[key]}: not collected.`);
      return undefined;
    }
    if (!r.ok) {
      problems.push(`${LABELS[key]}: ${text(r.message) ?? 'the call failed'}`);
      return undefined;
    }
    problems.push(...partialNotes(LABELS[key], r.result));
    return r.result;
  };
  /** Runs a reader; a string it returns is a problem and the section becomes null. */
  const read = <T>(key: BundleKey, result: unknown, reader: (r: unknown) => T | string): T | null => {
    if (result === undefined) return null;
    const out = reader(result);
    if (typeof out === 'string') {
      problems.push(`${LABELS[key]}: ${out}.`);
      return null;
    }
    return out;
  };
  return { take, read };
}
