import type { DaySpan } from './dates.js';
import type { ReportPeriod, ReportWhat } from './request.js';

/** What hawk answered for one bundle call: its shaped result, or why there is none. */
export type BundleResult = { ok: true; result: unknown } | { ok: false; message: string };

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface CostRow {
  /** AWS service name as Cost Explorer spells it (untrusted text: escape before display), or the "Other (N services)" row. */
  service: string;
  current: number;
  previous: number;
  delta: number;
  /** Percent change, one decimal; null when the previous period was 0. */
  deltaPct: number | null;
}

/** Cost per day of the current period: the top services' stack, the rest as one "Other" series. */
export interface DailyCost {
  /** Every day of the period (`YYYY-MM-DD`), in order. */
  days: string[];
  /** Amount per day, same order as `days`; the last series may be "Other (N services)". */
  series: { service: string; values: number[] }[];
}

export interface Report {
  account: string;
  /** What was asked for: sections outside it are null and not shown (nor listed as missing). */
  what: ReportWhat;
  /** The period asked for (`7d`, `30d`, `mtd`, `last-month`); `period` holds its days. */
  periodKind: ReportPeriod;
  /** Whole UTC days; `end` is the last day included. */
  period: { current: DaySpan; previous: DaySpan };
  /** ISO currency code of the cost figures (Cost Explorer's Unit), 'USD' when unknown. */
  currency: string;
  cost: {
    /** Top 8 services by the current period's cost, then at most one "Other (N services)" row. Sums to the totals. */
    rows: CostRow[];
    totalThis: number;
    totalPrev: number;
    delta: number;
    deltaPct: number | null;
  } | null;
  /** Cost per day of the current period (the stacked chart); null when Cost Explorer gave no daily breakdown. */
  daily: DailyCost | null;
  /** Forecast for the rest of the current month; `end` is the last day included. */
  forecast: { amount: number; start: string; end: string } | null;
  anomalies: { count: number; top: { description: string; impact: number }[] } | null;
  findings: { bySeverity: Record<Severity, number>; total: number } | null;
  /** Critical findings created in the current period, in hawk's order (as many as hawk's result budget kept). */
  newCritical: { title: string; resource?: string }[] | null;
  /** How many critical findings were created in the current period (can exceed `newCritical.length`). */
  newCriticalCount: number | null;
  /** Why a section is missing or incomplete; plain text, partly quoting AWS (escape before display). */
  problems: string[];
}
