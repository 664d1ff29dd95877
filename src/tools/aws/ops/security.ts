/** Security Hub, GuardDuty and IAM Access Analyzer: regional services. */
import {
  type AwsSecurityFinding,
  DescribeHubCommand,
  DescribeStandardsCommand,
  type DescribeStandardsCommandOutput,
  GetEnabledStandardsCommand,
  type GetEnabledStandardsCommandOutput,
  GetFindingsCommand as HubGetFindingsCommand,
  type GetFindingsCommandOutput as HubGetFindingsCommandOutput,
  SecurityHubClient,
  type StandardsSubscription,
  paginateDescribeStandards,
  paginateGetEnabledStandards,
  paginateGetFindings as paginateHubFindings,
} from '@aws-sdk/client-securityhub';
import {
  type Finding as GdFinding,
  GetFindingsCommand as GdGetFindingsCommand,
  type GetFindingsCommandOutput as GdGetFindingsCommandOutput,
  GetFindingsStatisticsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  type ListDetectorsCommandOutput,
  ListFindingsCommand as GdListFindingsCommand,
  type ListFindingsCommandOutput as GdListFindingsCommandOutput,
  paginateListDetectors,
  paginateListFindings as paginateGdListFindings,
} from '@aws-sdk/client-guardduty';
import {
  AccessAnalyzerClient,
  type AnalyzerSummary,
  type FindingSummary as AaFindingSummary,
  ListAnalyzersCommand,
  type ListAnalyzersCommandOutput,
  ListFindingsCommand as AaListFindingsCommand,
  type ListFindingsCommandOutput as AaListFindingsCommandOutput,
  paginateListAnalyzers,
  paginateListFindings as paginateAaListFindings,
} from '@aws-sdk/client-accessanalyzer';
import { z } from 'zod';
import { filterDoc, obj, pageSize, str, strs } from '../params.js';
import { defineOps } from '../spec.js';
import { sdkOp } from './sdk-op.js';

const SEVERITY_RANK: Record<string, number> = { CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, INFORMATIONAL: 1 };
/** GuardDuty severities are numbers; these are its documented bands. */
const gdBand = (s: unknown) => {
  const n = Number(s);
  if (!Number.isFinite(n)) return undefined;
  return n >= 9 ? 'CRITICAL' : n >= 7 ? 'HIGH' : n >= 4 ? 'MEDIUM' : 'LOW';
};
const sortCriteria = z.strictObject({ AttributeName: str.optional(), OrderBy: z.enum(['ASC', 'DESC']).optional() });

