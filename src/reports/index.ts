/**
 * The cost + security report's pure parts: what was asked for, which AWS calls to make, the numbers
 * computed from their results and the text the narrative model gets. No I/O, no SDKs: the
 * sentinel, the bot and the CLI may all import this folder (and only through this file). The
 * charts live in src/charts (they load Vega and resvg, which only the bot needs).
 */
export { reportBundle, bundleKeysFor, BUNDLE_KEYS, COST_KEYS, SECURITY_KEYS, type BundleKey, type BundleCall } from './bundle.js';
export { computeReport, COST_ROWS_SHOWN, DAILY_SERVICES_SHOWN } from './compute.js';
export type { BundleResult, Report, CostRow, DailyCost, Severity } from './types.js';
export {
  parseReportWords,
  parseReportText,
  parseReportFlags,
  reportUsage,
  describeReportRequest,
  REPORT_WHATS,
  REPORT_PERIODS,
  DEFAULT_REPORT_REQUEST,
  type ReportRequest,
  type ReportWhat,
  type ReportPeriod,
  type ParsedReportRequest,
} from './request.js';
export { SEVERITIES } from './types.js';
export { reportForModel, costTableLines, REPORT_NARRATIVE_INSTRUCTIONS } from './for-model.js';
export { formatAmount, formatMoney, formatDelta, formatPct, formatSpan, alignColumns, periodLabels, type PeriodLabels } from './format.js';
export { reportPeriods, forecastSpan, daysIn, eachDay, type DaySpan, type ReportPeriods } from './dates.js';
