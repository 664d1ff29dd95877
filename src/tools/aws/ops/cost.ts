/** Cost Explorer and Budgets. Both are global APIs served from us-east-1. */
import {
  type Anomaly,
  CostExplorerClient,
  GetAnomaliesCommand,
  type GetAnomaliesCommandOutput,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandOutput,
  GetCostForecastCommand,
  GetDimensionValuesCommand,
  type GetDimensionValuesCommandOutput,
  GetReservationUtilizationCommand,
  type GetReservationUtilizationCommandOutput,
  GetRightsizingRecommendationCommand,
  type GetRightsizingRecommendationCommandOutput,
  GetSavingsPlansUtilizationCommand,
  type RightsizingRecommendation,
  paginateGetAnomalies,
  paginateGetRightsizingRecommendation,
} from '@aws-sdk/client-cost-explorer';
import {
  type Budget,
  BudgetsClient,
  DescribeBudgetsCommand,
  type DescribeBudgetsCommandOutput,
  paginateDescribeBudgets,
} from '@aws-sdk/client-budgets';
import { z } from 'zod';
import { dateInterval, day, filterDoc, obj, pageSize, str, strs } from '../params.js';
import type { FieldSpec } from '../shape.js';
import { defineOps } from '../spec.js';
import { costTotals } from './cost-totals.js';
import { sdkOp } from './sdk-op.js';

const money: FieldSpec = ['Amount', 'Unit'];
const metrics: FieldSpec = [{ '*': money }];
const period: FieldSpec = ['Start', 'End'];
const granularity = z.enum(['DAILY', 'MONTHLY', 'HOURLY']);
const groupBy = z.array(z.strictObject({ Type: z.enum(['DIMENSION', 'TAG', 'COST_CATEGORY']), Key: str })).max(2);

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
  sdkOp<GetCostAndUsageCommandOutput>({
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
  }),
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
  sdkOp<GetAnomaliesCommandOutput, Anomaly>({
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
      groups: { service: (i) => i.RootCauses?.[0]?.Service },
      rank: (i) => Number(i.Impact?.TotalImpact ?? 0),
      sums: { totalImpact: (i) => Number(i.Impact?.TotalImpact ?? 0) },
    },
  }),
  sdkOp<GetDimensionValuesCommandOutput>({
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
  }),
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
  sdkOp<GetReservationUtilizationCommandOutput>({
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
  }),
  sdkOp<GetRightsizingRecommendationCommandOutput, RightsizingRecommendation>({
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
      groups: { type: (i) => i.RightsizingType },
      header: [{ Summary: ['TotalRecommendationCount', 'EstimatedTotalMonthlySavingsAmount', 'SavingsCurrencyCode', 'SavingsPercentage'] }],
    },
  }),
  sdkOp<DescribeBudgetsCommandOutput, Budget>({
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
      groups: { type: (i) => i.BudgetType },
    },
  }),
]);
