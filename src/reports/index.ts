/**
 * The weekly cost + security digest's pure parts: which AWS calls to make, the numbers computed
 * from their results, the text the narrative model gets, and the chart. No I/O, no SDKs: the
 * sentinel, the bot and the CLI may all import this folder (and only through this file).
 */
export { reportBundle, BUNDLE_KEYS, type BundleKey, type BundleCall } from './bundle.js';
export { computeReport, COST_ROWS_SHOWN } from './compute.js';
export type { BundleResult, Report, CostRow, Severity } from './types.js';
export { SEVERITIES } from './types.js';
export { reportForModel, costTableLines, REPORT_NARRATIVE_INSTRUCTIONS } from './for-model.js';
export { costChartPng, chartLayout, CHART_WIDTH, CHART_HEIGHT, CHART_COLOURS } from './chart.js';
export { formatAmount, formatMoney, formatDelta, formatPct, formatSpan, alignColumns } from './format.js';
export { digestPeriods, forecastSpan, type DaySpan } from './dates.js';
