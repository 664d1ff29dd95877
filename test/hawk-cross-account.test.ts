import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { buildTranscript } from '../src/agents/transcript.js';
import { readTrail, recordAudit } from '../src/audit/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { createAwsQueryRunner, type AwsQueryRunner } from '../src/tools/aws/index.js';
import type { AwsQueryInput } from '../src/tools/aws/types.js';
import { runHawkJob } from '../src/workers/hawk-job.js';
import { SAMPLE_ACCOUNT, assumeRoleHandler, ec2Response, startFakeAws, type FakeAws, useFakeAwsAsHawk } from './fakes/aws.js';
import { recordQuestion } from './helpers/questions.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * A model that names another account's resource gets a refusal it can read, the audit trail shows
 * it, and AWS never hears of it: not the call, not even the AssumeRole. The bound account's own
 * ARNs still go through, and the session carries the aws:ResourceAccount pin.
 */

const OWN = SAMPLE_ACCOUNT.accountId;
const OTHER = '999999999999';
const logger = pino({ level: 'silent' });
const account = { accountName: 'prod', roleArn: SAMPLE_ACCOUNT.roleArn, externalId: SAMPLE_ACCOUNT.externalId, regions: ['us-east-1'] };
let seq = 0;
const freshCtx = () => ({ conversationId: `C0XACCT:1764000000.${String(++seq).padStart(6, '0')}`, teamId: 'T0XACCT', userId: 'U0ASKER' });

/** One model call per parameter family, each naming a resource of account 999999999999. */
const FOREIGN: [string, AwsQueryInput][] = [
  [
    'lambda FunctionName',
    {
      service: 'lambda',
      operation: 'GetFunctionConfiguration',
      region: 'us-east-1',
      params: { FunctionName: `arn:aws:lambda:us-east-1:${OTHER}:function:payroll` },
    },
  ],
  [
    'iam PolicySourceArn',
    {
      service: 'iam',
      operation: 'SimulatePrincipalPolicy',
      params: { PolicySourceArn: `arn:aws:iam::${OTHER}:role/admin`, ActionNames: ['s3:DeleteBucket'] },
    },
  ],
  [
    'iam ResourceArns',
    {
      service: 'iam',
      operation: 'SimulatePrincipalPolicy',
      params: {
        PolicySourceArn: SAMPLE_ACCOUNT.roleArn,
        ActionNames: ['kms:Decrypt'],
        ResourceArns: [`arn:aws:kms:us-east-1:${OTHER}:key/k-1`],
      },
    },
  ],
  [
    'tag ResourceARNList',
    {
      service: 'tag',
      operation: 'GetResources',
      region: 'us-east-1',
      params: { ResourceARNList: [`arn:aws:rds:us-east-1:${OTHER}:db:orders`] },
    },
  ],
  [
    'access-analyzer analyzerArn',
    {
      service: 'access-analyzer',
      operation: 'ListFindings',
      region: 'us-east-1',
      params: { analyzerArn: `arn:aws:access-analyzer:us-east-1:${OTHER}:analyzer/org` },
    },
  ],
  ['ec2 OwnerIds', { service: 'ec2', operation: 'DescribeSnapshots', region: 'us-east-1', params: { OwnerIds: [OTHER] } }],
  [
    'ecs cluster',
    { service: 'ecs', operation: 'ListServices', region: 'us-east-1', params: { cluster: `arn:aws:ecs:us-east-1:${OTHER}:cluster/web` } },
  ],
  [
    'rds DBInstanceIdentifier',
    {
      service: 'rds',
      operation: 'DescribeDBInstances',
      region: 'us-east-1',
      params: { DBInstanceIdentifier: `arn:aws:rds:us-east-1:${OTHER}:db:orders` },
    },
  ],
  [
    'elb LoadBalancerArns',
    {
      service: 'elasticloadbalancing',
      operation: 'DescribeLoadBalancers',
      region: 'us-east-1',
      params: { LoadBalancerArns: [`arn:aws:elasticloadbalancing:us-east-1:${OTHER}:loadbalancer/app/web/1`] },
    },
  ],
  [
    'securityhub HubArn',
    {
      service: 'securityhub',
      operation: 'DescribeHub',
      region: 'us-east-1',
      params: { HubArn: `arn:aws:securityhub:us-east-1:${OTHER}:hub/default` },
    },
  ],
  [
    'ce MonitorArn',
    {
      service: 'ce',
      operation: 'GetAnomalies',
      params: { DateInterval: { StartDate: '2026-11-01' }, MonitorArn: `arn:aws:ce::${OTHER}:anomalymonitor/m-1` },
    },
  ],
  [
    'compute-optimizer instanceArns',
    {
      service: 'compute-optimizer',
      operation: 'GetEC2InstanceRecommendations',
      region: 'us-east-1',
      params: { instanceArns: [`arn:aws:ec2:us-east-1:${OTHER}:instance/i-1`] },
    },
  ],
  [
    'cloudtrail trailNameList',
    {
      service: 'cloudtrail',
      operation: 'DescribeTrails',
      region: 'us-east-1',
      params: { trailNameList: [`arn:aws:cloudtrail:us-east-1:${OTHER}:trail/org`] },
    },
  ],
  [
    'a wildcard account',
    {
      service: 'lambda',
      operation: 'GetFunctionConfiguration',
      region: 'us-east-1',
      params: { FunctionName: 'arn:aws:lambda:us-east-1:*:function:payroll' },
    },
  ],
];

