/** CloudWatch, CloudTrail, Config, Health, resource tagging and Trusted Advisor. */
import {
  CloudWatchClient,
  type CompositeAlarm,
  type Datapoint,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  GetMetricStatisticsCommand,
  type GetMetricStatisticsCommandOutput,
  ListMetricsCommand,
  type ListMetricsCommandOutput,
  type Metric,
  type MetricAlarm,
  type MetricDataResult,
  paginateDescribeAlarms,
  paginateGetMetricData,
  paginateListMetrics,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  type Event as TrailEvent,
  LookupEventsCommand,
  type LookupEventsCommandOutput,
  paginateLookupEvents,
} from '@aws-sdk/client-cloudtrail';
import {
  type ComplianceByConfigRule,
  type ConfigRule,
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  type DescribeComplianceByConfigRuleCommandOutput,
  DescribeConfigRulesCommand,
  type DescribeConfigRulesCommandOutput,
  type EvaluationResult,
  GetComplianceDetailsByConfigRuleCommand,
  type GetComplianceDetailsByConfigRuleCommandOutput,
  paginateDescribeComplianceByConfigRule,
  paginateDescribeConfigRules,
  paginateGetComplianceDetailsByConfigRule,
} from '@aws-sdk/client-config-service';
import {
  DescribeEventsCommand,
  type DescribeEventsCommandOutput,
  type Event as HealthEvent,
  HealthClient,
  paginateDescribeEvents,
} from '@aws-sdk/client-health';
import {
  GetResourcesCommand,
  type GetResourcesCommandOutput,
  ResourceGroupsTaggingAPIClient,
  type ResourceTagMapping,
  paginateGetResources,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  DescribeTrustedAdvisorCheckResultCommand,
  type DescribeTrustedAdvisorCheckResultCommandOutput,
  DescribeTrustedAdvisorChecksCommand,
  type DescribeTrustedAdvisorChecksCommandOutput,
  SupportClient,
  type TrustedAdvisorCheckDescription,
  type TrustedAdvisorResourceDetail,
} from '@aws-sdk/client-support';
import { z } from 'zod';
import { bool, obj, pageSize, str, strs, timestamp } from '../params.js';
import { at } from '../shape.js';
import { defineOps } from '../spec.js';
import { sdkOp } from './sdk-op.js';

