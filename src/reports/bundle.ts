/**
 * The digest's fixed bundle of read-only AWS calls. Pure data: the lead's flow hands each `input`
 * to hawk as an ordinary `aws_query` (same allowlist, refusal and shaping as the agent's calls).
 * Deliberately imports nothing from `src/tools/aws` (that would pull the AWS SDK into the sentinel).
 */
import type { AwsQueryToolInput } from '../queues/index.js';
import { dayAfter, forecastSpan, reportPeriods } from './dates.js';
import { DEFAULT_REPORT_REQUEST, type ReportRequest } from './request.js';

export const BUNDLE_KEYS = ['cost_this', 'cost_prev', 'forecast', 'anomalies', 'findings', 'new_critical'] as const;
export type BundleKey = (typeof BUNDLE_KEYS)[number];
/** The Cost Explorer reads (4 requests per account when none paginates) and the Security Hub reads. */
export const COST_KEYS: readonly BundleKey[] = ['cost_this', 'cost_prev', 'forecast', 'anomalies'];
export const SECURITY_KEYS: readonly BundleKey[] = ['findings', 'new_critical'];

/** The bundle keys a request asks for: `cost` makes no Security Hub call, `security` no Cost Explorer call. */
export function bundleKeysFor(what: ReportRequest['what']): readonly BundleKey[] {
  return what === 'cost' ? COST_KEYS : what === 'security' ? SECURITY_KEYS : BUNDLE_KEYS;
}

export interface BundleCall {
  key: BundleKey;
  input: AwsQueryToolInput;
}

const eq = (Value: string) => ({ Value, Comparison: 'EQUALS' });
/** What the Security Hub console shows by default: active findings nobody has resolved or suppressed. */
const OPEN_FINDINGS = {
  RecordState: [eq('ACTIVE')],
  WorkflowStatus: [eq('NEW'), eq('NOTIFIED')],
};

/**
 * The calls for a report of `accountName` made on `today` (UTC), for the request's scope and period.
 * Security Hub calls carry no region, so hawk fans out over the account's configured regions and
 * merges the counts.
 */
export function reportBundle(
  accountName: string,
  today: Date,
  request: Pick<ReportRequest, 'what' | 'period'> = DEFAULT_REPORT_REQUEST,
): BundleCall[] {
  const { current, previous } = reportPeriods(today, request.period);
  const params: Record<BundleKey, Record<string, unknown>> = {
    cost_this: costBy(current, 'DAILY'),
    cost_prev: costBy(previous, 'MONTHLY'),
    forecast: forecastParams(forecastSpan(today)),
    // Both dates inclusive: the same days as the cost table.
    anomalies: { DateInterval: { StartDate: current.start, EndDate: current.end } },
    findings: { Filters: OPEN_FINDINGS },
    new_critical: newCriticalParams(current),
  };
  return bundleKeysFor(request.what).map((key) => ({
    key,
    input: { account: accountName, service: SERVICE_OF[key], operation: OPERATION_OF[key], params: params[key] },
  }));
}

/** Which service and operation each bundle key reads. */
const SERVICE_OF: Record<BundleKey, 'ce' | 'securityhub'> = {
  cost_this: 'ce',
  cost_prev: 'ce',
  forecast: 'ce',
  anomalies: 'ce',
  findings: 'securityhub',
  new_critical: 'securityhub',
};
const OPERATION_OF: Record<BundleKey, string> = {
  cost_this: 'GetCostAndUsage',
  cost_prev: 'GetCostAndUsage',
  forecast: 'GetCostForecast',
  anomalies: 'GetAnomalies',
  findings: 'GetFindings',
  new_critical: 'GetFindings',
};

type Span = { start: string; end: string };

/**
 * The current period by day (the daily chart; hawk also sums it per service for the table), the
 * previous one by month (only its totals per service are compared). One request each unless
 * Cost Explorer paginates, which it does not for one group-by over at most 31 days.
 */
function costBy(span: Span, granularity: 'DAILY' | 'MONTHLY') {
  return {
    TimePeriod: { Start: span.start, End: dayAfter(span.end) },
    Granularity: granularity,
    Metrics: ['UnblendedCost'],
    GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
  };
}

/**
 * Start must be today or later and End (exclusive) after it: the first of next month always is,
 * including on the last day of a month ([today, today+1)).
 */
function forecastParams(forecast: Span) {
  return { TimePeriod: { Start: forecast.start, End: dayAfter(forecast.end) }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' };
}

function newCriticalParams(current: Span) {
  return {
    Filters: {
      ...OPEN_FINDINGS,
      SeverityLabel: [eq('CRITICAL')],
      // Exactly the reported period (its last day included, today excluded), so consecutive
      // weekly digests neither overlap nor leave a gap.
      CreatedAt: [{ Start: `${current.start}T00:00:00.000Z`, End: `${dayAfter(current.end)}T00:00:00.000Z` }],
    },
    SortCriteria: [{ Field: 'CreatedAt', SortOrder: 'desc' }],
  };
}
