/** S3 bucket configuration (never objects) and RDS. */
import {
  type Bucket,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  type GetBucketLocationCommandOutput,
  GetBucketPolicyStatusCommand,
  GetBucketVersioningCommand,
  type GetBucketVersioningCommandOutput,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type ListBucketsCommandOutput,
  S3Client,
  paginateListBuckets,
} from '@aws-sdk/client-s3';
import {
  type DBCluster,
  type DBInstance,
  type DBSnapshot,
  DescribeDBClustersCommand,
  type DescribeDBClustersCommandOutput,
  DescribeDBInstancesCommand,
  type DescribeDBInstancesCommandOutput,
  DescribeDBSnapshotsCommand,
  type DescribeDBSnapshotsCommandOutput,
  RDSClient,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
} from '@aws-sdk/client-rds';
import { z } from 'zod';
import { filterList, obj, pageSize, str } from '../params.js';
import type { ParamPin } from '../account-pin.js';
import { defineOps, type Paginator, type Paging } from '../spec.js';
import { sdkOp } from './sdk-op.js';

/** S3 bucket names: also stops the model from passing a key or a path where a bucket is expected. */
const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name');
const bucketParams = obj({ Bucket: bucket });
/**
 * Bucket calls always name the bound account as the expected owner: S3 then refuses a bucket of
 * another account instead of sending it a signed request that reveals who is asking.
 */
const ownBucketsOnly = (_params: Record<string, unknown>, accountId: string) => ({ ExpectedBucketOwner: accountId });
/** RDS identifiers may be given as ARNs (DB instance, cluster, snapshot): only the bound account's. */
const rdsId = /^[A-Za-z][A-Za-z0-9-]{0,254}$/;
const rdsSnapshotId = /^(?:rds:|awsbackup:)?[A-Za-z][A-Za-z0-9-]{0,254}$/;
const rdsPin = (param: string, names = rdsId): ParamPin => ({ param, kind: 'arn', service: 'rds', names });
const rdsPaging = (paginator: Paginator): Paging => ({
  input: 'Marker',
  output: 'Marker',
  sizeParam: 'MaxRecords',
  pageSize: 100,
  paginator,
});

