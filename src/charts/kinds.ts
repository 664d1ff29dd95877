import type { Report } from '../reports/index.js';

export type ChartKind = 'cost-by-service' | 'daily-cost';

/**
 * Which charts a report gets, decided without rendering (the reply's parts are numbered before any
 * chart is drawn, so a retried reply knows which uploads it already made): cost by service needs
 * the cost table, daily cost the daily breakdown.
 */
export function chartKinds(report: Report): ChartKind[] {
  const out: ChartKind[] = [];
  if (report.cost && report.cost.rows.length > 0) out.push('cost-by-service');
  if (report.daily && report.daily.days.length > 0 && report.daily.series.length > 0) out.push('daily-cost');
  return out;
}
