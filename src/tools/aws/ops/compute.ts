/** EC2/VPC, load balancing, Auto Scaling, Lambda, ECS, EKS and Compute Optimizer: regional services. */
import {
  DescribeAddressesCommand, DescribeInstancesCommand, DescribeRegionsCommand, DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand, DescribeSubnetsCommand, DescribeVolumesCommand, DescribeVpcsCommand, EC2Client,
  paginateDescribeInstances, paginateDescribeSecurityGroups, paginateDescribeSnapshots, paginateDescribeSubnets,
  paginateDescribeVolumes, paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, paginateDescribeAutoScalingGroups } from '@aws-sdk/client-auto-scaling';
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand, paginateListFunctions } from '@aws-sdk/client-lambda';
import {
  DescribeClustersCommand as EcsDescribeClustersCommand, DescribeServicesCommand, ECSClient, ListClustersCommand as EcsListClustersCommand,
  ListServicesCommand, paginateListClusters as paginateEcsListClusters, paginateListServices,
} from '@aws-sdk/client-ecs';
import { DescribeClusterCommand, EKSClient, ListClustersCommand as EksListClustersCommand, paginateListClusters as paginateEksListClusters } from '@aws-sdk/client-eks';
import { ComputeOptimizerClient, GetEC2InstanceRecommendationsCommand } from '@aws-sdk/client-compute-optimizer';
import { z } from 'zod';
import { bool, ec2Filters, filterList, obj, pageSize, str, strs } from '../params.js';
import type { ParamPin } from '../account-pin.js';
import type { FieldSpec } from '../shape.js';
import { defineOps } from '../spec.js';

const tags: FieldSpec = [{ Tags: ['Key', 'Value'] }];
const sgRule: FieldSpec = [
  'IpProtocol', 'FromPort', 'ToPort', { IpRanges: ['CidrIp', 'Description'] }, { Ipv6Ranges: ['CidrIpv6', 'Description'] },
  { UserIdGroupPairs: ['GroupId', 'UserId'] }, { PrefixListIds: ['PrefixListId'] },
];
/** Lambda configuration minus `Environment` (secrets live there), code location and signing details. */
const lambdaConfig: FieldSpec = [
  'FunctionName', 'FunctionArn', 'Runtime', 'Handler', 'CodeSize', 'MemorySize', 'Timeout', 'LastModified', 'Role',
  'PackageType', 'Architectures', 'State', 'LastUpdateStatus', 'Description', { VpcConfig: ['VpcId', 'SubnetIds', 'SecurityGroupIds'] },
  { Layers: ['Arn'] }, { EphemeralStorage: ['Size'] }, { TracingConfig: ['Mode'] },
];
/** EC2 refuses MaxResults together with an explicit id list, so the page size is left out then. */
const ec2Paging = (paginator: any, max: number, ids: string[]) => ({ input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: max, paginator, noSizeWith: ids });
/** ECS cluster and service names; either may also be given as an ARN, which must be the bound account's. */
const ecsName = /^[A-Za-z0-9_-]{1,255}$/;
const ecsPin = (param: string): ParamPin => ({ param, kind: 'arn', service: 'ecs', names: ecsName });
const elbPin = (param: string): ParamPin => ({ param, kind: 'arn', service: 'elasticloadbalancing' });
const openToWorld = (i: any) =>
  (i.IpPermissions ?? []).some((r: any) => (r.IpRanges ?? []).some((x: any) => x.CidrIp === '0.0.0.0/0') || (r.Ipv6Ranges ?? []).some((x: any) => x.CidrIpv6 === '::/0'))
    ? 'open to the internet'
    : 'not open to the internet';

