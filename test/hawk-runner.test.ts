import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_OPERATIONS } from '../src/tools/allowlist.js';
import { regionsFor } from '../src/tools/aws/assemble.js';
import { lookupOperation } from '../src/tools/aws/registry.js';
import { createAwsQueryRunner, verifyAccount, type AwsQueryRunner } from '../src/tools/aws/index.js';
import type { Limits } from '../src/tools/aws/types.js';
import {
  SAMPLE_ACCOUNT,
  assumeRoleHandler,
  callerIdentityHandler,
  describeInstancesXml,
  pagedJson,
  sampleCostAndUsage,
  sampleFindings,
  sampleInstances,
  sampleLambdaFunctions,
  severityOf,
  startFakeAws,
  throttled,
  type FakeAws,
  useFakeAwsAsHawk,
} from './fakes/aws.js';
import { errorOutcome, okResult, type CostSummary, type FindingItem, type ListSummary } from './helpers/hawk-runner.js';
import { deleteKeysStartingWith } from './helpers/redis.js';

const PREFIX = `test:hawk-runner:${process.pid}:`;
const logger = pino({ level: 'silent' });
const account = {
  accountName: SAMPLE_ACCOUNT.accountName,
  roleArn: SAMPLE_ACCOUNT.roleArn,
  externalId: SAMPLE_ACCOUNT.externalId,
  regions: ['us-east-1'],
};
const ctx = { conversationId: 'C0123ABCD:1717000000.000100', teamId: 'T0TEAM', userId: 'U0USER' };
const FAST: Partial<Limits> = { securityHubRps: 1000, maxAttempts: 3 };

let fake: FakeAws;
let redis: Redis;
const runners: AwsQueryRunner[] = [];
let convSeq = 0;

function newRunner(limits: Partial<Limits> = {}): AwsQueryRunner {
  const r = createAwsQueryRunner({ redis, logger, cacheKeyPrefix: PREFIX, limits: { ...FAST, ...limits } });
  runners.push(r);
  return r;
}
/** A fresh conversation per test, so sessions from one test never satisfy another. */
const freshCtx = () => ({ ...ctx, conversationId: `${ctx.conversationId}-${++convSeq}` });

beforeAll(async () => {
  fake = await startFakeAws({ handlers: { 'sts:AssumeRole': assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }) } });
  useFakeAwsAsHawk(fake);
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
});

afterEach(() => {
  fake.requests.length = 0;
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
  await deleteKeysStartingWith(redis, PREFIX);
  redis.disconnect();
  await fake.close();
});

const costQuery = {
  service: 'ce',
  operation: 'GetCostAndUsage',
  params: {
    TimePeriod: { Start: '2024-04-01', End: '2024-06-01' },
    Granularity: 'MONTHLY',
    Metrics: ['UnblendedCost'],
    GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
  },
};

