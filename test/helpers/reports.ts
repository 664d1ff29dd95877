import type { Report } from '../../src/reports/index.js';

/** A fixed report: what computeReport makes of a week of a small account's Cost Explorer answers. */
export function fixedReport(over: Partial<Report> = {}): Report {
  const rows: [string, number, number][] = [
    ['Amazon Elastic Compute Cloud - Compute', 700, 600],
    ['Amazon Relational Database Service', 300.5, 320.25],
    ['Amazon Simple Storage Service', 120.1, 100],
    ['AWS Lambda', 50, 0],
    ['Other (4 services)', 9.5, 47.5],
  ];
  const days = ['2024-05-28', '2024-05-29', '2024-05-30', '2024-05-31', '2024-06-01', '2024-06-02', '2024-06-03'];
  const share = [0.1, 0.12, 0.13, 0.14, 0.15, 0.17, 0.19];
  return {
    account: 'acme-prod',
    what: 'all',
    periodKind: '7d',
    period: { current: { start: '2024-05-28', end: '2024-06-03' }, previous: { start: '2024-05-21', end: '2024-05-27' } },
    currency: 'USD',
    cost: {
      rows: rows.map(([service, current, previous]) => ({
        service,
        current,
        previous,
        delta: Math.round((current - previous) * 100) / 100,
        deltaPct: previous ? Math.round(((current - previous) / previous) * 1000) / 10 : null,
      })),
      totalThis: 1180.1,
      totalPrev: 1067.75,
      delta: 112.35,
      deltaPct: 10.5,
    },
    daily: { days, series: rows.map(([service, current]) => ({ service, values: share.map((s) => Math.round(current * s * 100) / 100) })) },
    forecast: null,
    anomalies: null,
    findings: null,
    newCritical: null,
    newCriticalCount: null,
    problems: [],
    ...over,
  };
}
