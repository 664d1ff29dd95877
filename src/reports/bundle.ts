/**
 * The digest's fixed bundle of read-only AWS calls. Pure data: the lead's flow hands each `input`
 * to hawk as an ordinary `aws_query` (same allowlist, refusal and shaping as the agent's calls).
 * Deliberately imports nothing from `src/tools/aws` (that would pull the AWS SDK into the sentinel).
 */
import type { AwsQueryToolInput } from '../queues/catalog.js';
import { dayAfter, digestPeriods, forecastSpan } from './dates.js';

export const BUNDLE_KEYS = ['cost_this', 'cost_prev', 'forecast', 'anomalies', 'findings', 'new_critical'] as const;
export type BundleKey = (typeof BUNDLE_KEYS)[number];

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
 * The calls for a digest of `accountName` made on `today` (UTC). Security Hub calls carry no region,
 * so hawk fans out over the account's configured regions and merges the counts.
 */
export function reportBundle(accountName: string, today: Date): BundleCall[] {
  const { thisWeek, lastWeek } = digestPeriods(today);
  const forecast = forecastSpan(today);
  const costBy = (span: { start: string; end: string }) => ({
    TimePeriod: { Start: span.start, End: dayAfter(span.end) },
    Granularity: 'MONTHLY',
    Metrics: ['UnblendedCost'],
    GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
  });
  return [
    { key: 'cost_this', input: { account: accountName, service: 'ce', operation: 'GetCostAndUsage', params: costBy(thisWeek) } },
    { key: 'cost_prev', input: { account: accountName, service: 'ce', operation: 'GetCostAndUsage', params: costBy(lastWeek) } },
    {
      key: 'forecast',
      input: {
        account: accountName,
        service: 'ce',
        operation: 'GetCostForecast',
        // Start must be today or later and End (exclusive) after it: the first of next month always is,
        // including on the last day of a month ([today, today+1)).
        params: { TimePeriod: { Start: forecast.start, End: dayAfter(forecast.end) }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' },
      },
    },
    {
      key: 'anomalies',
      input: {
        account: accountName,
        service: 'ce',
        operation: 'GetAnomalies',
        // Both dates inclusive: the same 7 days as the cost table.
        params: { DateInterval: { StartDate: thisWeek.start, EndDate: thisWeek.end } },
      },
    },
    {
      key: 'findings',
      input: { account: accountName, service: 'securityhub', operation: 'GetFindings', params: { Filters: OPEN_FINDINGS } },
    },
    {
      key: 'new_critical',
      input: {
        account: accountName,
        service: 'securityhub',
        operation: 'GetFindings',
        params: {
          Filters: {
            ...OPEN_FINDINGS,
            SeverityLabel: [eq('CRITICAL')],
            // Exactly the reported week (its last day included, today excluded), so consecutive weekly
            // digests neither overlap nor leave a gap.
            CreatedAt: [{ Start: `${thisWeek.start}T00:00:00.000Z`, End: `${dayAfter(thisWeek.end)}T00:00:00.000Z` }],
          },
          SortCriteria: [{ Field: 'CreatedAt', SortOrder: 'desc' }],
        },
      },
    },
  ];
}
