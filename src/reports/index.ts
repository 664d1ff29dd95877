/**
 * The cost + security report's pure parts: what was asked for, which AWS calls to make, the numbers
 * computed from their results and the text the narrative model gets. No I/O, no SDKs: the
 * sentinel, the bot and the CLI may all import this folder (and only through this file). The
 * charts live in src/charts (they load Vega and resvg, which only the bot needs).
 */
export { reportBundle } from './bundle.js';
export { computeReport } from './compute.js';
export type { BundleResult, Report } from './types.js';
export {
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
} from './request.js';
export { SEVERITIES } from './types.js';
export { reportForModel, costTableLines, REPORT_NARRATIVE_INSTRUCTIONS } from './for-model.js';
export { formatMoney, formatDelta, formatPct, formatSpan, periodLabels } from './format.js';
