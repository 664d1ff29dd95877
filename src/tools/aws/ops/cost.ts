/** Cost Explorer and Budgets. Both are global APIs served from us-east-1. */
import {
  CostExplorerClient,
  GetAnomaliesCommand,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  GetDimensionValuesCommand,
  GetReservationUtilizationCommand,
  GetRightsizingRecommendationCommand,
  GetSavingsPlansUtilizationCommand,
  paginateGetAnomalies,
  paginateGetRightsizingRecommendation,
} from '@aws-sdk/client-cost-explorer';
import { BudgetsClient, DescribeBudgetsCommand, paginateDescribeBudgets } from '@aws-sdk/client-budgets';
import { z } from 'zod';
import type { PageAggregator } from '../collector.js';
import { dateInterval, day, filterDoc, obj, pageSize, str, strs } from '../params.js';
import type { FieldSpec, Json } from '../shape.js';
import { defineOps } from '../spec.js';

const money: FieldSpec = ['Amount', 'Unit'];
const metrics: FieldSpec = [{ '*': money }];
const period: FieldSpec = ['Start', 'End'];
const granularity = z.enum(['DAILY', 'MONTHLY', 'HOURLY']);
const groupBy = z.array(z.strictObject({ Type: z.enum(['DIMENSION', 'TAG', 'COST_CATEGORY']), Key: str })).max(2);

/** Groups kept in `totalsByGroup`; the long tail is summed into `otherGroups`. */
const TOP_COST_GROUPS = 20;
/** Groups given their own series in `byPeriod` (a daily chart's stack); the rest are summed per period. */
const TOP_PERIOD_GROUPS = 6;
/** Periods kept in `byPeriod`: 62 days, or five years of months. */
const MAX_PERIODS = 62;

/**
 * Sums each metric per group key over all periods and pages, so "top services last quarter" is one
 * small table even when the daily breakdown is far too big to show.
 */