const dimensions = z.array(z.strictObject({ Name: str, Value: str.optional() })).max(30);
const complianceTypes = z.array(z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'])).max(4);
const dateRange = z.array(z.strictObject({ from: timestamp.optional(), to: timestamp.optional() })).max(10);

/** A metric series summarised: min/max/avg and the latest value say more than 1 440 raw points. */
function metricSeries(r: MetricDataResult) {
  const values: number[] = Array.isArray(r.Values) ? r.Values : [];
  const times: Date[] = Array.isArray(r.Timestamps) ? r.Timestamps : [];
  const n = values.length;
  return {
    Id: r.Id,
    Label: r.Label,
    StatusCode: r.StatusCode,
    points: n,
    ...(n > 0 && {
      min: Math.min(...values),
      max: Math.max(...values),
      avg: Math.round((values.reduce((s, v) => s + v, 0) / n) * 1000) / 1000,
      // GetMetricData returns newest first by default (TimestampDescending).
      latest: { at: times[0], value: values[0] },
      oldest: { at: times[n - 1], value: values[n - 1] },
      values: values.slice(0, 30),
    }),
  };
}

/** Pulls a few answers out of the raw CloudTrail record without passing on its request parameters. */
function trailEvent(e: TrailEvent) {
  const detail = cloudTrailRecord(e.CloudTrailEvent);
  return {
    EventId: e.EventId,
    EventName: e.EventName,
    EventTime: e.EventTime,
    EventSource: e.EventSource,
    Username: e.Username,
    ReadOnly: e.ReadOnly,
    Resources: (e.Resources ?? []).map((r) => ({ ResourceType: r.ResourceType, ResourceName: r.ResourceName })),
    sourceIPAddress: at(detail, 'sourceIPAddress'),
    awsRegion: at(detail, 'awsRegion'),
    errorCode: at(detail, 'errorCode'),
    userIdentityType: at(detail, 'userIdentity.type'),
  };
}

/** The event's raw CloudTrail record: JSON text of no fixed shape, so it is read field by field with `at`. */
function cloudTrailRecord(json: string | undefined): unknown {
  try {
    return JSON.parse(json ?? '{}');
  } catch {
    return {}; // A malformed record only loses the extra fields.
  }
}

/** Metric and composite alarms in one list, told apart by `kind`. */
interface Alarm extends MetricAlarm, CompositeAlarm {
  kind: 'metric' | 'composite';
}

/** Sort key of a datapoint; `new Date` also takes the ISO text a recorded (replayed) response holds. */
const pointTime = (d: Datapoint) => new Date(d.Timestamp ?? Number.NaN).getTime();

export const observabilityOps = defineOps([
  sdkOp<DescribeAlarmsCommandOutput, Alarm>({
    service: 'cloudwatch',
    operation: 'DescribeAlarms',
    client: CloudWatchClient,
    command: DescribeAlarmsCommand,
    scope: 'regional',
    params: obj({
      AlarmNames: strs(100).optional(),
      AlarmNamePrefix: str.optional(),
      StateValue: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']).optional(),
      AlarmTypes: z
        .array(z.enum(['CompositeAlarm', 'MetricAlarm']))
        .max(2)
        .optional(),
      MaxRecords: pageSize(1, 100).optional(),
    }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxRecords', pageSize: 100, paginator: paginateDescribeAlarms },
    list: {
      items: (p) => [
        ...(p.MetricAlarms ?? []).map((a): Alarm => ({ ...a, kind: 'metric' })),
        ...(p.CompositeAlarms ?? []).map((a): Alarm => ({ ...a, kind: 'composite' })),
      ],
      item: [
        'kind',
        'AlarmName',
        'StateValue',
        'StateReason',
        'StateUpdatedTimestamp',
        'MetricName',
        'Namespace',
        'Statistic',
        'Threshold',
        'ComparisonOperator',
        'EvaluationPeriods',
        'Period',
        'ActionsEnabled',
        'AlarmRule',
        { Dimensions: ['Name', 'Value'] },
      ],
      groups: { state: (i) => i.StateValue, namespace: (i) => i.Namespace },
      rank: (i) => (i.StateValue === 'ALARM' ? 2 : i.StateValue === 'INSUFFICIENT_DATA' ? 1 : 0),
    },
  }),
  sdkOp<ListMetricsCommandOutput, Metric>({
    service: 'cloudwatch',
    operation: 'ListMetrics',
    client: CloudWatchClient,
    command: ListMetricsCommand,
    scope: 'regional',
    params: obj({
      Namespace: str.optional(),
      MetricName: str.optional(),
      Dimensions: dimensions.optional(),
      RecentlyActive: z.literal('PT3H').optional(),
    }),
    paging: { input: 'NextToken', output: 'NextToken', paginator: paginateListMetrics },
    list: {
      items: (p) => p.Metrics,
      item: ['Namespace', 'MetricName', { Dimensions: ['Name', 'Value'] }],
      groups: { namespace: (i) => i.Namespace, metric: (i) => i.MetricName },
    },
  }),
  sdkOp<GetMetricStatisticsCommandOutput>({
    service: 'cloudwatch',
    operation: 'GetMetricStatistics',
    client: CloudWatchClient,
    command: GetMetricStatisticsCommand,
    scope: 'regional',
    params: obj({
      Namespace: str,
      MetricName: str,
      Dimensions: dimensions.optional(),
      StartTime: timestamp,
      EndTime: timestamp,
      Period: z
        .number()
        .int()
        .min(1)
        .max(86_400 * 30),
      Statistics: z
        .array(z.enum(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']))
        .max(5)
        .optional(),
      ExtendedStatistics: strs(10).optional(),
      Unit: str.optional(),
    }),
    single: (o) => ({
      Label: o.Label,
      Datapoints: [...(o.Datapoints ?? [])]
        .sort((a, b) => pointTime(a) - pointTime(b))
        .map((d) => ({
          Timestamp: d.Timestamp,
          Average: d.Average,
          Sum: d.Sum,
          Minimum: d.Minimum,
          Maximum: d.Maximum,
          SampleCount: d.SampleCount,
          Unit: d.Unit,
        })),
    }),
  }),
  sdkOp<GetMetricDataCommandOutput, MetricDataResult, ReturnType<typeof metricSeries>>({
    service: 'cloudwatch',
    operation: 'GetMetricData',
    client: CloudWatchClient,
    command: GetMetricDataCommand,
    scope: 'regional',
    params: obj({
      // No AccountId: in a cross-account monitoring setup it would read accounts not bound here.
      MetricDataQueries: z
        .array(
          z
            .record(z.string(), z.unknown())
            .refine((q) => !('AccountId' in q), 'AccountId is not allowed: plainfra reads only the bound account'),
        )
        .min(1)
        .max(50),
      StartTime: timestamp,
      EndTime: timestamp,
      ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
      MaxDatapoints: z.number().int().min(1).max(100_800).optional(),
    }),
    paging: { input: 'NextToken', output: 'NextToken', paginator: paginateGetMetricData },
    list: { items: (p) => p.MetricDataResults, item: metricSeries },
  }),
  sdkOp<LookupEventsCommandOutput, TrailEvent, ReturnType<typeof trailEvent>>({
    service: 'cloudtrail',
    operation: 'LookupEvents',
    client: CloudTrailClient,
    command: LookupEventsCommand,
    scope: 'regional',
    params: obj({
      LookupAttributes: z
        .array(
          z.strictObject({
            AttributeKey: z.enum([
              'EventId',
              'EventName',
              'ReadOnly',
              'Username',
              'ResourceType',
              'ResourceName',
              'EventSource',
              'AccessKeyId',
            ]),
            AttributeValue: str,
          }),
        )
        .max(1)
        .optional(),
      StartTime: timestamp.optional(),
      EndTime: timestamp.optional(),
      EventCategory: z.literal('insight').optional(),
      MaxResults: pageSize(1, 50).optional(),
    }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: 50, paginator: paginateLookupEvents },
    list: {
      items: (p) => p.Events,
      item: trailEvent,
      groups: { event: (i) => i.EventName, user: (i) => i.Username, source: (i) => i.EventSource },
    },
  }),
  {
    service: 'cloudtrail',
    operation: 'DescribeTrails',
    client: CloudTrailClient,
    command: DescribeTrailsCommand,
    scope: 'regional',
    params: obj({ trailNameList: strs(50).optional(), includeShadowTrails: bool.optional() }),
    // Trail names, or ARNs of the bound account's trails (an organization trail shows up with
    // includeShadowTrails, without naming its owner's ARN).
    pins: [{ param: 'trailNameList', kind: 'arn', service: 'cloudtrail', names: /^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$/ }],
    single: [
      {
        trailList: [
          'Name',
          'TrailARN',
          'S3BucketName',
          'IsMultiRegionTrail',
          'IsOrganizationTrail',
          'HomeRegion',
          'LogFileValidationEnabled',
          'KmsKeyId',
          'HasInsightSelectors',
          'HasCustomEventSelectors',
          'IncludeGlobalServiceEvents',
          'CloudWatchLogsLogGroupArn',
        ],
      },
    ],
  },
  sdkOp<DescribeConfigRulesCommandOutput, ConfigRule>({
    service: 'config',
    operation: 'DescribeConfigRules',
    client: ConfigServiceClient,
    command: DescribeConfigRulesCommand,
    scope: 'regional',
    params: obj({ ConfigRuleNames: strs(25).optional() }),
    paging: { input: 'NextToken', output: 'NextToken', paginator: paginateDescribeConfigRules },
    list: {
      items: (p) => p.ConfigRules,
      // InputParameters are dropped: free-form JSON that can carry anything the customer put there.
      item: [
        'ConfigRuleName',
        'ConfigRuleArn',
        'Description',
        'ConfigRuleState',
        'MaximumExecutionFrequency',
        { Source: ['Owner', 'SourceIdentifier'] },
      ],
      groups: { state: (i) => i.ConfigRuleState, owner: (i) => i.Source?.Owner },
    },
    absentOn: { NoSuchConfigRuleException: 'No such Config rule in this region.' },
  }),
  sdkOp<DescribeComplianceByConfigRuleCommandOutput, ComplianceByConfigRule>({
    service: 'config',
    operation: 'DescribeComplianceByConfigRule',
    client: ConfigServiceClient,
    command: DescribeComplianceByConfigRuleCommand,
    scope: 'regional',
    params: obj({ ConfigRuleNames: strs(25).optional(), ComplianceTypes: complianceTypes.optional() }),
    paging: { input: 'NextToken', output: 'NextToken', paginator: paginateDescribeComplianceByConfigRule },
    list: {
      items: (p) => p.ComplianceByConfigRules,
      item: ['ConfigRuleName', { Compliance: ['ComplianceType', { ComplianceContributorCount: ['CappedCount', 'CapExceeded'] }] }],
      groups: { compliance: (i) => i.Compliance?.ComplianceType },
      rank: (i) => (i.Compliance?.ComplianceType === 'NON_COMPLIANT' ? 1 : 0),
    },
  }),
  sdkOp<GetComplianceDetailsByConfigRuleCommandOutput, EvaluationResult>({
    service: 'config',
    operation: 'GetComplianceDetailsByConfigRule',
    client: ConfigServiceClient,
    command: GetComplianceDetailsByConfigRuleCommand,
    scope: 'regional',
    params: obj({ ConfigRuleName: str, ComplianceTypes: complianceTypes.optional(), Limit: pageSize(1, 100).optional() }),
    paging: {
      input: 'NextToken',
      output: 'NextToken',
      sizeParam: 'Limit',
      pageSize: 100,
      paginator: paginateGetComplianceDetailsByConfigRule,
    },
    list: {
      items: (p) => p.EvaluationResults,
      item: [
        'ComplianceType',
        'ResultRecordedTime',
        'Annotation',
        {
          EvaluationResultIdentifier: [
            'OrderingTimestamp',
            { EvaluationResultQualifier: ['ConfigRuleName', 'ResourceType', 'ResourceId'] },
          ],
        },
      ],
      groups: {
        compliance: (i) => i.ComplianceType,
        resourceType: (i) => i.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceType,
      },
      rank: (i) => (i.ComplianceType === 'NON_COMPLIANT' ? 1 : 0),
    },
  }),
  sdkOp<DescribeEventsCommandOutput, HealthEvent>({
    service: 'health',
    operation: 'DescribeEvents',
    client: HealthClient,
    command: DescribeEventsCommand,
    scope: 'global',
    params: obj({
      filter: z
        .strictObject({
          services: strs(10).optional(),
          regions: strs(10).optional(),
          eventTypeCategories: z
            .array(z.enum(['issue', 'accountNotification', 'scheduledChange', 'investigation']))
            .max(10)
            .optional(),
          eventStatusCodes: z
            .array(z.enum(['open', 'closed', 'upcoming']))
            .max(6)
            .optional(),
          eventTypeCodes: strs(10).optional(),
          startTimes: dateRange.optional(),
          endTimes: dateRange.optional(),
          lastUpdatedTimes: dateRange.optional(),
        })
        .optional(),
      maxResults: pageSize(10, 100).optional(),
    }),
    paging: { input: 'nextToken', output: 'nextToken', sizeParam: 'maxResults', pageSize: 100, paginator: paginateDescribeEvents },
    list: {
      items: (p) => p.events,
      item: [
        'arn',
        'service',
        'eventTypeCode',
        'eventTypeCategory',
        'region',
        'availabilityZone',
        'startTime',
        'endTime',
        'lastUpdatedTime',
        'statusCode',
        'eventScopeCode',
      ],
      groups: { service: (i) => i.service, status: (i) => i.statusCode, category: (i) => i.eventTypeCategory },
      rank: (i) => (i.statusCode === 'open' ? 2 : i.statusCode === 'upcoming' ? 1 : 0),
    },
    absentOn: { SubscriptionRequiredException: 'The AWS Health API needs a Business, Enterprise On-Ramp or Enterprise support plan.' },
  }),
  sdkOp<GetResourcesCommandOutput, ResourceTagMapping>({
    service: 'tag',
    operation: 'GetResources',
    client: ResourceGroupsTaggingAPIClient,
    command: GetResourcesCommand,
    scope: 'regional',
    params: obj({
      TagFilters: z
        .array(z.strictObject({ Key: str, Values: strs(20).optional() }))
        .max(50)
        .optional(),
      ResourceTypeFilters: strs(100).optional(),
      ResourceARNList: strs(100).optional(),
      ResourcesPerPage: pageSize(1, 100).optional(),
    }),
    pins: [{ param: 'ResourceARNList', kind: 'any-arn' }],
    paging: {
      input: 'PaginationToken',
      output: 'PaginationToken',
      sizeParam: 'ResourcesPerPage',
      pageSize: 100,
      paginator: paginateGetResources,
    },
    list: {
      items: (p) => p.ResourceTagMappingList,
      item: ['ResourceARN', { Tags: ['Key', 'Value'] }],
      // arn:partition:service:region:account:type/… → "service:type"
      groups: {
        resourceType: (i) => {
          const parts = String(i.ResourceARN ?? '').split(':');
          return parts.length > 5 ? `${parts[2]}:${parts[5].split(/[/:]/)[0]}` : undefined;
        },
      },
    },
  }),
  sdkOp<DescribeTrustedAdvisorChecksCommandOutput, TrustedAdvisorCheckDescription>({
    service: 'support',
    operation: 'DescribeTrustedAdvisorChecks',
    client: SupportClient,
    command: DescribeTrustedAdvisorChecksCommand,
    scope: 'global',
    params: obj({ language: z.enum(['en', 'ja', 'fr', 'zh']).default('en') }),
    fixedInput: (p) => ({ language: p.language ?? 'en' }),
    // Descriptions are long HTML: id, name and category are what the model needs to pick a check.
    list: { items: (p) => p.checks, item: ['id', 'name', 'category'], groups: { category: (i) => i.category } },
    absentOn: {
      SubscriptionRequiredException:
        'Trusted Advisor through the Support API needs a Business, Enterprise On-Ramp or Enterprise support plan.',
    },
  }),
  sdkOp<DescribeTrustedAdvisorCheckResultCommandOutput, TrustedAdvisorResourceDetail>({
    service: 'support',
    operation: 'DescribeTrustedAdvisorCheckResult',
    client: SupportClient,
    command: DescribeTrustedAdvisorCheckResultCommand,
    scope: 'global',
    params: obj({ checkId: str, language: z.enum(['en', 'ja', 'fr', 'zh']).default('en') }),
    fixedInput: (p) => ({ language: p.language ?? 'en' }),
    list: {
      items: (p) => p.result?.flaggedResources,
      item: ['status', 'region', 'resourceId', 'isSuppressed', 'metadata'],
      groups: { status: (i) => i.status, region: (i) => i.region },
      header: [
        {
          result: [
            'checkId',
            'timestamp',
            'status',
            { resourcesSummary: ['resourcesProcessed', 'resourcesFlagged', 'resourcesIgnored', 'resourcesSuppressed'] },
            { categorySpecificSummary: [{ costOptimizing: ['estimatedMonthlySavings', 'estimatedPercentMonthlySavings'] }] },
          ],
        },
      ],
    },
    absentOn: {
      SubscriptionRequiredException:
        'Trusted Advisor through the Support API needs a Business, Enterprise On-Ramp or Enterprise support plan.',
    },
  }),
]);