let fake: FakeAws;
let redis: Redis;
let runner: AwsQueryRunner;
const CACHE_PREFIX = `test:hawk-xacct:${process.pid}:`;

beforeAll(async () => {
  fake = await startFakeAws({ handlers: { 'sts:AssumeRole': assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }) } });
  useFakeAwsAsHawk(fake);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  runner = createAwsQueryRunner({ redis, logger, cacheKeyPrefix: CACHE_PREFIX, limits: { maxAttempts: 1 } });
});
afterEach(() => {
  fake.requests.length = 0;
});
afterAll(async () => {
  await runner.close();
  redis.disconnect();
  await fake.close();
});

describe('hawk runner: model-chosen parameters never reach another account', () => {
  it.each(FOREIGN)('refuses %s without any AWS request, not even AssumeRole', async (_label, input) => {
    const out = await runner.run(account, freshCtx(), input);
    expect(out.status).toBe('refused');
    expect(out.status === 'refused' && out.reason).toMatch(
      new RegExp(`^${input.service}:${input.operation} \\w+ ".*(account "prod" \\(${OWN}\\)|wildcard)`),
    );
    expect(fake.requests).toEqual([]);
  });

  it("still runs the bound account's own ARNs, and its session denies resources other accounts own", async () => {
    const fnArn = `arn:aws:lambda:us-east-1:${OWN}:function:payroll`;
    fake.handle('lambda:GetFunctionConfiguration', () => ({
      result: { FunctionName: 'payroll', FunctionArn: fnArn, Runtime: 'nodejs22.x', MemorySize: 512 },
    }));
    const out = await runner.run(account, freshCtx(), {
      service: 'lambda',
      operation: 'GetFunctionConfiguration',
      region: 'us-east-1',
      params: { FunctionName: fnArn },
    });
    expect(out).toMatchObject({ status: 'ok', result: { FunctionArn: fnArn, MemorySize: 512 } });
    const [call] = fake.requestsFor('lambda:GetFunctionConfiguration');
    expect(decodeURIComponent(call!.path)).toBe(`/2015-03-31/functions/${fnArn}/configuration`);
    const policy = JSON.parse(fake.requestsFor('sts:AssumeRole')[0]!.form!.Policy!);
    expect(policy.Statement[1]).toEqual({
      Effect: 'Deny',
      Action: ['lambda:GetFunctionConfiguration'],
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:ResourceAccount': OWN } },
    });
  });

  it('passes own ARNs through tag GetResources, IAM simulation and Access Analyzer unchanged', async () => {
    const own = [`arn:aws:ec2:us-east-1:${OWN}:instance/i-0abc`, 'arn:aws:s3:::acme-reports'];
    fake.handle('tagging:GetResources', () => ({
      result: { ResourceTagMappingList: own.map((ResourceARN) => ({ ResourceARN, Tags: [{ Key: 'team', Value: 'web' }] })) },
    }));
    fake.handle('iam:SimulatePrincipalPolicy', () => ({
      result: {
        EvaluationResults: [{ EvalActionName: 's3:DeleteBucket', EvalResourceName: '*', EvalDecision: 'implicitDeny' }],
        IsTruncated: false,
      },
    }));
    fake.handle('access-analyzer:ListFindings', () => ({
      result: {
        findings: [{ id: 'f-1', resource: 'arn:aws:s3:::acme-reports', resourceType: 'AWS::S3::Bucket', isPublic: true, status: 'ACTIVE' }],
      },
    }));
    const ctx = freshCtx();
    expect(
      await runner.run(account, ctx, { service: 'tag', operation: 'GetResources', region: 'us-east-1', params: { ResourceARNList: own } }),
    ).toMatchObject({ status: 'ok' });
    expect(fake.requestsFor('tagging:GetResources')[0]!.json.ResourceARNList).toEqual(own);
    expect(
      await runner.run(account, ctx, {
        service: 'iam',
        operation: 'SimulatePrincipalPolicy',
        params: {
          PolicySourceArn: SAMPLE_ACCOUNT.roleArn,
          ActionNames: ['s3:DeleteBucket'],
          ResourceArns: ['arn:aws:s3:::acme-reports/*'],
        },
      }),
    ).toMatchObject({ status: 'ok' });
    expect(fake.requestsFor('iam:SimulatePrincipalPolicy')[0]!.form).toMatchObject({
      PolicySourceArn: SAMPLE_ACCOUNT.roleArn,
      'ResourceArns.member.1': 'arn:aws:s3:::acme-reports/*',
    });
    const analyzerArn = `arn:aws:access-analyzer:us-east-1:${OWN}:analyzer/account`;
    expect(
      await runner.run(account, ctx, {
        service: 'access-analyzer',
        operation: 'ListFindings',
        region: 'us-east-1',
        params: { analyzerArn },
      }),
    ).toMatchObject({ status: 'ok' });
    expect(fake.requestsFor('access-analyzer:ListFindings')[0]!.json.analyzerArn).toBe(analyzerArn);
  });

  it("sends EC2 snapshot owners as self by default, and accepts the bound account's own id", async () => {
    fake.handle('ec2:DescribeSnapshots', () => ({ xml: ec2Response('DescribeSnapshots', '<snapshotSet/>') }));
    const ctx = freshCtx();
    expect(await runner.run(account, ctx, { service: 'ec2', operation: 'DescribeSnapshots', region: 'us-east-1' })).toMatchObject({
      status: 'ok',
    });
    expect(
      await runner.run(account, ctx, { service: 'ec2', operation: 'DescribeSnapshots', region: 'us-east-1', params: { OwnerIds: [OWN] } }),
    ).toMatchObject({ status: 'ok' });
    expect(fake.requestsFor('ec2:DescribeSnapshots').map((r) => r.form!['Owner.1'])).toEqual(['self', OWN]);
  });
});