export const securityOps = defineOps([
  sdkOp<HubGetFindingsCommandOutput, AwsSecurityFinding>({
    service: 'securityhub',
    operation: 'GetFindings',
    client: SecurityHubClient,
    command: HubGetFindingsCommand,
    scope: 'regional',
    params: obj({
      Filters: filterDoc.optional(),
      SortCriteria: z.array(strictSort()).max(5).optional(),
      MaxResults: pageSize(1, 100).optional(),
    }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: 100, paginator: paginateHubFindings },
    list: {
      items: (p) => p.Findings,
      item: [
        'Id',
        'Title',
        'Description',
        'ProductName',
        'CompanyName',
        'Types',
        'AwsAccountId',
        'Region',
        'GeneratorId',
        'UpdatedAt',
        'FirstObservedAt',
        'RecordState',
        { Severity: ['Label'] },
        { Workflow: ['Status'] },
        { Compliance: ['Status', 'SecurityControlId'] },
        { Resources: ['Type', 'Id', 'Region'] },
        { Remediation: [{ Recommendation: ['Text', 'Url'] }] },
      ],
      groups: {
        severity: (i) => i.Severity?.Label,
        product: (i) => i.ProductName,
        workflow: (i) => i.Workflow?.Status,
        resourceType: (i) => i.Resources?.[0]?.Type,
      },
      rank: (i) => SEVERITY_RANK[String(i.Severity?.Label)] ?? 0,
    },
  }),
  {
    service: 'securityhub',
    operation: 'DescribeHub',
    client: SecurityHubClient,
    command: DescribeHubCommand,
    scope: 'regional',
    params: obj({ HubArn: str.optional() }),
    pins: [{ param: 'HubArn', kind: 'arn', service: 'securityhub' }],
    single: ['HubArn', 'SubscribedAt', 'AutoEnableControls', 'ControlFindingGenerator'],
    absentOn: { InvalidAccessException: 'Security Hub is not enabled in this region.' },
  },
  sdkOp<GetEnabledStandardsCommandOutput, StandardsSubscription>({
    service: 'securityhub',
    operation: 'GetEnabledStandards',
    client: SecurityHubClient,
    command: GetEnabledStandardsCommand,
    scope: 'regional',
    params: obj({ StandardsSubscriptionArns: strs(25).optional(), MaxResults: pageSize(1, 100).optional() }),
    pins: [{ param: 'StandardsSubscriptionArns', kind: 'arn', service: 'securityhub' }],
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: 100, paginator: paginateGetEnabledStandards },
    list: {
      items: (p) => p.StandardsSubscriptions,
      item: ['StandardsSubscriptionArn', 'StandardsArn', 'StandardsStatus', { StandardsStatusReason: ['StatusReasonCode'] }],
      groups: { status: (i) => i.StandardsStatus },
    },
    absentOn: { InvalidAccessException: 'Security Hub is not enabled in this region.' },
  }),
  sdkOp<DescribeStandardsCommandOutput>({
    service: 'securityhub',
    operation: 'DescribeStandards',
    client: SecurityHubClient,
    command: DescribeStandardsCommand,
    scope: 'regional',
    params: obj({ MaxResults: pageSize(1, 100).optional() }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: 100, paginator: paginateDescribeStandards },
    list: { items: (p) => p.Standards, item: ['StandardsArn', 'Name', 'Description', 'EnabledByDefault'] },
  }),
  sdkOp<ListDetectorsCommandOutput, string, { DetectorId: string }>({
    service: 'guardduty',
    operation: 'ListDetectors',
    client: GuardDutyClient,
    command: ListDetectorsCommand,
    scope: 'regional',
    params: obj({ MaxResults: pageSize(1, 50).optional() }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: 50, paginator: paginateListDetectors },
    list: { items: (p) => p.DetectorIds, item: (id) => ({ DetectorId: id }) },
  }),
  sdkOp<GdListFindingsCommandOutput, string, { FindingId: string }>({
    service: 'guardduty',
    operation: 'ListFindings',
    client: GuardDutyClient,
    command: GdListFindingsCommand,
    scope: 'regional',
    params: obj({
      DetectorId: str,
      FindingCriteria: filterDoc.optional(),
      SortCriteria: sortCriteria.optional(),
      MaxResults: pageSize(1, 50).optional(),
    }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: 50, paginator: paginateGdListFindings },
    list: { items: (p) => p.FindingIds, item: (id) => ({ FindingId: id }) },
  }),
  sdkOp<GdGetFindingsCommandOutput, GdFinding>({
    service: 'guardduty',
    operation: 'GetFindings',
    client: GuardDutyClient,
    command: GdGetFindingsCommand,
    scope: 'regional',
    params: obj({ DetectorId: str, FindingIds: strs(50).min(1), SortCriteria: sortCriteria.optional() }),
    list: {
      items: (p) => p.Findings,
      item: [
        'Id',
        'Type',
        'Title',
        'Description',
        'Severity',
        'Region',
        'AccountId',
        'CreatedAt',
        'UpdatedAt',
        {
          Resource: [
            'ResourceType',
            { InstanceDetails: ['InstanceId', 'InstanceType'] },
            { AccessKeyDetails: ['UserName', 'UserType'] },
            { S3BucketDetails: ['Name', 'Type'] },
          ],
        },
        { Service: ['Count', 'Archived', 'EventFirstSeen', 'EventLastSeen', { Action: ['ActionType'] }] },
      ],
      groups: { severity: (i) => gdBand(i.Severity), type: (i) => i.Type },
      rank: (i) => Number(i.Severity ?? 0),
    },
  }),
  {
    service: 'guardduty',
    operation: 'GetFindingsStatistics',
    client: GuardDutyClient,
    command: GetFindingsStatisticsCommand,
    scope: 'regional',
    params: obj({
      DetectorId: str,
      FindingStatisticTypes: z.array(z.literal('COUNT_BY_SEVERITY')).max(1).optional(),
      FindingCriteria: filterDoc.optional(),
      GroupBy: z.enum(['ACCOUNT', 'DATE', 'FINDING_TYPE', 'RESOURCE', 'SEVERITY']).optional(),
      OrderBy: z.enum(['ASC', 'DESC']).optional(),
      MaxResults: pageSize(1, 100).optional(),
    }),
    single: [
      {
        FindingStatistics: [
          { CountBySeverity: ['#'] },
          { GroupedByAccount: ['AccountId', 'TotalFindings', 'LastGeneratedAt'] },
          { GroupedByDate: ['Date', 'TotalFindings', 'Severity', 'LastGeneratedAt'] },
          { GroupedByFindingType: ['FindingType', 'TotalFindings', 'LastGeneratedAt'] },
          { GroupedByResource: ['Resource', 'ResourceType', 'AccountId', 'TotalFindings', 'LastGeneratedAt'] },
          { GroupedBySeverity: ['Severity', 'TotalFindings', 'LastGeneratedAt'] },
        ],
      },
    ],
  },
  sdkOp<ListAnalyzersCommandOutput, AnalyzerSummary>({
    service: 'access-analyzer',
    operation: 'ListAnalyzers',
    client: AccessAnalyzerClient,
    command: ListAnalyzersCommand,
    scope: 'regional',
    params: obj({
      type: z.enum(['ACCOUNT', 'ORGANIZATION', 'ACCOUNT_UNUSED_ACCESS', 'ORGANIZATION_UNUSED_ACCESS']).optional(),
      maxResults: pageSize(1, 100).optional(),
    }),
    paging: { input: 'nextToken', output: 'nextToken', sizeParam: 'maxResults', pageSize: 100, paginator: paginateListAnalyzers },
    list: {
      items: (p) => p.analyzers,
      item: ['arn', 'name', 'type', 'status', 'createdAt', 'lastResourceAnalyzed', 'lastResourceAnalyzedAt'],
      groups: { type: (i) => i.type },
    },
  }),
  sdkOp<AaListFindingsCommandOutput, AaFindingSummary>({
    service: 'access-analyzer',
    operation: 'ListFindings',
    client: AccessAnalyzerClient,
    command: AaListFindingsCommand,
    scope: 'regional',
    params: obj({
      analyzerArn: str,
      filter: filterDoc.optional(),
      sort: z.strictObject({ attributeName: str.optional(), orderBy: z.enum(['ASC', 'DESC']).optional() }).optional(),
      maxResults: pageSize(1, 100).optional(),
    }),
    pins: [{ param: 'analyzerArn', kind: 'arn', service: 'access-analyzer' }],
    paging: { input: 'nextToken', output: 'nextToken', sizeParam: 'maxResults', pageSize: 100, paginator: paginateAaListFindings },
    list: {
      items: (p) => p.findings,
      // `condition` is dropped: it can hold ExternalId values and other trust secrets.
      item: [
        'id',
        'resource',
        'resourceType',
        'resourceOwnerAccount',
        'action',
        'isPublic',
        'status',
        'createdAt',
        'updatedAt',
        'analyzedAt',
        'error',
        { principal: ['*'] },
      ],
      groups: {
        status: (i) => i.status,
        resourceType: (i) => i.resourceType,
        public: (i) => (i.isPublic ? 'public' : 'not public'),
      },
      rank: (i) => (i.isPublic ? 1 : 0),
    },
  }),
]);

function strictSort() {
  return z.strictObject({ Field: str.optional(), SortOrder: z.enum(['asc', 'desc']).optional() });
}
