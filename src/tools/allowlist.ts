/**
 * The read-only allowlist, as data. This file imports nothing on purpose: the sentinel uses it to
 * describe `aws_query` to the model, hawk uses it to refuse before any AWS request, and the policy
 * tests compare it with the CloudFormation role template and the IAM action data. The executable
 * registry (SDK client, paginator, response shaper) lives in `./aws/registry.ts` and must cover
 * exactly these entries.
 */

export interface AllowedOperation {
  /** IAM service prefix the model names (`ec2`, `ce`, …). */
  readonly service: string;
  /** API operation name as the SDK and the model spell it (`DescribeInstances`). */
  readonly operation: string;
  /** The IAM action that authorises the call; differs from `service:operation` for a few APIs. */
  readonly iamAction: string;
  /** Short description shown to the model so it can pick the right call. */
  readonly summary: string;
}

const op = (service: string, operation: string, summary: string, iamAction = `${service}:${operation}`): AllowedOperation => ({
  service,
  operation,
  iamAction,
  summary,
});

export const ALLOWED_OPERATIONS: readonly AllowedOperation[] = [
  // Cost Explorer (us-east-1 only; billed per request and page — cached by hawk)
  op('ce', 'GetCostAndUsage', 'cost and usage by time period, grouped by dimension or tag'),
  op('ce', 'GetCostForecast', 'forecast of cost for a future period'),
  op('ce', 'GetAnomalies', 'cost anomalies detected by Cost Anomaly Detection'),
  op('ce', 'GetDimensionValues', 'values of a cost dimension (services, accounts, regions …)'),
  op('ce', 'GetSavingsPlansUtilization', 'Savings Plans utilisation'),
  op('ce', 'GetReservationUtilization', 'Reserved Instance utilisation'),
  op('ce', 'GetRightsizingRecommendation', 'EC2 rightsizing recommendations'),
  // Budgets
  op('budgets', 'DescribeBudgets', 'budgets with limits and actual/forecast spend', 'budgets:ViewBudget'),
  // Security Hub
  op('securityhub', 'GetFindings', 'Security Hub findings (filterable by severity, status …)'),
  op('securityhub', 'DescribeHub', 'whether Security Hub is enabled and its settings'),
  op('securityhub', 'GetEnabledStandards', 'enabled security standards'),
  op('securityhub', 'DescribeStandards', 'available security standards'),
  // GuardDuty
  op('guardduty', 'ListDetectors', 'GuardDuty detector ids'),
  op('guardduty', 'ListFindings', 'GuardDuty finding ids for a detector'),
  op('guardduty', 'GetFindings', 'GuardDuty finding details by id'),
  op('guardduty', 'GetFindingsStatistics', 'GuardDuty finding counts by severity'),
  // IAM Access Analyzer
  op('access-analyzer', 'ListAnalyzers', 'IAM Access Analyzer analyzers'),
  op('access-analyzer', 'ListFindings', 'external/unused access findings of an analyzer'),
  // EC2 and VPC
  op('ec2', 'DescribeInstances', 'EC2 instances (user data is never returned)'),
  op('ec2', 'DescribeVolumes', 'EBS volumes'),
  op('ec2', 'DescribeSnapshots', 'EBS snapshots (pass OwnerIds ["self"])'),
  op('ec2', 'DescribeSecurityGroups', 'security groups and their rules'),
  op('ec2', 'DescribeVpcs', 'VPCs'),
  op('ec2', 'DescribeSubnets', 'subnets'),
  op('ec2', 'DescribeAddresses', 'Elastic IP addresses'),
  op('ec2', 'DescribeRegions', 'regions enabled for the account'),
  // Load balancing and Auto Scaling
  op('elasticloadbalancing', 'DescribeLoadBalancers', 'Application/Network load balancers'),
  op('elasticloadbalancing', 'DescribeTargetGroups', 'target groups'),
  op('autoscaling', 'DescribeAutoScalingGroups', 'Auto Scaling groups'),
  // S3 bucket-level configuration (never objects)
  op('s3', 'ListBuckets', 'bucket names and creation dates', 's3:ListAllMyBuckets'),
  op('s3', 'GetBucketLocation', 'region of a bucket'),
  op('s3', 'GetBucketEncryption', 'default encryption of a bucket', 's3:GetEncryptionConfiguration'),
  op('s3', 'GetBucketVersioning', 'versioning state of a bucket'),
  op('s3', 'GetPublicAccessBlock', 'public access block of a bucket', 's3:GetBucketPublicAccessBlock'),
  op('s3', 'GetBucketPolicyStatus', 'whether a bucket policy makes it public'),
  // IAM (read)
  op('iam', 'ListUsers', 'IAM users'),
  op('iam', 'ListRoles', 'IAM roles (trust policies summarised)'),
  op('iam', 'GetAccountSummary', 'IAM entity counts and MFA state of the account'),
  op('iam', 'GetAccountPasswordPolicy', 'account password policy'),
  op('iam', 'ListAccessKeys', 'access key ids and status for a user'),
  op('iam', 'GetAccessKeyLastUsed', 'when and where an access key was last used'),
  op('iam', 'ListMFADevices', 'MFA devices of a user'),
  op('iam', 'GenerateCredentialReport', 'start generating the credential report'),
  op('iam', 'GetCredentialReport', 'the credential report (parsed; no secrets)'),
  op('iam', 'SimulatePrincipalPolicy', 'whether a role or user in the account is allowed specific actions'),
  // RDS
  op('rds', 'DescribeDBInstances', 'RDS database instances'),
  op('rds', 'DescribeDBClusters', 'Aurora/RDS clusters'),
  op('rds', 'DescribeDBSnapshots', 'RDS snapshots'),
  // Lambda (configuration only; environment variables are removed)
  op('lambda', 'ListFunctions', 'Lambda functions (environment removed)'),
  op('lambda', 'GetFunctionConfiguration', 'one function configuration (environment removed)'),
  // Containers
  op('ecs', 'ListClusters', 'ECS cluster ARNs'),
  op('ecs', 'DescribeClusters', 'ECS clusters'),
  op('ecs', 'ListServices', 'ECS service ARNs of a cluster'),
  op('ecs', 'DescribeServices', 'ECS services'),
  op('eks', 'ListClusters', 'EKS cluster names'),
  op('eks', 'DescribeCluster', 'one EKS cluster'),
  // CloudWatch
  op('cloudwatch', 'DescribeAlarms', 'CloudWatch alarms and their state'),
  op('cloudwatch', 'ListMetrics', 'available metrics'),
  op('cloudwatch', 'GetMetricStatistics', 'statistics of one metric'),
  op('cloudwatch', 'GetMetricData', 'metric data for several queries'),
  // CloudTrail
  op('cloudtrail', 'LookupEvents', 'management events of the last 90 days'),
  op('cloudtrail', 'DescribeTrails', 'configured trails'),
  // Config
  op('config', 'DescribeConfigRules', 'AWS Config rules'),
  op('config', 'DescribeComplianceByConfigRule', 'compliance per Config rule'),
  op('config', 'GetComplianceDetailsByConfigRule', 'non-compliant resources of a rule'),
  // Organizations
  op('organizations', 'DescribeOrganization', 'the organization of the account'),
  op('organizations', 'ListAccounts', 'member accounts of the organization'),
  // Health
  op('health', 'DescribeEvents', 'AWS Health events'),
  // Tagging
  op('tag', 'GetResources', 'resources by tag across services'),
  // Compute Optimizer
  op('compute-optimizer', 'GetEC2InstanceRecommendations', 'EC2 rightsizing recommendations'),
  // Trusted Advisor (through the Support API)
  op('support', 'DescribeTrustedAdvisorChecks', 'Trusted Advisor checks'),
  op('support', 'DescribeTrustedAdvisorCheckResult', 'result of one Trusted Advisor check'),
  // STS
  op('sts', 'GetCallerIdentity', 'account and role plainfra is using'),
];

const byKey = new Map(ALLOWED_OPERATIONS.map((o) => [`${o.service}:${o.operation}`.toLowerCase(), o]));

/** Looks up an operation the model asked for; case-insensitive, so `EC2 describeInstances` still matches. */
export function findAllowedOperation(service: string, operation: string): AllowedOperation | undefined {
  return byKey.get(`${service.trim()}:${operation.trim()}`.toLowerCase());
}

/** The IAM actions the allowlist needs, sorted: what the role template and session policies must allow. */
export function allowedIamActions(): string[] {
  return [...new Set(ALLOWED_OPERATIONS.map((o) => o.iamAction))].sort();
}