function costTotals(): PageAggregator {
  const byGroup = new Map<string, Map<string, number>>();
  /** First metric per period start and group (for `byPeriod`). */
  const perPeriod = new Map<string, Map<string, number>>();
  let firstMetric: string | undefined;
  const grand = new Map<string, number>();
  const units = new Map<string, string>();
  // Cost Explorer marks periods whose data is not final yet (the last day or two) Estimated.
  const estimated: { Start: string; End: string }[] = [];
  let byRecordType = false;
  const add = (target: Map<string, number>, m: Record<string, { Amount?: string; Unit?: string }> | undefined) => {
    for (const [name, v] of Object.entries(m ?? {})) {
      const n = Number(v?.Amount);
      if (!Number.isFinite(n)) continue;
      target.set(name, (target.get(name) ?? 0) + n);
      if (v?.Unit) units.set(name, v.Unit);
    }
  };
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    add(page: any) {
      if ((page?.GroupDefinitions ?? []).some((g: any) => g?.Key === 'RECORD_TYPE')) byRecordType = true;
      for (const p of page?.ResultsByTime ?? []) {
        const start = typeof p.TimePeriod?.Start === 'string' ? p.TimePeriod.Start : undefined;
        if (start && !perPeriod.has(start) && perPeriod.size < MAX_PERIODS) perPeriod.set(start, new Map());
        if (p?.Estimated === true && estimated.length < 400)
          estimated.push({ Start: String(p.TimePeriod?.Start), End: String(p.TimePeriod?.End) });
        if (Array.isArray(p.Groups) && p.Groups.length > 0) {
          for (const g of p.Groups) {
            const key = (g.Keys ?? []).join(' | ') || '(none)';
            firstMetric ??= Object.keys(g.Metrics ?? {})[0];
            const v = Number(g.Metrics?.[firstMetric ?? '']?.Amount);
            const slot = start ? perPeriod.get(start) : undefined;
            if (slot && Number.isFinite(v)) slot.set(key, (slot.get(key) ?? 0) + v);
            let m = byGroup.get(key);
            if (!m) byGroup.set(key, (m = new Map()));
            add(m, g.Metrics);
            add(grand, g.Metrics);
          }
        } else {
          add(grand, p.Total);
        }
      }
    },
    result() {
      const out: Record<string, Json> = {
        grandTotal: Object.fromEntries([...grand].map(([k, v]) => [k, { Amount: round(v), Unit: units.get(k) ?? null }])),
        // Said plainly for the model: which figures may still change, and what the totals include.
        estimatedPeriods: mergePeriods(estimated),
        chargeTypes: byRecordType
          ? 'grouped by RECORD_TYPE: usage, credits, refunds, tax … are separate groups'
          : 'not grouped by RECORD_TYPE: totals are net (usage minus credits and refunds, plus tax and fees); group by RECORD_TYPE to see them apart',
      };
      if (byGroup.size > 0) {
        const first = [...grand.keys()][0];
        const sorted = [...byGroup].sort((a, b) => (b[1].get(first) ?? 0) - (a[1].get(first) ?? 0));
        out.totalsByGroup = sorted.slice(0, TOP_COST_GROUPS).map(([key, m]) => ({
          group: key,
          ...Object.fromEntries([...m].map(([k, v]) => [k, round(v)])),
        }));
        const rest = sorted.slice(TOP_COST_GROUPS);
        if (rest.length > 0) {
          out.otherGroups = { groups: rest.length, [first]: round(rest.reduce((s, [, m]) => s + (m.get(first) ?? 0), 0)) };
        }
        // Several periods (a DAILY query): the top groups' amount per period, the rest summed, so a
        // chart of cost per day by service fits in a few hundred characters.
        if (perPeriod.size > 1 && firstMetric) {
          const starts = [...perPeriod.keys()].sort();
          const top = sorted.slice(0, TOP_PERIOD_GROUPS).map(([key]) => key);
          const topSet = new Set(top);
          out.byPeriod = {
            metric: firstMetric,
            starts,
            groups: top.map((key) => ({ group: key, values: starts.map((s) => round(perPeriod.get(s)!.get(key) ?? 0)) })),
            other: starts.map((s) => round([...perPeriod.get(s)!].reduce((sum, [k, v]) => (topSet.has(k) ? sum : sum + v), 0))),
            otherGroups: Math.max(0, byGroup.size - top.length),
          };
        }
      }
      return out;
    },
  };
}

/** Consecutive estimated periods as one span (30 estimated days read as one line, not 30). */
function mergePeriods(periods: { Start: string; End: string }[]): Json {
  const merged: { Start: string; End: string }[] = [];
  for (const p of [...periods].sort((a, b) => a.Start.localeCompare(b.Start))) {
    const last = merged[merged.length - 1];
    if (last && p.Start <= last.End) last.End = p.End > last.End ? p.End : last.End;
    else merged.push({ ...p });
  }
  return merged;
}

const utilization: FieldSpec = [
  'UtilizationPercentage',
  'PurchasedHours',
  'TotalActualHours',
  'UnusedHours',
  'NetRISavings',
  'TotalPotentialRISavings',
  'OnDemandCostOfRIHoursUsed',
  'TotalAmortizedFee',
];
const spUtilization: FieldSpec = [
  { Utilization: ['TotalCommitment', 'UsedCommitment', 'UnusedCommitment', 'UtilizationPercentage'] },
  { Savings: ['NetSavings', 'OnDemandCostEquivalent'] },
  { AmortizedCommitment: ['AmortizedRecurringCommitment', 'AmortizedUpfrontCommitment', 'TotalAmortizedCommitment'] },
];