export const storageOps = defineOps([
  sdkOp<ListBucketsCommandOutput, Bucket>({
    service: 's3',
    operation: 'ListBuckets',
    client: S3Client,
    command: ListBucketsCommand,
    scope: 'global',
    params: obj({ Prefix: str.optional(), BucketRegion: str.optional(), MaxBuckets: pageSize(1, 10000).optional() }),
    paging: {
      input: 'ContinuationToken',
      output: 'ContinuationToken',
      sizeParam: 'MaxBuckets',
      pageSize: 1000,
      paginator: paginateListBuckets,
    },
    list: { items: (p) => p.Buckets, item: ['Name', 'CreationDate', 'BucketRegion'], groups: { region: (i) => i.BucketRegion } },
  }),
  sdkOp<GetBucketLocationCommandOutput>({
    service: 's3',
    operation: 'GetBucketLocation',
    client: S3Client,
    command: GetBucketLocationCommand,
    scope: 'bucket',
    params: bucketParams,
    fixedInput: ownBucketsOnly,
    // S3 reports us-east-1 as an empty LocationConstraint, which models misread as "no region".
    single: (o) => ({ LocationConstraint: o.LocationConstraint || 'us-east-1' }),
  }),
  {
    service: 's3',
    operation: 'GetBucketEncryption',
    client: S3Client,
    command: GetBucketEncryptionCommand,
    scope: 'bucket',
    params: bucketParams,
    fixedInput: ownBucketsOnly,
    single: [
      {
        ServerSideEncryptionConfiguration: [
          { Rules: [{ ApplyServerSideEncryptionByDefault: ['SSEAlgorithm', 'KMSMasterKeyID'] }, 'BucketKeyEnabled'] },
        ],
      },
    ],
    absentOn: { ServerSideEncryptionConfigurationNotFoundError: 'The bucket has no default encryption configuration.' },
  },
  sdkOp<GetBucketVersioningCommandOutput>({
    service: 's3',
    operation: 'GetBucketVersioning',
    client: S3Client,
    command: GetBucketVersioningCommand,
    scope: 'bucket',
    params: bucketParams,
    fixedInput: ownBucketsOnly,
    single: (o) => ({ Status: o.Status ?? 'Never enabled', MFADelete: o.MFADelete ?? 'Disabled' }),
  }),
  {
    service: 's3',
    operation: 'GetPublicAccessBlock',
    client: S3Client,
    command: GetPublicAccessBlockCommand,
    scope: 'bucket',
    params: bucketParams,
    fixedInput: ownBucketsOnly,
    single: [{ PublicAccessBlockConfiguration: ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] }],
    absentOn: {
      NoSuchPublicAccessBlockConfiguration: 'The bucket has no public access block of its own (the account-level setting may still apply).',
    },
  },
  {
    service: 's3',
    operation: 'GetBucketPolicyStatus',
    client: S3Client,
    command: GetBucketPolicyStatusCommand,
    scope: 'bucket',
    params: bucketParams,
    fixedInput: ownBucketsOnly,
    single: [{ PolicyStatus: ['IsPublic'] }],
    absentOn: { NoSuchBucketPolicy: 'The bucket has no bucket policy, so no policy makes it public.' },
  },
  sdkOp<DescribeDBInstancesCommandOutput, DBInstance>({
    service: 'rds',
    operation: 'DescribeDBInstances',
    client: RDSClient,
    command: DescribeDBInstancesCommand,
    scope: 'regional',
    params: obj({ DBInstanceIdentifier: str.optional(), Filters: filterList.optional(), MaxRecords: pageSize(20, 100).optional() }),
    pins: [rdsPin('DBInstanceIdentifier')],
    paging: rdsPaging(paginateDescribeDBInstances),
    list: {
      items: (p) => p.DBInstances,
      // MasterUsername is dropped: not needed to answer anything and it is half a credential.
      item: [
        'DBInstanceIdentifier',
        'DBInstanceClass',
        'Engine',
        'EngineVersion',
        'DBInstanceStatus',
        'MultiAZ',
        'PubliclyAccessible',
        'StorageEncrypted',
        'AllocatedStorage',
        'StorageType',
        'AvailabilityZone',
        'InstanceCreateTime',
        'BackupRetentionPeriod',
        'DeletionProtection',
        'DBClusterIdentifier',
        { Endpoint: ['Address', 'Port'] },
      ],
      groups: { engine: (i) => i.Engine, class: (i) => i.DBInstanceClass, status: (i) => i.DBInstanceStatus },
      sums: { allocatedStorageGiB: (i) => i.AllocatedStorage },
    },
  }),
  sdkOp<DescribeDBClustersCommandOutput, DBCluster>({
    service: 'rds',
    operation: 'DescribeDBClusters',
    client: RDSClient,
    command: DescribeDBClustersCommand,
    scope: 'regional',
    params: obj({ DBClusterIdentifier: str.optional(), Filters: filterList.optional(), MaxRecords: pageSize(20, 100).optional() }),
    pins: [rdsPin('DBClusterIdentifier')],
    paging: rdsPaging(paginateDescribeDBClusters),
    list: {
      items: (p) => p.DBClusters,
      item: [
        'DBClusterIdentifier',
        'Engine',
        'EngineVersion',
        'EngineMode',
        'Status',
        'MultiAZ',
        'StorageEncrypted',
        'DeletionProtection',
        'BackupRetentionPeriod',
        'ClusterCreateTime',
        'Endpoint',
        'ReaderEndpoint',
        { DBClusterMembers: ['DBInstanceIdentifier', 'IsClusterWriter'] },
      ],
      groups: { engine: (i) => i.Engine, status: (i) => i.Status },
    },
  }),
  sdkOp<DescribeDBSnapshotsCommandOutput, DBSnapshot>({
    service: 'rds',
    operation: 'DescribeDBSnapshots',
    client: RDSClient,
    command: DescribeDBSnapshotsCommand,
    scope: 'regional',
    params: obj({
      DBInstanceIdentifier: str.optional(),
      DBSnapshotIdentifier: str.optional(),
      // `shared` and `public` list snapshots other accounts own: not the bound account's resources.
      SnapshotType: z
        .enum(['automated', 'manual', 'awsbackup'], {
          error:
            'expected automated, manual or awsbackup; shared and public snapshots belong to other accounts, ' +
            "and plainfra reads only the bound account's own",
        })
        .optional(),
      Filters: filterList.optional(),
      MaxRecords: pageSize(20, 100).optional(),
    }),
    pins: [rdsPin('DBInstanceIdentifier'), rdsPin('DBSnapshotIdentifier', rdsSnapshotId)],
    paging: rdsPaging(paginateDescribeDBSnapshots),
    list: {
      items: (p) => p.DBSnapshots,
      item: [
        'DBSnapshotIdentifier',
        'DBInstanceIdentifier',
        'SnapshotCreateTime',
        'Engine',
        'AllocatedStorage',
        'Status',
        'Encrypted',
        'SnapshotType',
      ],
      groups: { type: (i) => i.SnapshotType, encrypted: (i) => (i.Encrypted ? 'encrypted' : 'unencrypted') },
      sums: { allocatedStorageGiB: (i) => i.AllocatedStorage },
    },
  }),
]);
