/**
 * Draws the two charts of a fixed sample report into docs/img/ with the renderer the bot uses
 * (`npx tsx bench/render-example-charts.ts`). The numbers are a made-up but realistic week of a
 * mid-size account: ten services, costs drifting through the week.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderReportCharts } from '../src/charts/render.js';
import { computeReport } from '../src/reports/index.js';

const SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'Amazon Relational Database Service',
  'Amazon Simple Storage Service',
  'AWS Lambda',
  'Amazon CloudFront',
  'Amazon DynamoDB',
  'Amazon Elastic Load Balancing',
  'AmazonCloudWatch',
  'Amazon Virtual Private Cloud',
  'AWS Key Management Service',
];
const DAYS = ['2024-05-28', '2024-05-29', '2024-05-30', '2024-05-31', '2024-06-01', '2024-06-02', '2024-06-03'];
const round = (n: number) => Math.round(n * 100) / 100;
const perDay = (k: number, d: number) => round((400 / (k + 1)) * (1 + 0.15 * Math.sin(d + k)));

// What hawk's shaping makes of the DAILY and MONTHLY GetCostAndUsage answers (see src/tools/aws/ops/cost.ts).
const week = SERVICES.map((s, k) => ({ group: s, UnblendedCost: round(DAYS.reduce((a, _d, i) => a + perDay(k, i), 0)) }));
const current = {
  grandTotal: { UnblendedCost: { Amount: round(week.reduce((a, g) => a + g.UnblendedCost, 0)), Unit: 'USD' } },
  totalsByGroup: week,
  byPeriod: {
    metric: 'UnblendedCost',
    starts: DAYS,
    groups: SERVICES.slice(0, 6).map((s, k) => ({ group: s, values: DAYS.map((_d, i) => perDay(k, i)) })),
    other: DAYS.map((_d, i) => round(SERVICES.slice(6).reduce((a, _s, j) => a + perDay(j + 6, i), 0))),
    otherGroups: SERVICES.length - 6,
  },
};
const before = week.map((g, k) => ({ group: g.group, UnblendedCost: round(g.UnblendedCost * (k % 3 === 0 ? 0.8 : 1.1)) }));
const previous = {
  grandTotal: { UnblendedCost: { Amount: round(before.reduce((a, g) => a + g.UnblendedCost, 0)), Unit: 'USD' } },
  totalsByGroup: before,
};

const report = computeReport(
  'acme-prod',
  new Date('2024-06-04T09:00:00Z'),
  {
    cost_this: { ok: true, result: current },
    cost_prev: { ok: true, result: previous },
    forecast: { ok: true, result: { Total: { Amount: '21012.40', Unit: 'USD' } } },
    anomalies: { ok: true, result: { count: 0, items: [] } },
  },
  { what: 'cost', period: '7d' },
);

mkdirSync('docs/img', { recursive: true });
for (const chart of await renderReportCharts(report)) {
  writeFileSync(`docs/img/${chart.kind}.png`, chart.png);
  console.log(`docs/img/${chart.kind}.png  ${chart.png.readUInt32BE(16)}×${chart.png.readUInt32BE(20)}  ${chart.png.length} bytes`);
}
