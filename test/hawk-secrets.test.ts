import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsQueryRunner } from '../src/tools/aws/index.js';
import { redact } from '../src/tools/aws/redact.js';
import {
  SAMPLE_ACCOUNT,
  assumeRoleHandler,
  pagedJson,
  sampleCostAndUsage,
  sampleFindings,
  startFakeAws,
  type FakeAws,
} from './fakes/aws.js';
import { okResult, startTestRunner, type CostSummary, type FindingItem, type ListSummary, type TestRunner } from './helpers/hawk-runner.js';

/**
 * Secrets must not get past hawk's shapers: not by straddling the 400-character cut, not inside a
 * Cost Explorer tag group key, not in a token format the detector list did not know.
 */

const PREFIX = `test:hawk-secrets:${process.pid}:`;
const account = {
  accountName: SAMPLE_ACCOUNT.accountName,
  roleArn: SAMPLE_ACCOUNT.roleArn,
  externalId: SAMPLE_ACCOUNT.externalId,
  regions: ['us-east-1'],
};
let fake: FakeAws;
let hawk: TestRunner;
let runner: AwsQueryRunner;
let seq = 0;
const ctx = () => ({ conversationId: `C0SECRETS:1717000000.000${++seq}`, teamId: 'T0TEAM', userId: 'U0USER' });

beforeAll(async () => {
  fake = await startFakeAws({ handlers: { 'sts:AssumeRole': assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }) } });
  hawk = startTestRunner(fake, PREFIX);
  runner = hawk.runner;
});

afterAll(async () => {
  await hawk.close();
  await fake.close();
});

describe('hawk › secrets past the shapers', () => {
  it('redacts before it cuts: a key straddling the 400-character cut of a finding description leaks no part of itself', async () => {
    const [finding] = sampleFindings(1);
    // The key starts at character 390: the old cut at 400 left "AKIAIOSFOD" for a rule that needs all 20.
    finding!.Description = `${'x'.repeat(389)} AKIAIOSFODNN7EXAMPLE then ${'y'.repeat(300)}`;
    fake.handle('securityhub:GetFindings', pagedJson([finding], 100, { listKey: 'Findings' }));
    const out = await runner.run(account, ctx(), { service: 'securityhub', operation: 'GetFindings', region: 'us-east-1' });
    expect(out.status).toBe('ok');
    const text = JSON.stringify(out);
    expect(text).not.toContain('AKIAIOSFOD');
    // Found whole (counted), then the cut shortens its marker like any other text.
    expect(out).toMatchObject({ redactions: 1 });
    expect(text).toContain(' [REDACTED:');
    // The cut still applies after redaction.
    const description = okResult<ListSummary<FindingItem>>(out).items[0].Description;
    expect(description.length).toBeLessThanOrEqual(401);
    expect(description.endsWith('…')).toBe(true);
  });

  it('applies the secret-name rule to Cost Explorer GroupBy TAG keys ("db_password$Hunter2…")', async () => {
    const ce = sampleCostAndUsage({
      services: ['db_password$Hunter2SuperSecret', 'team$payments', 'GithubToken$ghx-1234-abcd', 'db_password$'],
    });
    ce.GroupDefinitions = [{ Type: 'TAG', Key: 'db_password' }];
    fake.handle('ce:GetCostAndUsage', () => ({ result: ce }));
    const out = await runner.run(account, ctx(), {
      service: 'ce',
      operation: 'GetCostAndUsage',
      params: {
        TimePeriod: { Start: '2024-04-01', End: '2024-06-01' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'TAG', Key: 'db_password' }],
      },
    });
    expect(out.status).toBe('ok');
    const text = JSON.stringify(out);
    expect(text).not.toContain('Hunter2');
    expect(text).not.toContain('ghx-1234-abcd');
    expect(text).toContain('db_password$[REDACTED:named-secret]');
    expect(text).toContain('team$payments');
    // An untagged bucket ("key$" with no value) stays as Cost Explorer wrote it.
    expect(okResult<CostSummary>(out).totalsByGroup.map((g) => g.group)).toContain('db_password$');
  });
});

describe('hawk › common token formats', () => {
  it.each([
    ['stripe-key', 'billing sk_live_51HxYzAbCdEfGhIjKlMnOpQrSt in a tag', 'sk_live_51HxYz'],
    ['stripe-key', 'restricted rk_live_51HxYzAbCdEfGhIjKlMnOpQrSt', 'rk_live_51HxYz'],
    ['google-api-key', 'maps AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW', 'AIzaSyA1b2C3d4E5f6G7h8I9j0'],
    ['github-token', 'ci ghp_0123456789abcdefghijABCDEFGHIJ012345', 'ghp_0123456789'],
    ['github-token', 'fine-grained github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU', 'github_pat_11ABCDEFG'],
    ['gitlab-token', 'runner glpat-AbCdEfGhIjKlMnOpQrSt', 'glpat-AbCdEf'],
    ['npm-token', 'publish npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'npm_AbCdEfGh'],
    ['slack-token', 'legacy xoxs-1234567890-abcdefghij', 'xoxs-1234567890'],
    ['slack-token', 'refresh xoxe-1-AbCdEfGhIjKlMnOp', 'xoxe-1-AbCdEf'],
    [
      'azure-storage-key',
      'DefaultEndpointsProtocol=https;AccountName=acme;' +
        'AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy+/==;EndpointSuffix=core.windows.net',
      'Zm9vYmFyYmF6',
    ],
    ['basic-auth', 'Authorization: Basic YWRtaW46aHVudGVyMg==', 'YWRtaW46aHVudGVyMg'],
    ['bearer-token', 'authorization=Bearer abcDEF1234567890ghiJKL', 'abcDEF1234567890'],
    ['password', 'jdbc:mysql://db/app?user=app&pass=hunter2!', 'hunter2!'],
    ['password', 'PASSWORD="correct horse battery"', 'correct horse'],
    ['private-key', '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----', 'MHcCAQEEIBkg'],
    ['private-key', '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0\n-----END PGP PRIVATE KEY BLOCK-----', 'lQOYBF0'],
  ])('redacts %s: %s', (kind, input, secret) => {
    const out = redact({ Description: input });
    const text = JSON.stringify(out.value);
    expect(text).not.toContain(secret);
    expect(text).toContain(`[REDACTED:${kind}]`);
    expect(out.kinds[kind]).toBeGreaterThanOrEqual(1);
  });

  it('leaves lookalikes alone: sk_test_ is not live, "passport", bucket names, a Basic plan', () => {
    const ordinary = {
      a: 'key sk_test_51HxYzAbCdEfGhIjKlMnOp is a test key',
      b: 'passport=scanned',
      c: 'arn:aws:s3:::npm-cache-bucket',
      d: 'Support plan: Basic',
      e: 'xoxo-friends',
    };
    const out = redact(ordinary);
    expect(out.value).toEqual(ordinary);
  });

  it('scans pathological strings in linear time (no regex backtracking on AWS-written text)', () => {
    const n = 100_000;
    for (const text of [
      'a.'.repeat(n / 2),
      'eyJ-'.repeat(n / 4),
      'https://'.repeat(n / 8),
      'password='.repeat(n / 9),
      '-----BEGIN '.repeat(n / 11),
      'x$'.repeat(n / 2),
    ]) {
      const start = process.cpuUsage();
      redact({ Description: text, Tags: [{ Key: 'Name', Value: text }] });
      const used = process.cpuUsage(start);
      expect((used.user + used.system) / 1000).toBeLessThan(200);
    }
  });
});