describe('hawk job: a cross-account parameter is audited as a refusal and read by the model', () => {
  const TEAM = 'T0XACCT01';
  let t: TestDatabase;
  let qredis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let sentinelQueue: Queue;

  beforeAll(async () => {
    t = await createTestDatabase();
    qredis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    prefix = uniquePrefix();
    enqueuer = new Enqueuer(qredis, prefix);
    sentinelQueue = new Queue('sentinel', { connection: qredis, prefix });
    const row = await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: SAMPLE_ACCOUNT.roleArn });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0OPS', accountName: 'prod' });
    fake.handle('sts:AssumeRole', assumeRoleHandler({ externalId: row.externalId }));
  });
  afterAll(async () => {
    fake.handle('sts:AssumeRole', assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }));
    await sentinelQueue.obliterate({ force: true });
    await sentinelQueue.close();
    await enqueuer.close();
    qredis.disconnect();
    await t.drop();
    await dropPrefix(prefix);
  });

  it('refuses before any AWS request, records who and why, counts it as scope, and hands the model a tool_result error', async () => {
    const { conversationId, turnId } = await recordQuestion(t.db, {
      teamId: TEAM,
      channelId: 'C0OPS',
      threadTs: '1764000000.000900',
      user: 'U0BOB',
      text: 'what runs payroll?',
    });
    const foreign = {
      service: 'lambda',
      operation: 'GetFunctionConfiguration',
      region: 'us-east-1',
      params: { FunctionName: `arn:aws:lambda:us-east-1:${OTHER}:function:payroll` },
    };
    const own = {
      service: 'lambda',
      operation: 'GetFunctionConfiguration',
      region: 'us-east-1',
      params: { FunctionName: `${OWN}:function:payroll` },
    };
    // The sentinel's record of the model asking for both (what the transcript pairs results with).
    await recordAudit(t.db, {
      conversationId,
      actor: 'sentinel',
      kind: 'llm_response',
      payload: {
        turnId,
        step: 0,
        content: [
          { type: 'tool_use', id: 'toolu_x', name: 'aws_query', input: foreign },
          { type: 'tool_use', id: 'toolu_o', name: 'aws_query', input: own },
        ],
      },
    });
    fake.handle('lambda:GetFunctionConfiguration', () => ({
      result: { FunctionName: 'payroll', FunctionArn: `arn:aws:lambda:us-east-1:${OWN}:function:payroll` },
    }));
    const stages: string[] = [];

    await runHawkJob(
      { db: t.db, enqueuer, runner, logger, onRefused: (s) => stages.push(s) },
      {
        conversationId,
        turnId,
        step: 0,
        calls: [
          { toolUseId: 'toolu_x', input: foreign },
          { toolUseId: 'toolu_o', input: own },
        ],
      },
      { isFinal: false },
    );

    const rows = await readTrail(t.db, conversationId);
    expect(rows.map((r) => r.kind)).toEqual(['message_in', 'llm_response', 'refused', 'tool_call', 'tool_result']);
    const refused = rows[2]!;
    expect(refused.payload).toMatchObject({ toolUseId: 'toolu_x', account: 'prod', input: foreign });
    expect(refused.payload.reason).toMatch(
      new RegExp(`FunctionName ".*${OTHER}.*" names AWS account ${OTHER}, but this conversation may only read account "prod" \\(${OWN}\\)`),
    );
    expect(stages).toEqual(['scope']);
    // Only the bound account's call reached AWS.
    expect(fake.requestsFor('lambda:GetFunctionConfiguration')).toHaveLength(1);
    expect(fake.requests.map((r) => decodeURIComponent(r.path)).join('\n')).not.toContain(OTHER);
    expect(await sentinelQueue.getJob(`s-${turnId}-1`)).toBeDefined();

    // What the model reads at its next step: an error result carrying the reason.
    const { messages } = buildTranscript(rows, Number(turnId));
    const results = messages.at(-1)!.content;
    expect(results[0]).toMatchObject({
      type: 'tool_result',
      tool_use_id: 'toolu_x',
      is_error: true,
      content: expect.stringMatching(/^Refused: lambda:GetFunctionConfiguration FunctionName .*only read account "prod"/),
    });
    expect(results[1]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_o', is_error: false });
  });
});