export const costOps = defineOps([
  {
    service: 'ce',
    operation: 'GetCostAndUsage',
    client: CostExplorerClient,
    command: GetCostAndUsageCommand,
    scope: 'global',
    params: obj({
      TimePeriod: dateInterval,
      Granularity: granularity,
      Metrics: strs(7).min(1),
      GroupBy: groupBy.optional(),
      Filter: filterDoc.optional(),
    }),
    // Cost Explorer has no JS paginator for this operation: hawk loops on NextPageToken.
    paging: { input: 'NextPageToken', output: 'NextPageToken' },
    list: {
      items: (p) => p.ResultsByTime,
      item: [{ TimePeriod: period }, { Total: metrics }, { Groups: ['Keys', { Metrics: metrics }] }, 'Estimated'],
      aggregate: costTotals,
      header: [{ GroupDefinitions: ['Type', 'Key'] }],
    },
  },
  {
    service: 'ce',
    operation: 'GetCostForecast',
    client: CostExplorerClient,
    command: GetCostForecastCommand,
    scope: 'global',
    params: obj({
      TimePeriod: dateInterval,
      Metric: z.enum([
        'BLENDED_COST',
        'UNBLENDED_COST',
        'AMORTIZED_COST',
        'NET_UNBLENDED_COST',
        'NET_AMORTIZED_COST',
        'USAGE_QUANTITY',
        'NORMALIZED_USAGE_AMOUNT',
      ]),
      Granularity: granularity,
      Filter: filterDoc.optional(),
      PredictionIntervalLevel: z.number().int().min(51).max(99).optional(),
    }),
    single: [
      { Total: money },
      { ForecastResultsByTime: [{ TimePeriod: period }, 'MeanValue', 'PredictionIntervalLowerBound', 'PredictionIntervalUpperBound'] },
    ],
  },
  {
    service: 'ce',
    operation: 'GetAnomalies',
    client: CostExplorerClient,
    command: GetAnomaliesCommand,
    scope: 'global',
    params: obj({
      DateInterval: z.strictObject({ StartDate: day, EndDate: day.optional() }),
      MonitorArn: str.optional(),
      Feedback: z.enum(['YES', 'NO', 'PLANNED_ACTIVITY']).optional(),
      TotalImpact: filterDoc.optional(),
      MaxResults: pageSize(1, 100).optional(),
    }),
    pins: [{ param: 'MonitorArn', kind: 'arn', service: 'ce' }],
    paging: { input: 'NextPageToken', output: 'NextPageToken', sizeParam: 'MaxResults', pageSize: 100, paginator: paginateGetAnomalies },
    list: {
      items: (p) => p.Anomalies,
      item: [
        'AnomalyId',
        'AnomalyStartDate',
        'AnomalyEndDate',
        'DimensionValue',
        'MonitorArn',
        'Feedback',
        { RootCauses: ['Service', 'Region', 'LinkedAccount', 'LinkedAccountName', 'UsageType'] },
        { AnomalyScore: ['MaxScore', 'CurrentScore'] },
        { Impact: ['MaxImpact', 'TotalImpact', 'TotalActualSpend', 'TotalExpectedSpend', 'TotalImpactPercentage'] },
      ],
      groups: { service: (i: any) => i.RootCauses?.[0]?.Service },
      rank: (i: any) => Number(i.Impact?.TotalImpact ?? 0),
      sums: { totalImpact: (i: any) => Number(i.Impact?.TotalImpact ?? 0) },
    },
  },
  {
    service: 'ce',
    operation: 'GetDimensionValues',
    client: CostExplorerClient,
    command: GetDimensionValuesCommand,
    scope: 'global',
    params: obj({
      TimePeriod: dateInterval,
      Dimension: str,
      SearchString: str.optional(),
      Context: z.enum(['COST_AND_USAGE', 'RESERVATIONS', 'SAVINGS_PLANS']).optional(),
      Filter: filterDoc.optional(),
    }),
    paging: { input: 'NextPageToken', output: 'NextPageToken' },
    list: { items: (p) => p.DimensionValues, item: ['Value', { Attributes: ['*'] }] },
  },
  {
    service: 'ce',
    operation: 'GetSavingsPlansUtilization',
    client: CostExplorerClient,
    command: GetSavingsPlansUtilizationCommand,
    scope: 'global',
    params: obj({ TimePeriod: dateInterval, Granularity: z.enum(['DAILY', 'MONTHLY']).optional(), Filter: filterDoc.optional() }),
    single: [{ Total: spUtilization }, { SavingsPlansUtilizationsByTime: [{ TimePeriod: period }, ...spUtilization] }],
    absentOn: { DataUnavailableException: 'No Savings Plans data for this period (the account may have no Savings Plans).' },
  },
  {
    service: 'ce',
    operation: 'GetReservationUtilization',
    client: CostExplorerClient,
    command: GetReservationUtilizationCommand,
    scope: 'global',
    params: obj({
      TimePeriod: dateInterval,
      Granularity: z.enum(['DAILY', 'MONTHLY']).optional(),
      GroupBy: groupBy.optional(),
      Filter: filterDoc.optional(),
    }),
    paging: { input: 'NextPageToken', output: 'NextPageToken' },
    list: {
      items: (p) => p.UtilizationsByTime,
      item: [
        { TimePeriod: period },
        { Total: utilization },
        { Groups: ['Key', 'Value', { Attributes: ['*'] }, { Utilization: utilization }] },
      ],
      header: [{ Total: utilization }],
    },
    absentOn: { DataUnavailableException: 'No Reserved Instance data for this period (the account may have no reservations).' },
  },
  {
    service: 'ce',
    operation: 'GetRightsizingRecommendation',
    client: CostExplorerClient,
    command: GetRightsizingRecommendationCommand,
    scope: 'global',
    params: obj({
      Service: z.literal('AmazonEC2').default('AmazonEC2'),
      Filter: filterDoc.optional(),
      Configuration: z
        .strictObject({ RecommendationTarget: z.enum(['SAME_INSTANCE_FAMILY', 'CROSS_INSTANCE_FAMILY']), BenefitsConsidered: z.boolean() })
        .optional(),
      PageSize: pageSize(1, 100).optional(),
    }),
    fixedInput: (p) => ({ Service: p.Service ?? 'AmazonEC2' }),
    paging: {
      input: 'NextPageToken',
      output: 'NextPageToken',
      sizeParam: 'PageSize',
      pageSize: 100,
      paginator: paginateGetRightsizingRecommendation,
    },
    list: {
      items: (p) => p.RightsizingRecommendations,
      item: [
        'AccountId',
        'RightsizingType',
        'FindingReasonCodes',
        {
          CurrentInstance: [
            'ResourceId',
            'InstanceName',
            'MonthlyCost',
            'CurrencyCode',
            { ResourceDetails: [{ EC2ResourceDetails: ['InstanceType', 'Region', 'Platform'] }] },
          ],
        },
        {
          ModifyRecommendationDetail: [
            {
              TargetInstances: [
                'EstimatedMonthlyCost',
                'EstimatedMonthlySavings',
                'CurrencyCode',
                'DefaultTargetInstance',
                { ResourceDetails: [{ EC2ResourceDetails: ['InstanceType'] }] },
              ],
            },
          ],
        },
        { TerminateRecommendationDetail: ['EstimatedMonthlySavings', 'CurrencyCode'] },
      ],
      groups: { type: (i: any) => i.RightsizingType },
      header: [{ Summary: ['TotalRecommendationCount', 'EstimatedTotalMonthlySavingsAmount', 'SavingsCurrencyCode', 'SavingsPercentage'] }],
    },
  },
  {
    service: 'budgets',
    operation: 'DescribeBudgets',
    client: BudgetsClient,
    command: DescribeBudgetsCommand,
    scope: 'global',
    params: obj({ MaxResults: pageSize(1, 100).optional() }),
    // The model does not know the account id; it is the one in the role ARN.
    fixedInput: (_p, accountId) => ({ AccountId: accountId }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: 100, paginator: paginateDescribeBudgets },
    list: {
      items: (p) => p.Budgets,
      item: [
        'BudgetName',
        'BudgetType',
        'TimeUnit',
        'LastUpdatedTime',
        { BudgetLimit: money },
        { TimePeriod: period },
        { CalculatedSpend: [{ ActualSpend: money }, { ForecastedSpend: money }] },
      ],
      groups: { type: (i: any) => i.BudgetType },
    },
  },
]);