describe('hawk', () => {
  it('assumes the role with the ExternalId, a per-service session policy, session name, source identity and 900 s', async () => {
    fake.handle('ce:GetCostAndUsage', () => ({ result: sampleCostAndUsage() }));
    const runner = newRunner();
    const c = freshCtx();
    const out = await runner.run(account, c, { ...costQuery, params: { ...costQuery.params, Metrics: ['BlendedCost'] } });
    expect(out.status).toBe('ok');

    const [assume] = fake.requestsFor('sts:AssumeRole');
    const f = assume.form!;
    expect(f.RoleArn).toBe(SAMPLE_ACCOUNT.roleArn);
    expect(f.ExternalId).toBe(SAMPLE_ACCOUNT.externalId);
    expect(f.RoleSessionName).toBe(`hawk-${c.conversationId}`.replace(/[^\w+=,.@-]/g, '-'));
    expect(f.RoleSessionName).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(f.SourceIdentity).toBe('slack-T0TEAM-U0USER');
    expect(f.DurationSeconds).toBe('900');
    expect(f.Policy.length).toBeLessThanOrEqual(2048);
    const [allow, deny] = JSON.parse(f.Policy).Statement;
    const ceActions = ALLOWED_OPERATIONS.filter((o) => o.service === 'ce').map((o) => o.iamAction);
    expect(allow).toMatchObject({ Effect: 'Allow', Resource: '*' });
    expect([...allow.Action].sort()).toEqual(ceActions.sort());
    // The anomaly monitor a call names must be the bound account's own (aws:ResourceAccount).
    expect(deny).toEqual({
      Effect: 'Deny',
      Action: ['ce:GetAnomalies'],
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:ResourceAccount': SAMPLE_ACCOUNT.roleArn.split(':')[4] } },
    });
    // Hawk's own identity signed the AssumeRole; the session's temporary key signed the CE call.
    expect(assume.accessKeyId).toBe('AKIDFAKEHAWKIDENTITY');
    const [ce] = fake.requestsFor('ce:GetCostAndUsage');
    expect(ce.accessKeyId).toMatch(/^ASIAFAKESESSION/);
  });

  it('signs every request with SigV4 and the right credential scope', async () => {
    fake.handle('ce:GetCostAndUsage', () => ({ result: sampleCostAndUsage() }));
    await newRunner().run(account, freshCtx(), { ...costQuery, params: { ...costQuery.params, Metrics: ['AmortizedCost'] } });
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const r of fake.requests) {
      expect(r.signed).toBe(true);
      expect(r.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/us-east-1\/(sts|ce)\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/,
      );
    }
    expect(fake.requests.map((r) => r.service)).toEqual(['sts', 'ce']);
  });

  it('reuses one AssumeRole across several calls of one conversation and service', async () => {
    fake.handle('securityhub:GetFindings', pagedJson(sampleFindings(5), 100, { listKey: 'Findings' }));
    fake.handle('securityhub:DescribeHub', () => ({ result: { HubArn: 'arn:aws:securityhub:us-east-1:123456789012:hub/default' } }));
    const runner = newRunner();
    const c = freshCtx();
    for (const op of ['GetFindings', 'DescribeHub', 'GetFindings']) {
      expect((await runner.run(account, c, { service: 'securityhub', operation: op, region: 'us-east-1' })).status).toBe('ok');
    }
    expect(fake.requestsFor('sts:AssumeRole')).toHaveLength(1);
    expect(fake.requestsFor('securityhub:GetFindings')).toHaveLength(2);
    // A new conversation gets its own session (CloudTrail attributes calls to it).
    await runner.run(account, freshCtx(), { service: 'securityhub', operation: 'DescribeHub', region: 'us-east-1' });
    expect(fake.requestsFor('sts:AssumeRole')).toHaveLength(2);
    // forgetConversation drops the credentials: the next call assumes the role again.
    runner.forgetConversation(c.conversationId);
    await runner.run(account, c, { service: 'securityhub', operation: 'DescribeHub', region: 'us-east-1' });
    expect(fake.requestsFor('sts:AssumeRole')).toHaveLength(3);
  });

  it('answers a repeat Cost Explorer question within the TTL from the cache, with no second Cost Explorer request', async () => {
    fake.handle('ce:GetCostAndUsage', () => ({ result: sampleCostAndUsage() }));
    const first = await newRunner().run(account, freshCtx(), costQuery);
    expect(first).toMatchObject({ status: 'ok', cache: 'miss' });
    // Another hawk process (another runner) and another conversation: still shared.
    const second = await newRunner().run(account, freshCtx(), {
      ...costQuery,
      params: {
        Metrics: ['UnblendedCost'],
        Granularity: 'MONTHLY',
        GroupBy: costQuery.params.GroupBy,
        TimePeriod: { End: '2024-06-01', Start: '2024-04-01' },
      },
    });
    expect(second).toMatchObject({ status: 'ok', cache: 'hit' });
    expect(fake.requestsFor('ce:GetCostAndUsage')).toHaveLength(1);
    // A hit needs no credentials either.
    expect(fake.requestsFor('sts:AssumeRole')).toHaveLength(1);
    expect(second.status === 'ok' && second.result).toEqual(first.status === 'ok' && first.result);
    const result = okResult<CostSummary>(first);
    // CloudFront is the biggest sample service: 500.5 + 510.5 over the two months.
    expect(result.totalsByGroup[0]).toEqual({ group: 'Amazon CloudFront', UnblendedCost: 1011 });
    // Five services × two months: (1500 + 2.5) + (1500 + 50 + 2.5).
    expect(result.grandTotal.UnblendedCost).toEqual({ Amount: 3055, Unit: 'USD' });
  });

  it('follows 12 pages of Security Hub findings and summarises them: counts by severity, top items, "more not shown"', async () => {
    const all = sampleFindings(1200);
    fake.handle('securityhub:GetFindings', pagedJson(all, 100, { listKey: 'Findings' }));
    const out = await newRunner({ maxPages: 20, maxItems: 10 }).run(account, freshCtx(), {
      service: 'securityhub',
      operation: 'GetFindings',
      region: 'us-east-1',
    });
    expect(out.status).toBe('ok');
    if (out.status !== 'ok') return;
    const r = out.result as ListSummary<FindingItem>;
    expect(out.pages).toBe(12);
    expect(out.truncated).toBe(false);
    expect(fake.requestsFor('securityhub:GetFindings')).toHaveLength(12);
    expect(fake.requestsFor('securityhub:GetFindings').map((q) => q.json.MaxResults)).toEqual(Array(12).fill(100));
    expect(r.count).toBe(1200);
    const expected: Record<string, number> = {};
    all.forEach((_, i) => (expected[severityOf(i)] = (expected[severityOf(i)] ?? 0) + 1));
    expect(r.by.severity).toEqual(expected);
    expect(r.by.product).toEqual({ 'Security Hub': 800, GuardDuty: 400 });
    // Top-N = the most severe, as many of the 10 as fit the 12 000-character budget.
    expect(r.items.length).toBeGreaterThanOrEqual(5);
    expect(r.items.length).toBeLessThanOrEqual(10);
    expect(r.items.every((i) => i.Severity.Label === 'CRITICAL')).toBe(true);
    expect(r.moreNotShown).toBe(1200 - r.items.length);
    expect(r.items[0]).not.toHaveProperty('FindingProviderFields');
    expect(r.items[0].Resources[0]).not.toHaveProperty('Details');
    expect(JSON.stringify(r).length).toBeLessThanOrEqual(12_000);
  });

  it('stops at the page cap and says the counts are partial', async () => {
    fake.handle('securityhub:GetFindings', pagedJson(sampleFindings(1200), 100, { listKey: 'Findings' }));
    const out = await newRunner({ maxPages: 5 }).run(account, freshCtx(), {
      service: 'securityhub',
      operation: 'GetFindings',
      region: 'us-east-1',
    });
    expect(out).toMatchObject({ status: 'ok', pages: 5, truncated: true });
    expect(okResult<ListSummary>(out).count).toBe(500);
    expect(okResult<ListSummary>(out).note).toMatch(/Stopped after 5 pages/);
    expect(fake.requestsFor('securityhub:GetFindings')).toHaveLength(5);
  });

  it('rate-limits Security Hub to 3 requests per second per account and region', async () => {
    fake.handle('securityhub:GetFindings', pagedJson(sampleFindings(700), 100, { listKey: 'Findings' }));
    const started = Date.now();
    const out = await newRunner({ securityHubRps: 3 }).run(account, freshCtx(), {
      service: 'securityhub',
      operation: 'GetFindings',
      region: 'us-east-1',
    });
    expect(out.status).toBe('ok');
    // 7 requests: 3 at once (burst), then 4 more at 3/s ≈ 1.33 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
  });

  it('shares the Security Hub quota between hawk processes through Redis', async () => {
    const seen: number[] = [];
    const pages = pagedJson(sampleFindings(400), 100, { listKey: 'Findings' });
    fake.handle('securityhub:GetFindings', (req) => {
      seen.push(Date.now());
      return pages(req);
    });
    // Two runners stand for two hawk processes: separate local buckets, one Redis.
    const [a, b] = [newRunner({ securityHubRps: 3 }), newRunner({ securityHubRps: 3 })];
    const query = { service: 'securityhub', operation: 'GetFindings', region: 'eu-central-1' };
    const started = Date.now();
    const outs = await Promise.all([a.run(account, freshCtx(), query), b.run(account, freshCtx(), query)]);
    expect(outs.map((o) => o.status)).toEqual(['ok', 'ok']);
    expect(seen).toHaveLength(8);
    // 8 requests at 3 per one-second window need three windows, so the last starts >= 1 s after the
    // first. Two independent local buckets (burst 3 each) would finish in about a third of that.
    expect(Math.max(...seen) - started).toBeGreaterThanOrEqual(1000);
  });

  it('retries throttling (429 then 200) and succeeds', async () => {
    let calls = 0;
    fake.handle('securityhub:GetFindings', (req) =>
      ++calls === 1 ? throttled() : pagedJson(sampleFindings(3), 100, { listKey: 'Findings' })(req),
    );
    const out = await newRunner().run(account, freshCtx(), { service: 'securityhub', operation: 'GetFindings', region: 'us-east-1' });
    expect(out).toMatchObject({ status: 'ok' });
    expect(okResult<ListSummary>(out).count).toBe(3);
    expect(fake.requestsFor('securityhub:GetFindings')).toHaveLength(2);
  });

  it('reports kind "throttled" when AWS keeps throttling after retries', async () => {
    fake.handle('securityhub:GetFindings', () => throttled());
    const out = await newRunner({ maxAttempts: 2 }).run(account, freshCtx(), {
      service: 'securityhub',
      operation: 'GetFindings',
      region: 'us-east-1',
    });
    expect(out).toMatchObject({ status: 'error', kind: 'throttled', retryable: true });
  });

  it(
    'explains an AssumeRole AccessDenied to the Slack admin ' + '(kind "trust": ExternalId, trust policy, CloudFormation command)',
    async () => {
      const wrong = { ...account, externalId: 'not-the-printed-one' };
      // Params nobody asked before, so the Cost Explorer cache cannot answer without AWS.
      const out = await newRunner().run(wrong, freshCtx(), { ...costQuery, params: { ...costQuery.params, Metrics: ['UsageQuantity'] } });
      expect(out.status).toBe('error');
      if (out.status !== 'error') return;
      expect(out.kind).toBe('trust');
      expect(out.retryable).toBe(false);
      expect(out.message).toContain('ExternalId');
      expect(out.message).toContain(SAMPLE_ACCOUNT.roleArn);
      expect(out.message).toContain('trust policy');
      expect(out.message).toContain(
        'aws cloudformation deploy --template-file deploy/aws/plainfra-readonly-role.yaml --stack-name plainfra-readonly ' +
          '--capabilities CAPABILITY_NAMED_IAM --parameter-overrides HawkPrincipalArn=',
      );
      expect(out.message).not.toContain('not-the-printed-one');
      expect(fake.requestsFor('ce:GetCostAndUsage')).toHaveLength(0);
    },
  );

  it('never returns Lambda environment variables or an access key found in an EC2 tag', async () => {
    fake.handle(
      'lambda:ListFunctions',
      pagedJson(sampleLambdaFunctions(3), 50, { listKey: 'Functions', tokenIn: 'Marker', tokenOut: 'NextMarker' }),
    );
    const instances = sampleInstances(4);
    instances[1].Tags.push({ Key: 'deploy', Value: 'key AKIAIOSFODNN7EXAMPLE' });
    fake.handle('ec2:DescribeInstances', () => ({ xml: describeInstancesXml(instances) }));
    const runner = newRunner();
    const c = freshCtx();
    const fns = await runner.run(account, c, { service: 'lambda', operation: 'ListFunctions', region: 'us-east-1' });
    const ec2 = await runner.run(account, c, { service: 'ec2', operation: 'DescribeInstances', region: 'us-east-1' });
    expect(fns.status).toBe('ok');
    expect(ec2.status).toBe('ok');
    const text = JSON.stringify([fns, ec2]);
    for (const secret of ['AKIAIOSFODNN7EXAMPLE', 'hunter2-super-secret', 'sk_live_51HxYzSECRET', 'DB_PASSWORD', 'Environment'])
      expect(text).not.toContain(secret);
    expect(text).toContain('orders-0');
    expect(text).toContain('[REDACTED:aws-access-key-id]');
    expect(ec2).toMatchObject({ redactions: 1 });
    expect(okResult<ListSummary>(ec2).by.state).toEqual({ running: 3, stopped: 1 });
  });

  it.each([
    ['ec2', 'TerminateInstances'],
    ['s3', 'GetObject'],
    ['secretsmanager', 'GetSecretValue'],
    ['s3', 'DeleteBucket'],
  ])('refuses %s:%s and makes zero AWS requests (not even AssumeRole)', async (service, operation) => {
    const out = await newRunner().run(account, freshCtx(), { service, operation, params: {} });
    expect(out.status).toBe('refused');
    expect((out as { reason: string }).reason).toContain(`${service}:${operation} is not a read-only operation plainfra allows`);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses bad params before any request', async () => {
    const out = await newRunner().run(account, freshCtx(), { service: 'ec2', operation: 'DescribeInstances', params: { UserData: 'x' } });
    expect(out).toMatchObject({ status: 'refused' });
    expect(fake.requests).toHaveLength(0);
  });

  it('fans out over the account regions in parallel when no region is given, and counts per region', async () => {
    fake.handle('ec2:DescribeInstances', (req) => ({ xml: describeInstancesXml(sampleInstances(req.region === 'eu-west-1' ? 3 : 5)) }));
    const out = await newRunner().run({ ...account, regions: ['us-east-1', 'eu-west-1'] }, freshCtx(), {
      service: 'ec2',
      operation: 'DescribeInstances',
    });
    expect(out.status).toBe('ok');
    const r = okResult<ListSummary>(out);
    expect(r.count).toBe(8);
    expect(r.by.region).toEqual({ 'us-east-1': 5, 'eu-west-1': 3 });
    expect(r.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(
      fake
        .requestsFor('ec2:DescribeInstances')
        .map((q) => q.region)
        .sort(),
    ).toEqual(['eu-west-1', 'us-east-1']);
    expect(fake.requestsFor('sts:AssumeRole')).toHaveLength(1); // one session for both regions
  });

  it('asks only the region an ARN among the params names, not every configured region', async () => {
    const own = SAMPLE_ACCOUNT.roleArn.split(':')[4];
    const hubArn = `arn:aws:securityhub:eu-west-1:${own}:hub/default`;
    fake.handle('securityhub:DescribeHub', () => ({ result: { HubArn: hubArn } }));
    const out = await newRunner().run({ ...account, regions: ['us-east-1', 'eu-west-1', 'ap-south-1'] }, freshCtx(), {
      service: 'securityhub',
      operation: 'DescribeHub',
      params: { HubArn: hubArn },
    });
    expect(out.status).toBe('ok');
    expect(fake.requestsFor('securityhub:DescribeHub').map((q) => q.region)).toEqual(['eu-west-1']);
  });

  it('picks regions: an explicit region first, then the regions ARNs name, then every configured region', () => {
    const { spec } = lookupOperation('lambda', 'GetFunctionConfiguration')!;
    const target = { ...account, regions: ['us-east-1', 'eu-west-1'] };
    const fn = (region: string) => `arn:aws:lambda:${region}:123456789012:function:billing`;
    expect(regionsFor(spec, target, 'ap-south-1', { FunctionName: fn('eu-west-1') })).toEqual(['ap-south-1']);
    expect(regionsFor(spec, target, undefined, { FunctionName: fn('eu-west-1') })).toEqual(['eu-west-1']);
    expect(regionsFor(spec, target, undefined, { Names: [fn('us-west-2'), fn('eu-west-1')] })).toEqual(['eu-west-1', 'us-west-2']);
    // Partial ARNs and ARNs without a region (IAM, S3) name none.
    expect(regionsFor(spec, target, undefined, { FunctionName: '123456789012:function:billing' })).toEqual(['us-east-1', 'eu-west-1']);
    expect(regionsFor(spec, target, undefined, { RoleArn: 'arn:aws:iam::123456789012:role/x' })).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('turns an AWS answer like "Security Hub not enabled" into a readable result, and other errors into kind "aws"', async () => {
    fake.handle('securityhub:DescribeHub', () => ({
      error: { code: 'InvalidAccessException', message: 'Account is not subscribed to AWS Security Hub', status: 401 },
    }));
    const out = await newRunner().run(account, freshCtx(), { service: 'securityhub', operation: 'DescribeHub', region: 'us-east-1' });
    expect(out).toMatchObject({ status: 'ok', result: { absent: true, note: 'Security Hub is not enabled in this region.' } });

    fake.handle('securityhub:DescribeHub', () => ({ error: { code: 'AccessDeniedException', message: 'no', status: 403 } }));
    const denied = await newRunner().run(account, freshCtx(), { service: 'securityhub', operation: 'DescribeHub', region: 'us-east-1' });
    expect(denied).toMatchObject({ status: 'error', kind: 'aws', retryable: false });
    expect(errorOutcome(denied).message).toContain('securityhub:DescribeHub');
  });

  it('serves the tagging API (awsJson) through the same runner', async () => {
    fake.handle(
      'tagging:GetResources',
      pagedJson([{ ResourceARN: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', Tags: [{ Key: 'team', Value: 'search' }] }], 100, {
        listKey: 'ResourceTagMappingList',
        tokenIn: 'PaginationToken',
      }),
    );
    const out = await newRunner().run(account, freshCtx(), { service: 'tag', operation: 'GetResources', region: 'us-east-1' });
    expect(out).toMatchObject({ status: 'ok', result: { count: 1, by: { resourceType: { 'ec2:instance': 1 } } } });
  });
});

describe('hawk verifyAccount', () => {
  const simulate = (allowedActions: Set<string>) => (req: { form?: Record<string, string> }) => {
    const names = Object.entries(req.form ?? {})
      .filter(([k]) => k.startsWith('ActionNames.member.'))
      .map(([, v]) => v);
    return {
      result: {
        EvaluationResults: names.map((a) => ({
          EvalActionName: a,
          EvalResourceName: '*',
          EvalDecision: allowedActions.has(a) ? 'allowed' : 'implicitDeny',
        })),
        IsTruncated: false,
      },
    };
  };

  it('passes a correct role: ExternalId required, writes and data reads denied, reads allowed', async () => {
    fake.handle('sts:GetCallerIdentity', callerIdentityHandler());
    fake.handle('iam:SimulatePrincipalPolicy', simulate(new Set(ALLOWED_OPERATIONS.map((o) => o.iamAction))));
    const report = await verifyAccount(account);
    expect(report.ok).toBe(true);
    expect(report.identity?.Account).toBe('123456789012');
    expect(report.decisions['ec2:TerminateInstances']).toBe('implicitDeny');
    expect(report.text).toContain('[PASS] assume role without ExternalId is refused');
    const assumes = fake.requestsFor('sts:AssumeRole').map((r) => r.form!);
    expect(assumes.map((f) => f.ExternalId)).toEqual([SAMPLE_ACCOUNT.externalId, undefined, expect.stringMatching(/^wrong-/)]);
    expect(JSON.parse(assumes[0].Policy).Statement[0].Action).toEqual(['iam:SimulatePrincipalPolicy']);
    const sim = fake.requestsFor('iam:SimulatePrincipalPolicy')[0];
    expect(sim.form!.PolicySourceArn).toBe(SAMPLE_ACCOUNT.roleArn);
    expect(sim.accessKeyId).toMatch(/^ASIA/);
    // Simulated as hawk calls: with a SourceIdentity, so the role's deny-all-without-it doesn't mask an over-broad role.
    expect(sim.form!['ContextEntries.member.1.ContextKeyName']).toBe('aws:SourceIdentity');
    expect(sim.form!['ContextEntries.member.1.ContextKeyValues.member.1']).toMatch(/^slack-/);
    expect(assumes[0].SourceIdentity).toMatch(/^slack-/);
  });

  it('fails loudly when the role can be assumed without the ExternalId, or allows a write', async () => {
    fake.handle('sts:AssumeRole', assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }));
    const loose = assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId });
    fake.handle('sts:AssumeRole', (req) => loose({ ...req, form: { ...req.form, ExternalId: SAMPLE_ACCOUNT.externalId } }));
    fake.handle(
      'iam:SimulatePrincipalPolicy',
      simulate(new Set(['ec2:TerminateInstances', ...ALLOWED_OPERATIONS.map((o) => o.iamAction)])),
    );
    const report = await verifyAccount(account);
    expect(report.ok).toBe(false);
    expect(report.text).toContain('[FAIL] assume role without ExternalId is refused: MISCONFIGURED');
    expect(report.text).toContain('[FAIL] ec2:TerminateInstances is denied: ALLOWED');
    fake.handle('sts:AssumeRole', assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }));
  });
});