export const computeOps = defineOps([
  {
    service: 'ec2', operation: 'DescribeInstances', client: EC2Client, command: DescribeInstancesCommand, scope: 'regional',
    params: obj({ InstanceIds: strs(1000).optional(), Filters: ec2Filters.optional(), MaxResults: pageSize(5, 1000).optional() }),
    paging: ec2Paging(paginateDescribeInstances, 1000, ['InstanceIds']),
    list: {
      // Instances come wrapped in reservations; the reservation itself carries nothing the model needs.
      items: (p) => (p.Reservations ?? []).flatMap((r: any) => r.Instances ?? []),
      item: [
        'InstanceId', 'InstanceType', 'LaunchTime', 'PrivateIpAddress', 'PublicIpAddress', 'VpcId', 'SubnetId', 'ImageId',
        'PlatformDetails', 'Architecture', 'InstanceLifecycle', 'KeyName', { State: ['Name'] }, { Placement: ['AvailabilityZone'] },
        { IamInstanceProfile: ['Arn'] }, { SecurityGroups: ['GroupId', 'GroupName'] }, { MetadataOptions: ['HttpTokens'] }, ...tags,
      ],
      groups: { state: (i: any) => i.State?.Name, type: (i: any) => i.InstanceType },
      // Running instances first: they are what costs money and what people ask about.
      rank: (i: any) => (i.State?.Name === 'running' ? 1 : 0),
    },
  },
  {
    service: 'ec2', operation: 'DescribeVolumes', client: EC2Client, command: DescribeVolumesCommand, scope: 'regional',
    params: obj({ VolumeIds: strs(500).optional(), Filters: ec2Filters.optional(), MaxResults: pageSize(5, 500).optional() }),
    paging: ec2Paging(paginateDescribeVolumes, 500, ['VolumeIds']),
    list: {
      items: (p) => p.Volumes,
      item: ['VolumeId', 'Size', 'VolumeType', 'State', 'Encrypted', 'Iops', 'Throughput', 'AvailabilityZone', 'CreateTime', 'SnapshotId', { Attachments: ['InstanceId', 'State', 'Device'] }, ...tags],
      groups: { state: (i: any) => i.State, type: (i: any) => i.VolumeType, encrypted: (i: any) => (i.Encrypted ? 'encrypted' : 'unencrypted') },
      sums: { sizeGiB: (i: any) => i.Size },
      rank: (i: any) => (i.State === 'available' ? 1 : 0), // unattached volumes are the usual question
    },
  },
  {
    service: 'ec2', operation: 'DescribeSnapshots', client: EC2Client, command: DescribeSnapshotsCommand, scope: 'regional',
    params: obj({
      // Without OwnerIds EC2 returns every public snapshot in the region (millions): default to self.
      // Only `self` or the bound account's own id pass the pin: other owners are other accounts.
      OwnerIds: strs(20).min(1).default(['self']),
      SnapshotIds: strs(500).optional(),
      Filters: ec2Filters.optional(),
      MaxResults: pageSize(5, 1000).optional(),
    }),
    pins: [{ param: 'OwnerIds', kind: 'owner' }],
    fixedInput: (p) => ({ OwnerIds: p.OwnerIds ?? ['self'] }),
    paging: ec2Paging(paginateDescribeSnapshots, 1000, ['SnapshotIds']),
    list: {
      items: (p) => p.Snapshots,
      item: ['SnapshotId', 'VolumeId', 'VolumeSize', 'State', 'StartTime', 'Encrypted', 'Description', 'StorageTier', ...tags],
      groups: { state: (i: any) => i.State, encrypted: (i: any) => (i.Encrypted ? 'encrypted' : 'unencrypted') },
      sums: { sizeGiB: (i: any) => i.VolumeSize },
    },
  },
  {
    service: 'ec2', operation: 'DescribeSecurityGroups', client: EC2Client, command: DescribeSecurityGroupsCommand, scope: 'regional',
    params: obj({ GroupIds: strs(500).optional(), GroupNames: strs(500).optional(), Filters: ec2Filters.optional(), MaxResults: pageSize(5, 1000).optional() }),
    paging: ec2Paging(paginateDescribeSecurityGroups, 1000, ['GroupIds', 'GroupNames']),
    list: {
      items: (p) => p.SecurityGroups,
      item: ['GroupId', 'GroupName', 'Description', 'VpcId', { IpPermissions: sgRule }, { IpPermissionsEgress: sgRule }, ...tags],
      groups: { exposure: openToWorld },
      rank: (i: any) => (openToWorld(i) === 'open to the internet' ? 1 : 0),
    },
  },
  {
    service: 'ec2', operation: 'DescribeVpcs', client: EC2Client, command: DescribeVpcsCommand, scope: 'regional',
    params: obj({ VpcIds: strs(200).optional(), Filters: ec2Filters.optional(), MaxResults: pageSize(5, 1000).optional() }),
    paging: ec2Paging(paginateDescribeVpcs, 1000, ['VpcIds']),
    list: { items: (p) => p.Vpcs, item: ['VpcId', 'CidrBlock', 'IsDefault', 'State', 'OwnerId', ...tags], groups: { default: (i: any) => (i.IsDefault ? 'default' : 'custom') } },
  },
  {
    service: 'ec2', operation: 'DescribeSubnets', client: EC2Client, command: DescribeSubnetsCommand, scope: 'regional',
    params: obj({ SubnetIds: strs(500).optional(), Filters: ec2Filters.optional(), MaxResults: pageSize(5, 1000).optional() }),
    paging: ec2Paging(paginateDescribeSubnets, 1000, ['SubnetIds']),
    list: {
      items: (p) => p.Subnets,
      item: ['SubnetId', 'VpcId', 'CidrBlock', 'AvailabilityZone', 'AvailableIpAddressCount', 'MapPublicIpOnLaunch', 'DefaultForAz', 'State', ...tags],
      groups: { vpc: (i: any) => i.VpcId },
    },
  },
  {
    service: 'ec2', operation: 'DescribeAddresses', client: EC2Client, command: DescribeAddressesCommand, scope: 'regional',
    params: obj({ PublicIps: strs(200).optional(), AllocationIds: strs(200).optional(), Filters: ec2Filters.optional() }),
    list: {
      items: (p) => p.Addresses,
      item: ['PublicIp', 'AllocationId', 'AssociationId', 'InstanceId', 'NetworkInterfaceId', 'PrivateIpAddress', 'Domain', ...tags],
      // Unassociated Elastic IPs are billed: the usual reason to ask.
      groups: { association: (i: any) => (i.AssociationId ? 'associated' : 'unassociated') },
      rank: (i: any) => (i.AssociationId ? 0 : 1),
    },
  },
  {
    service: 'ec2', operation: 'DescribeRegions', client: EC2Client, command: DescribeRegionsCommand, scope: 'global',
    params: obj({ AllRegions: bool.optional(), RegionNames: strs(50).optional() }),
    list: {
      items: (p) => p.Regions,
      item: ['RegionName', 'OptInStatus'],
      groups: { optIn: (i: any) => i.OptInStatus },
    },
  },
  {
    service: 'elasticloadbalancing', operation: 'DescribeLoadBalancers', client: ElasticLoadBalancingV2Client, command: DescribeLoadBalancersCommand, scope: 'regional',
    params: obj({ LoadBalancerArns: strs(20).optional(), Names: strs(20).optional(), PageSize: pageSize(1, 400).optional() }),
    pins: [elbPin('LoadBalancerArns')],
    paging: { input: 'Marker', output: 'NextMarker', sizeParam: 'PageSize', pageSize: 400, paginator: paginateDescribeLoadBalancers },
    list: {
      items: (p) => p.LoadBalancers,
      item: ['LoadBalancerArn', 'LoadBalancerName', 'DNSName', 'Type', 'Scheme', 'VpcId', 'CreatedTime', 'IpAddressType', 'SecurityGroups', { State: ['Code'] }, { AvailabilityZones: ['ZoneName', 'SubnetId'] }],
      groups: { type: (i: any) => i.Type, scheme: (i: any) => i.Scheme },
    },
  },
  {
    service: 'elasticloadbalancing', operation: 'DescribeTargetGroups', client: ElasticLoadBalancingV2Client, command: DescribeTargetGroupsCommand, scope: 'regional',
    params: obj({ LoadBalancerArn: str.optional(), TargetGroupArns: strs(20).optional(), Names: strs(20).optional(), PageSize: pageSize(1, 400).optional() }),
    pins: [elbPin('LoadBalancerArn'), elbPin('TargetGroupArns')],
    paging: { input: 'Marker', output: 'NextMarker', sizeParam: 'PageSize', pageSize: 400, paginator: paginateDescribeTargetGroups },
    list: {
      items: (p) => p.TargetGroups,
      item: ['TargetGroupArn', 'TargetGroupName', 'Protocol', 'Port', 'VpcId', 'TargetType', 'LoadBalancerArns', 'HealthCheckPath', 'HealthCheckProtocol'],
      groups: { targetType: (i: any) => i.TargetType },
    },
  },
  {
    service: 'autoscaling', operation: 'DescribeAutoScalingGroups', client: AutoScalingClient, command: DescribeAutoScalingGroupsCommand, scope: 'regional',
    params: obj({ AutoScalingGroupNames: strs(100).optional(), Filters: ec2Filters.optional(), MaxRecords: pageSize(1, 100).optional() }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxRecords', pageSize: 100, paginator: paginateDescribeAutoScalingGroups },
    list: {
      items: (p) => p.AutoScalingGroups,
      item: [
        'AutoScalingGroupName', 'MinSize', 'MaxSize', 'DesiredCapacity', 'AvailabilityZones', 'CreatedTime', 'Status',
        { LaunchTemplate: ['LaunchTemplateName', 'Version'] }, { Instances: ['InstanceId', 'LifecycleState', 'HealthStatus', 'InstanceType'] }, { Tags: ['Key', 'Value'] },
      ],
    },
  },
  {
    service: 'lambda', operation: 'ListFunctions', client: LambdaClient, command: ListFunctionsCommand, scope: 'regional',
    params: obj({ MaxItems: pageSize(1, 50).optional() }),
    paging: { input: 'Marker', output: 'NextMarker', sizeParam: 'MaxItems', pageSize: 50, paginator: paginateListFunctions },
    list: { items: (p) => p.Functions, item: lambdaConfig, groups: { runtime: (i: any) => i.Runtime ?? i.PackageType } },
  },
  {
    service: 'lambda', operation: 'GetFunctionConfiguration', client: LambdaClient, command: GetFunctionConfigurationCommand, scope: 'regional',
    params: obj({ FunctionName: str, Qualifier: str.optional() }),
    // A function's resource policy can share it with other accounts: only the bound account's.
    pins: [{ param: 'FunctionName', kind: 'lambda-function' }],
    single: lambdaConfig,
  },
  {
    service: 'ecs', operation: 'ListClusters', client: ECSClient, command: EcsListClustersCommand, scope: 'regional',
    params: obj({ maxResults: pageSize(1, 100).optional() }),
    paging: { input: 'nextToken', output: 'nextToken', sizeParam: 'maxResults', pageSize: 100, paginator: paginateEcsListClusters },
    list: { items: (p) => p.clusterArns, item: (arn: string) => ({ clusterArn: arn }) },
  },
  {
    service: 'ecs', operation: 'DescribeClusters', client: ECSClient, command: EcsDescribeClustersCommand, scope: 'regional',
    params: obj({ clusters: strs(100).optional() }),
    pins: [ecsPin('clusters')],
    single: [
      { clusters: ['clusterArn', 'clusterName', 'status', 'registeredContainerInstancesCount', 'runningTasksCount', 'pendingTasksCount', 'activeServicesCount', 'capacityProviders'] },
      { failures: ['arn', 'reason'] },
    ],
  },
  {
    service: 'ecs', operation: 'ListServices', client: ECSClient, command: ListServicesCommand, scope: 'regional',
    pins: [ecsPin('cluster')],
    params: obj({ cluster: str.optional(), launchType: z.enum(['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES']).optional(), schedulingStrategy: z.enum(['REPLICA', 'DAEMON']).optional(), maxResults: pageSize(1, 100).optional() }),
    paging: { input: 'nextToken', output: 'nextToken', sizeParam: 'maxResults', pageSize: 100, paginator: paginateListServices },
    list: { items: (p) => p.serviceArns, item: (arn: string) => ({ serviceArn: arn }) },
  },
  {
    service: 'ecs', operation: 'DescribeServices', client: ECSClient, command: DescribeServicesCommand, scope: 'regional',
    params: obj({ cluster: str.optional(), services: strs(10).min(1) }),
    pins: [ecsPin('cluster'), ecsPin('services')],
    single: [
      {
        services: [
          'serviceArn', 'serviceName', 'clusterArn', 'status', 'desiredCount', 'runningCount', 'pendingCount', 'launchType', 'taskDefinition', 'createdAt',
          { deployments: ['status', 'desiredCount', 'runningCount', 'failedTasks', 'rolloutState', 'updatedAt'] },
        ],
      },
      { failures: ['arn', 'reason'] },
    ],
  },
  {
    service: 'eks', operation: 'ListClusters', client: EKSClient, command: EksListClustersCommand, scope: 'regional',
    params: obj({ maxResults: pageSize(1, 100).optional() }),
    paging: { input: 'nextToken', output: 'nextToken', sizeParam: 'maxResults', pageSize: 100, paginator: paginateEksListClusters },
    list: { items: (p) => p.clusters, item: (name: string) => ({ name }) },
  },
  {
    service: 'eks', operation: 'DescribeCluster', client: EKSClient, command: DescribeClusterCommand, scope: 'regional',
    // EKS takes the cluster's name only (no ARN form), so nothing of another account can be named.
    params: obj({ name: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'expected an EKS cluster name') }),
    single: [{
      cluster: [
        'name', 'arn', 'version', 'status', 'endpoint', 'platformVersion', 'createdAt', 'roleArn', { tags: ['*'] },
        { resourcesVpcConfig: ['subnetIds', 'securityGroupIds', 'clusterSecurityGroupId', 'vpcId', 'endpointPublicAccess', 'endpointPrivateAccess', 'publicAccessCidrs'] },
        { logging: [{ clusterLogging: ['types', 'enabled'] }] }, { kubernetesNetworkConfig: ['serviceIpv4Cidr', 'ipFamily'] },
      ],
    }],
  },
  {
    service: 'compute-optimizer', operation: 'GetEC2InstanceRecommendations', client: ComputeOptimizerClient, command: GetEC2InstanceRecommendationsCommand, scope: 'regional',
    // No accountIds: in a management account it would read member accounts' recommendations.
    params: obj({ instanceArns: strs(100).optional(), filters: filterList.optional(), maxResults: pageSize(1, 1000).optional() }),
    pins: [{ param: 'instanceArns', kind: 'arn', service: 'ec2' }],
    // The SDK has no paginator for this one: hawk loops on nextToken.
    paging: { input: 'nextToken', output: 'nextToken', sizeParam: 'maxResults', pageSize: 1000 },
    list: {
      items: (p) => p.instanceRecommendations,
      item: [
        'instanceArn', 'instanceName', 'currentInstanceType', 'finding', 'findingReasonCodes', 'lastRefreshTimestamp',
        { recommendationOptions: ['instanceType', 'rank', 'performanceRisk', { savingsOpportunity: ['savingsOpportunityPercentage', { estimatedMonthlySavings: ['currency', 'value'] }] }] },
      ],
      groups: { finding: (i: any) => i.finding },
      rank: (i: any) => Number(i.recommendationOptions?.[0]?.savingsOpportunity?.estimatedMonthlySavings?.value ?? 0),
    },
    absentOn: { OptInRequiredException: 'Compute Optimizer is not enabled (opted in) for this account.' },
  },
]);
