/**
 * One representative SDK response per allowlisted operation, and strings its shaped result must
 * contain. hawk-registry.test.ts plants a secret field into every object of each response and checks
 * it never survives shaping, so each fixture also proves its shaper is an allow-list.
 */
const d = new Date('2024-05-01T10:00:00Z');
const tags = [{ Key: 'Name', Value: 'web' }];

export const SHAPER_FIXTURES: Record<string, { page: Record<string, unknown>; expect: string[] }> = {
  'ce:GetCostAndUsage': {
    page: {
      GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      ResultsByTime: [
        {
          TimePeriod: { Start: '2024-04-01', End: '2024-05-01' },
          Total: {},
          Groups: [{ Keys: ['AWS Lambda'], Metrics: { UnblendedCost: { Amount: '12.5', Unit: 'USD' } } }],
          Estimated: false,
        },
      ],
    },
    expect: ['AWS Lambda', '12.5', 'totalsByGroup'],
  },
  'ce:GetCostForecast': {
    page: {
      Total: { Amount: '900.1', Unit: 'USD' },
      ForecastResultsByTime: [{ TimePeriod: { Start: '2024-06-01', End: '2024-07-01' }, MeanValue: '900.1' }],
    },
    expect: ['900.1', '2024-06-01'],
  },
  'ce:GetAnomalies': {
    page: {
      Anomalies: [
        {
          AnomalyId: 'an-1',
          DimensionValue: 'EC2',
          RootCauses: [{ Service: 'Amazon EC2', Region: 'us-east-1' }],
          AnomalyScore: { MaxScore: 0.9, CurrentScore: 0.5 },
          Impact: { MaxImpact: 40, TotalImpact: 120 },
          MonitorArn: 'arn:m',
        },
      ],
    },
    expect: ['an-1', 'Amazon EC2', '120'],
  },
  'ce:GetDimensionValues': {
    page: { DimensionValues: [{ Value: 'us-east-1', Attributes: { description: 'US East' } }], ReturnSize: 1, TotalSize: 1 },
    expect: ['us-east-1', 'US East'],
  },
  'ce:GetSavingsPlansUtilization': {
    page: {
      Total: { Utilization: { UtilizationPercentage: '87.5', TotalCommitment: '100' }, Savings: { NetSavings: '12' } },
      SavingsPlansUtilizationsByTime: [],
    },
    expect: ['87.5', 'NetSavings'],
  },
  'ce:GetReservationUtilization': {
    page: {
      UtilizationsByTime: [{ TimePeriod: { Start: '2024-04-01', End: '2024-05-01' }, Total: { UtilizationPercentage: '91' } }],
      Total: { UtilizationPercentage: '91' },
    },
    expect: ['91', '2024-04-01'],
  },
  'ce:GetRightsizingRecommendation': {
    page: {
      Summary: { TotalRecommendationCount: '1', EstimatedTotalMonthlySavingsAmount: '42' },
      RightsizingRecommendations: [
        {
          AccountId: '123456789012',
          RightsizingType: 'MODIFY',
          CurrentInstance: {
            ResourceId: 'i-1',
            ResourceDetails: { EC2ResourceDetails: { InstanceType: 'm5.xlarge' } },
            MonthlyCost: '140',
          },
          ModifyRecommendationDetail: {
            TargetInstances: [{ EstimatedMonthlySavings: '42', ResourceDetails: { EC2ResourceDetails: { InstanceType: 'm5.large' } } }],
          },
        },
      ],
    },
    expect: ['m5.xlarge', 'm5.large', 'MODIFY'],
  },
  'budgets:DescribeBudgets': {
    page: {
      Budgets: [
        {
          BudgetName: 'monthly',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: '1000', Unit: 'USD' },
          CalculatedSpend: { ActualSpend: { Amount: '640', Unit: 'USD' } },
          TimePeriod: { Start: d },
        },
      ],
    },
    expect: ['monthly', '640', '2024-05-01T10:00:00.000Z'],
  },
  'securityhub:GetFindings': {
    page: {
      Findings: [
        {
          Id: 'f-1',
          Title: 'Open SSH',
          Severity: { Label: 'HIGH', Normalized: 70 },
          ProductName: 'Security Hub',
          Resources: [{ Type: 'AwsEc2SecurityGroup', Id: 'sg-1', Details: { Big: 'x' } }],
          Workflow: { Status: 'NEW' },
        },
      ],
    },
    expect: ['Open SSH', 'HIGH', 'AwsEc2SecurityGroup'],
  },
  'securityhub:DescribeHub': {
    page: {
      HubArn: 'arn:aws:securityhub:us-east-1:123456789012:hub/default',
      SubscribedAt: '2024-01-01T00:00:00Z',
      AutoEnableControls: true,
    },
    expect: ['hub/default'],
  },
  'securityhub:GetEnabledStandards': {
    page: {
      StandardsSubscriptions: [
        { StandardsSubscriptionArn: 'arn:sub', StandardsArn: 'arn:std/cis', StandardsStatus: 'READY', StandardsInput: { x: 'y' } },
      ],
    },
    expect: ['arn:std/cis', 'READY'],
  },
  'securityhub:DescribeStandards': {
    page: { Standards: [{ StandardsArn: 'arn:std/fsbp', Name: 'AWS Foundational Security Best Practices', EnabledByDefault: true }] },
    expect: ['Foundational'],
  },
  'guardduty:ListDetectors': { page: { DetectorIds: ['det-123'] }, expect: ['det-123'] },
  'guardduty:ListFindings': { page: { FindingIds: ['gdf-1', 'gdf-2'] }, expect: ['gdf-2'] },
  'guardduty:GetFindings': {
    page: {
      Findings: [
        {
          Id: 'gdf-1',
          Type: 'Recon:EC2/PortProbeUnprotectedPort',
          Severity: 8.1,
          Title: 'Port probe',
          Resource: { ResourceType: 'Instance', InstanceDetails: { InstanceId: 'i-9' } },
          Service: { Count: 3 },
        },
      ],
    },
    expect: ['PortProbe', 'i-9', 'HIGH'],
  },
  'guardduty:GetFindingsStatistics': {
    page: { FindingStatistics: { CountBySeverity: { '8.0': 3 }, GroupedBySeverity: [{ Severity: 8, TotalFindings: 3 }] } },
    expect: ['TotalFindings', '"8.0":3'],
  },
  'access-analyzer:ListAnalyzers': {
    page: { analyzers: [{ arn: 'arn:analyzer/acct', name: 'acct', type: 'ACCOUNT', status: 'ACTIVE', createdAt: d }] },
    expect: ['arn:analyzer/acct', 'ACTIVE'],
  },
  'access-analyzer:ListFindings': {
    page: {
      findings: [
        {
          id: 'aa-1',
          resource: 'arn:aws:s3:::public-bucket',
          resourceType: 'AWS::S3::Bucket',
          isPublic: true,
          status: 'ACTIVE',
          principal: { AWS: '*' },
          condition: { 'sts:ExternalId': 'their-secret-external-id' },
          action: ['s3:GetObject'],
        },
      ],
    },
    expect: ['public-bucket', 'AWS::S3::Bucket'],
  },
  'ec2:DescribeInstances': {
    page: {
      Reservations: [
        {
          ReservationId: 'r-1',
          Instances: [
            {
              InstanceId: 'i-abc',
              InstanceType: 't3.micro',
              State: { Name: 'running', Code: 16 },
              UserData: 'IyEvYmluL2Jhc2gKZXhwb3J0IERCX1BBU1M9aHVudGVyMg==',
              Tags: tags,
            },
          ],
        },
      ],
    },
    expect: ['i-abc', 'running', 't3.micro'],
  },
  'ec2:DescribeVolumes': {
    page: { Volumes: [{ VolumeId: 'vol-1', Size: 100, VolumeType: 'gp3', State: 'available', Encrypted: false, Attachments: [] }] },
    expect: ['vol-1', 'sizeGiB', 'unencrypted'],
  },
  'ec2:DescribeSnapshots': {
    page: { Snapshots: [{ SnapshotId: 'snap-1', VolumeSize: 8, State: 'completed', Encrypted: true, StartTime: d }] },
    expect: ['snap-1', 'completed'],
  },
  'ec2:DescribeSecurityGroups': {
    page: {
      SecurityGroups: [
        {
          GroupId: 'sg-1',
          GroupName: 'ssh',
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        },
      ],
    },
    expect: ['sg-1', '0.0.0.0/0', 'open to the internet'],
  },
  'ec2:DescribeVpcs': {
    page: { Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16', IsDefault: true, State: 'available' }] },
    expect: ['vpc-1', '10.0.0.0/16'],
  },
  'ec2:DescribeSubnets': {
    page: { Subnets: [{ SubnetId: 'subnet-1', VpcId: 'vpc-1', CidrBlock: '10.0.1.0/24', AvailableIpAddressCount: 250 }] },
    expect: ['subnet-1', '250'],
  },
  'ec2:DescribeAddresses': {
    page: { Addresses: [{ PublicIp: '54.1.2.3', AllocationId: 'eipalloc-1', Domain: 'vpc' }] },
    expect: ['54.1.2.3', 'unassociated'],
  },
  'ec2:DescribeRegions': {
    page: { Regions: [{ RegionName: 'eu-west-1', OptInStatus: 'opt-in-not-required', Endpoint: 'ec2.eu-west-1.amazonaws.com' }] },
    expect: ['eu-west-1'],
  },
  'elasticloadbalancing:DescribeLoadBalancers': {
    page: {
      LoadBalancers: [
        {
          LoadBalancerArn: 'arn:lb/app/web',
          LoadBalancerName: 'web',
          Type: 'application',
          Scheme: 'internet-facing',
          State: { Code: 'active' },
        },
      ],
    },
    expect: ['arn:lb/app/web', 'internet-facing'],
  },
  'elasticloadbalancing:DescribeTargetGroups': {
    page: { TargetGroups: [{ TargetGroupArn: 'arn:tg/web', TargetGroupName: 'web', Protocol: 'HTTP', Port: 80, TargetType: 'instance' }] },
    expect: ['arn:tg/web'],
  },
  'autoscaling:DescribeAutoScalingGroups': {
    page: {
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'web-asg',
          MinSize: 1,
          MaxSize: 4,
          DesiredCapacity: 2,
          Instances: [{ InstanceId: 'i-1', LifecycleState: 'InService' }],
        },
      ],
    },
    expect: ['web-asg', 'InService'],
  },
  'lambda:ListFunctions': {
    page: { Functions: [{ FunctionName: 'orders', Runtime: 'nodejs20.x', Environment: { Variables: { DB_PASSWORD: 'hunter2' } } }] },
    expect: ['orders', 'nodejs20.x'],
  },
  'lambda:GetFunctionConfiguration': {
    page: { FunctionName: 'orders', Runtime: 'python3.12', MemorySize: 512, Environment: { Variables: { TOKEN: 'x' } } },
    expect: ['orders', '512'],
  },
  'ecs:ListClusters': { page: { clusterArns: ['arn:aws:ecs:us-east-1:123456789012:cluster/prod'] }, expect: ['cluster/prod'] },
  'ecs:DescribeClusters': {
    page: {
      clusters: [
        {
          clusterArn: 'arn:c/prod',
          clusterName: 'prod',
          status: 'ACTIVE',
          runningTasksCount: 7,
          configuration: { executeCommandConfiguration: { kmsKeyId: 'k' } },
        },
      ],
      failures: [],
    },
    expect: ['prod', '7'],
  },
  'ecs:ListServices': { page: { serviceArns: ['arn:aws:ecs:us-east-1:123456789012:service/prod/api'] }, expect: ['service/prod/api'] },
  'ecs:DescribeServices': {
    page: {
      services: [
        {
          serviceName: 'api',
          status: 'ACTIVE',
          desiredCount: 3,
          runningCount: 2,
          deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }],
          networkConfiguration: { awsvpcConfiguration: { subnets: ['s'] } },
        },
      ],
    },
    expect: ['api', 'IN_PROGRESS'],
  },
  'eks:ListClusters': { page: { clusters: ['prod-eks'] }, expect: ['prod-eks'] },
  'eks:DescribeCluster': {
    page: {
      cluster: {
        name: 'prod-eks',
        version: '1.30',
        status: 'ACTIVE',
        certificateAuthority: { data: 'LS0tLS1CRUdJTi' },
        resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] },
        tags: { env: 'prod' },
      },
    },
    expect: ['prod-eks', '1.30', '0.0.0.0/0', 'env'],
  },
  'compute-optimizer:GetEC2InstanceRecommendations': {
    page: {
      instanceRecommendations: [
        {
          instanceArn: 'arn:i-1',
          currentInstanceType: 'm5.2xlarge',
          finding: 'OVER_PROVISIONED',
          recommendationOptions: [
            { instanceType: 'm5.large', rank: 1, savingsOpportunity: { estimatedMonthlySavings: { currency: 'USD', value: 80 } } },
          ],
        },
      ],
    },
    expect: ['OVER_PROVISIONED', 'm5.large'],
  },
  's3:ListBuckets': {
    page: {
      Buckets: [{ Name: 'acme-logs', CreationDate: d, BucketRegion: 'eu-west-1' }],
      Owner: { DisplayName: 'acme', ID: 'canonical-id' },
    },
    expect: ['acme-logs', 'eu-west-1'],
  },
  's3:GetBucketLocation': { page: { LocationConstraint: '' }, expect: ['us-east-1'] },
  's3:GetBucketEncryption': {
    page: {
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:kms/key' }, BucketKeyEnabled: true }],
      },
    },
    expect: ['aws:kms'],
  },
  's3:GetBucketVersioning': { page: { Status: 'Enabled' }, expect: ['Enabled'] },
  's3:GetPublicAccessBlock': {
    page: {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: false,
      },
    },
    expect: ['RestrictPublicBuckets'],
  },
  's3:GetBucketPolicyStatus': { page: { PolicyStatus: { IsPublic: false } }, expect: ['IsPublic'] },
  'iam:ListUsers': {
    page: {
      Users: [{ UserName: 'alice', UserId: 'AIDAEXAMPLE', Arn: 'arn:aws:iam::123456789012:user/alice', CreateDate: d }],
      IsTruncated: false,
    },
    expect: ['alice'],
  },
  'iam:ListRoles': {
    page: {
      Roles: [
        {
          RoleName: 'vendor',
          Arn: 'arn:aws:iam::123456789012:role/vendor',
          CreateDate: d,
          AssumeRolePolicyDocument: encodeURIComponent(
            JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: 'arn:aws:iam::999988887777:root' },
                  Action: 'sts:AssumeRole',
                  Condition: { StringEquals: { 'sts:ExternalId': 'vendor-external-id-value' } },
                },
              ],
            }),
          ),
        },
      ],
    },
    expect: ['vendor', 'cross-account', 'sts:ExternalId', 'arn:aws:iam::999988887777:root'],
  },
  'iam:GetAccountSummary': { page: { SummaryMap: { Users: 4, AccountMFAEnabled: 1 } }, expect: ['AccountMFAEnabled'] },
  'iam:GetAccountPasswordPolicy': {
    page: { PasswordPolicy: { MinimumPasswordLength: 14, RequireSymbols: true } },
    expect: ['MinimumPasswordLength'],
  },
  'iam:ListAccessKeys': {
    page: { AccessKeyMetadata: [{ UserName: 'alice', AccessKeyId: 'AKIAI44QH8DHBEXAMPLE', Status: 'Active', CreateDate: d }] },
    expect: ['alice', 'AKIA…MPLE', 'Active'],
  },
  'iam:GetAccessKeyLastUsed': {
    page: { UserName: 'alice', AccessKeyLastUsed: { LastUsedDate: d, ServiceName: 's3', Region: 'us-east-1' } },
    expect: ['alice', 's3'],
  },
  'iam:ListMFADevices': {
    page: { MFADevices: [{ UserName: 'alice', SerialNumber: 'arn:aws:iam::123456789012:mfa/alice', EnableDate: d }] },
    expect: ['mfa/alice'],
  },
  'iam:SimulatePrincipalPolicy': {
    page: {
      EvaluationResults: [
        {
          EvalActionName: 's3:DeleteBucket',
          EvalResourceName: '*',
          EvalDecision: 'explicitDeny',
          MatchedStatements: [
            { SourcePolicyId: 'plainfra-deny-data-plane', SourcePolicyType: 'IAM Policy', StartPosition: { Line: 1, Column: 1 } },
          ],
          EvalDecisionDetails: { x: 'y' },
        },
      ],
      IsTruncated: false,
    },
    expect: ['s3:DeleteBucket', 'explicitDeny', 'plainfra-deny-data-plane'],
  },
  'iam:GenerateCredentialReport': {
    page: { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' },
    expect: ['STARTED'],
  },
  'iam:GetCredentialReport': {
    page: {
      GeneratedTime: d,
      ReportFormat: 'text/csv',
      Content: new TextEncoder().encode(
        'user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active\n' +
          '<root_account>,arn:aws:iam::123456789012:root,2020-01-01,not_supported,2024-01-01,true,false\n' +
          '"bob,ops",arn:aws:iam::123456789012:user/bob,2021-01-01,true,2024-02-01,false,true\n',
      ),
    },
    expect: ['bob,ops', 'no MFA', 'console password'],
  },
  'rds:DescribeDBInstances': {
    page: {
      DBInstances: [
        {
          DBInstanceIdentifier: 'orders-db',
          Engine: 'postgres',
          DBInstanceClass: 'db.r6g.large',
          MasterUsername: 'admin',
          PubliclyAccessible: false,
          AllocatedStorage: 100,
          Endpoint: { Address: 'orders-db.x.rds.amazonaws.com', Port: 5432 },
        },
      ],
    },
    expect: ['orders-db', 'postgres', '5432'],
  },
  'rds:DescribeDBClusters': {
    page: {
      DBClusters: [
        {
          DBClusterIdentifier: 'aurora-1',
          Engine: 'aurora-postgresql',
          Status: 'available',
          MasterUsername: 'admin',
          DBClusterMembers: [{ DBInstanceIdentifier: 'a1', IsClusterWriter: true }],
        },
      ],
    },
    expect: ['aurora-1', 'IsClusterWriter'],
  },
  'rds:DescribeDBSnapshots': {
    page: {
      DBSnapshots: [
        {
          DBSnapshotIdentifier: 'snap-db',
          DBInstanceIdentifier: 'orders-db',
          SnapshotType: 'manual',
          Encrypted: false,
          AllocatedStorage: 100,
        },
      ],
    },
    expect: ['snap-db', 'manual'],
  },
  'cloudwatch:DescribeAlarms': {
    page: {
      MetricAlarms: [
        {
          AlarmName: 'cpu-high',
          StateValue: 'ALARM',
          MetricName: 'CPUUtilization',
          Namespace: 'AWS/EC2',
          Threshold: 80,
          AlarmActions: ['arn:sns'],
        },
      ],
      CompositeAlarms: [],
    },
    expect: ['cpu-high', 'ALARM', 'metric'],
  },
  'cloudwatch:ListMetrics': {
    page: { Metrics: [{ Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }] }] },
    expect: ['CPUUtilization', 'i-1'],
  },
  'cloudwatch:GetMetricStatistics': {
    page: {
      Label: 'CPUUtilization',
      Datapoints: [
        { Timestamp: new Date('2024-05-01T11:00:00Z'), Average: 40 },
        { Timestamp: d, Average: 20 },
      ],
    },
    expect: ['CPUUtilization', '2024-05-01T10:00:00.000Z'],
  },
  'cloudwatch:GetMetricData': {
    page: { MetricDataResults: [{ Id: 'm1', Label: 'cpu', StatusCode: 'Complete', Timestamps: [d, d], Values: [10, 30] }] },
    expect: ['m1', '"avg":20', '"max":30'],
  },
  'cloudtrail:LookupEvents': {
    page: {
      Events: [
        {
          EventId: 'ev-1',
          EventName: 'ConsoleLogin',
          EventTime: d,
          Username: 'alice',
          AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
          CloudTrailEvent: JSON.stringify({
            sourceIPAddress: '203.0.113.9',
            requestParameters: { password: 'x' },
            userIdentity: { type: 'IAMUser' },
          }),
        },
      ],
    },
    expect: ['ConsoleLogin', '203.0.113.9', 'IAMUser'],
  },
  'cloudtrail:DescribeTrails': {
    page: { trailList: [{ Name: 'org-trail', IsMultiRegionTrail: true, S3BucketName: 'trail-bucket', LogFileValidationEnabled: true }] },
    expect: ['org-trail', 'trail-bucket'],
  },
  'config:DescribeConfigRules': {
    page: {
      ConfigRules: [
        {
          ConfigRuleName: 's3-public-read',
          ConfigRuleState: 'ACTIVE',
          Source: { Owner: 'AWS', SourceIdentifier: 'S3_BUCKET_PUBLIC_READ_PROHIBITED' },
          InputParameters: '{"token":"abc"}',
        },
      ],
    },
    expect: ['s3-public-read', 'S3_BUCKET_PUBLIC_READ_PROHIBITED'],
  },
  'config:DescribeComplianceByConfigRule': {
    page: {
      ComplianceByConfigRules: [
        {
          ConfigRuleName: 's3-public-read',
          Compliance: { ComplianceType: 'NON_COMPLIANT', ComplianceContributorCount: { CappedCount: 2, CapExceeded: false } },
        },
      ],
    },
    expect: ['NON_COMPLIANT', 'CappedCount'],
  },
  'config:GetComplianceDetailsByConfigRule': {
    page: {
      EvaluationResults: [
        {
          ComplianceType: 'NON_COMPLIANT',
          EvaluationResultIdentifier: {
            EvaluationResultQualifier: { ConfigRuleName: 'r', ResourceType: 'AWS::S3::Bucket', ResourceId: 'acme-public' },
          },
        },
      ],
    },
    expect: ['acme-public', 'AWS::S3::Bucket'],
  },
  'organizations:DescribeOrganization': {
    page: { Organization: { Id: 'o-abc', FeatureSet: 'ALL', MasterAccountId: '111111111111', MasterAccountEmail: 'root@acme.example' } },
    expect: ['o-abc'],
  },
  'organizations:ListAccounts': {
    page: { Accounts: [{ Id: '123456789012', Name: 'prod', Email: 'aws-prod@acme.example', Status: 'ACTIVE' }] },
    expect: ['prod', 'ACTIVE'],
  },
  'health:DescribeEvents': {
    page: {
      events: [
        {
          arn: 'arn:health/ev',
          service: 'EC2',
          eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
          statusCode: 'upcoming',
          region: 'us-east-1',
        },
      ],
    },
    expect: ['AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED'],
  },
  'tag:GetResources': {
    page: {
      ResourceTagMappingList: [
        { ResourceARN: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', Tags: [{ Key: 'team', Value: 'search' }] },
      ],
    },
    expect: ['instance/i-1', 'ec2:instance', 'search'],
  },
  'support:DescribeTrustedAdvisorChecks': {
    page: {
      checks: [
        {
          id: 'Qch7DwouX1',
          name: 'Low Utilization Amazon EC2 Instances',
          category: 'cost_optimizing',
          description: '<p>long html</p>',
          metadata: ['Region'],
        },
      ],
    },
    expect: ['Qch7DwouX1', 'cost_optimizing'],
  },
  'support:DescribeTrustedAdvisorCheckResult': {
    page: {
      result: {
        checkId: 'Qch7DwouX1',
        status: 'warning',
        resourcesSummary: { resourcesProcessed: 10, resourcesFlagged: 2 },
        flaggedResources: [{ status: 'warning', region: 'us-east-1', resourceId: 'res-1', metadata: ['us-east-1', 'i-1', '$40'] }],
      },
    },
    expect: ['res-1', 'resourcesFlagged'],
  },
  'sts:GetCallerIdentity': {
    page: { Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/plainfra-readonly/hawk', UserId: 'AROA:hawk' },
    expect: ['assumed-role/plainfra-readonly'],
  },
};
