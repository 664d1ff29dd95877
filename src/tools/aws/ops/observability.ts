/** CloudWatch, CloudTrail, Config, Health, resource tagging and Trusted Advisor. */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  paginateDescribeAlarms,
  paginateGetMetricData,
  paginateListMetrics,
} from '@aws-sdk/client-cloudwatch';
import { CloudTrailClient, DescribeTrailsCommand, LookupEventsCommand, paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import {
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  paginateDescribeComplianceByConfigRule,
  paginateDescribeConfigRules,
  paginateGetComplianceDetailsByConfigRule,
} from '@aws-sdk/client-config-service';
import { DescribeEventsCommand, HealthClient, paginateDescribeEvents } from '@aws-sdk/client-health';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, paginateGetResources } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeTrustedAdvisorCheckResultCommand, DescribeTrustedAdvisorChecksCommand, SupportClient } from '@aws-sdk/client-support';
import { z } from 'zod';
import { bool, obj, pageSize, str, strs, timestamp } from '../params.js';
import { defineOps } from '../spec.js';

const dimensions = z.array(z.strictObject({ Name: str, Value: str.optional() })).max(30);
const complianceTypes = z.array(z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'])).max(4);
const dateRange = z.array(z.strictObject({ from: timestamp.optional(), to: timestamp.optional() })).max(10);

/** A metric series summarised: min/max/avg and the latest value say more than 1 440 raw points. */
function metricSeries(r: any) {
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
function trailEvent(e: any) {
  let detail: any = {};
  try {
    detail = JSON.parse(e.CloudTrailEvent ?? '{}');
  } catch {
    // A malformed record only loses the extra fields.
  }
  return {
    EventId: e.EventId,
    EventName: e.EventName,
    EventTime: e.EventTime,
    EventSource: e.EventSource,
    Username: e.Username,
    ReadOnly: e.ReadOnly,
    Resources: (e.Resources ?? []).map((r: any) => ({ ResourceType: r.ResourceType, ResourceName: r.ResourceName })),
    sourceIPAddress: detail.sourceIPAddress,
    awsRegion: detail.awsRegion,
    errorCode: detail.errorCode,
    userIdentityType: detail.userIdentity?.type,
  };
}

export const observabilityOps = defineOps([
  {
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
        ...(p.MetricAlarms ?? []).map((a: any) => ({ ...a, kind: 'metric' })),
        ...(p.CompositeAlarms ?? []).map((a: any) => ({ ...a, kind: 'composite' })),
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
      groups: { state: (i: any) => i.StateValue, namespace: (i: any) => i.Namespace },
      rank: (i: any) => (i.StateValue === 'ALARM' ? 2 : i.StateValue === 'INSUFFICIENT_DATA' ? 1 : 0),
    },
  },
  {
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
      groups: { namespace: (i: any) => i.Namespace, metric: (i: any) => i.MetricName },
    },
  },
  {
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
    single: (o: any) => ({
      Label: o.Label,
      Datapoints: [...(o.Datapoints ?? [])]
        .sort((a: any, b: any) => new Date(a.Timestamp).getTime() - new Date(b.Timestamp).getTime())
        .map((d: any) => ({
          Timestamp: d.Timestamp,
          Average: d.Average,
          Sum: d.Sum,
          Minimum: d.Minimum,
          Maximum: d.Maximum,
          SampleCount: d.SampleCount,
          Unit: d.Unit,
        })),
    }),
  },
  {
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
  },
  {
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
      groups: { event: (i: any) => i.EventName, user: (i: any) => i.Username, source: (i: any) => i.EventSource },
    },
  },
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
  {
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
      groups: { state: (i: any) => i.ConfigRuleState, owner: (i: any) => i.Source?.Owner },
    },
    absentOn: { NoSuchConfigRuleException: 'No such Config rule in this region.' },
  },
  {
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
      groups: { compliance: (i: any) => i.Compliance?.ComplianceType },
      rank: (i: any) => (i.Compliance?.ComplianceType === 'NON_COMPLIANT' ? 1 : 0),
    },
  },
  {
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
        compliance: (i: any) => i.ComplianceType,
        resourceType: (i: any) => i.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceType,
      },
      rank: (i: any) => (i.ComplianceType === 'NON_COMPLIANT' ? 1 : 0),
    },
  },
  {
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
      groups: { service: (i: any) => i.service, status: (i: any) => i.statusCode, category: (i: any) => i.eventTypeCategory },
      rank: (i: any) => (i.statusCode === 'open' ? 2 : i.statusCode === 'upcoming' ? 1 : 0),
    },
    absentOn: { SubscriptionRequiredException: 'The AWS Health API needs a Business, Enterprise On-Ramp or Enterprise support plan.' },
  },
  {
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
        resourceType: (i: any) => {
          const parts = String(i.ResourceARN ?? '').split(':');
          return parts.length > 5 ? `${parts[2]}:${parts[5].split(/[/:]/)[0]}` : undefined;
        },
      },
    },
  },
  {
    service: 'support',
    operation: 'DescribeTrustedAdvisorChecks',
    client: SupportClient,
    command: DescribeTrustedAdvisorChecksCommand,
    scope: 'global',
    params: obj({ language: z.enum(['en', 'ja', 'fr', 'zh']).default('en') }),
    fixedInput: (p) => ({ language: p.language ?? 'en' }),
    // Descriptions are long HTML: id, name and category are what the model needs to pick a check.
    list: { items: (p) => p.checks, item: ['id', 'name', 'category'], groups: { category: (i: any) => i.category } },
    absentOn: {
      SubscriptionRequiredException:
        'Trusted Advisor through the Support API needs a Business, Enterprise On-Ramp or Enterprise support plan.',
    },
  },
  {
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
      groups: { status: (i: any) => i.status, region: (i: any) => i.region },
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
  },
]);
