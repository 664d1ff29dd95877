import type { DaySpan } from './dates.js';

/** What hawk answered for one bundle call: its shaped result, or why there is none. */
export type BundleResult = { ok: true; result: unknown } | { ok: false; message: string };

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface CostRow {
  /** AWS service name as Cost Explorer spells it (untrusted text: escape before display), or the "Other (N services)" row. */
  service: string;
  thisWeek: number;
  lastWeek: number;
  delta: number;
  /** Percent change, one decimal; null when last week was 0. */
  deltaPct: number | null;
}

export interface Report {
  account: string;
  /** Whole UTC days; `end` is the last day included. */
  period: { thisWeek: DaySpan; lastWeek: DaySpan };
  /** ISO currency code of the cost figures (Cost Explorer's Unit), 'USD' when unknown. */
  currency: string;
  cost: {
    /** Top 8 services by this week's cost, then at most one "Other (N services)" row. Sums to the totals. */
    rows: CostRow[];
    totalThis: number;
    totalPrev: number;
    delta: number;
    deltaPct: number | null;
  } | null;
  /** Forecast for the rest of the current month; `end` is the last day included. */
  forecast: { amount: number; start: string; end: string } | null;
  anomalies: { count: number; top: { description: string; impact: number }[] } | null;
  findings: { bySeverity: Record<Severity, number>; total: number } | null;
  /** Critical findings created this week, in hawk's order (as many as hawk's result budget kept). */
  newCritical: { title: string; resource?: string }[] | null;
  /** How many critical findings were created this week (can exceed `newCritical.length`). */
  newCriticalCount: number | null;
  /** Why a section is missing or incomplete; plain text, partly quoting AWS (escape before display). */
  problems: string[];
}
