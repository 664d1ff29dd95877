import { describe, expect, it } from 'vitest';
import { ALLOWED_OPERATIONS, allowedIamActions } from '../src/tools/allowlist.js';
import { refusalFor } from '../src/tools/aws/index.js';
import { ListCollector } from '../src/tools/aws/collector.js';
import { REGISTRY, iamActionsOfService } from '../src/tools/aws/registry.js';
import { SESSION_POLICY_MAX_CHARS, sessionPolicy } from '../src/tools/aws/session.js';
import { jsonSafe, pick, type FieldSpec } from '../src/tools/aws/shape.js';
import type { OperationSpec } from '../src/tools/aws/spec.js';
import { sdkModelsText } from './helpers/aws-sdk-models.js';
import { SHAPER_FIXTURES } from './hawk-shapers.fixtures.js';

const PLANTED = 'PLANTED-SECRET-VALUE';

/**
 * Maps whose keys are customer data (tags, dimension attributes, policy principals) are copied
 * whole on purpose ('*' in a field spec) and left to redaction; everything else must be an allow-list.
 */
const DATA_KEYED_MAPS = new Set(['Attributes', 'principal', 'tags']);

/** Adds an unlisted field to every object, so a shaper that copies whole objects is caught. */
function plant(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => plant(x));
  if (v && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    const inner = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plant(x, k)]));
    return DATA_KEYED_MAPS.has(key) ? inner : { ...inner, UnlistedField: PLANTED };
  }
  return v;
}

function shapeOnce(spec: OperationSpec, page: unknown): string {
  if (spec.list) {
    const c = new ListCollector(spec.list, 25);
    c.addPage(page);
    return JSON.stringify(c.result());
  }
  return JSON.stringify(typeof spec.single === 'function' ? jsonSafe(spec.single(page)) : pick(page, spec.single as FieldSpec));
}

function fieldNames(spec: FieldSpec, out: string[] = []): string[] {
  for (const e of spec) {
    if (typeof e === 'string') {
      if (e !== '*' && e !== '#') out.push(e);
    } else {
      for (const [k, v] of Object.entries(e)) {
        if (k !== '*') out.push(k);
        fieldNames(v, out);
      }
    }
  }
  return out;
}

describe('hawk registry', () => {
  it('covers exactly the allowlist: registry keys == allowlist keys', () => {
    const allowlist = ALLOWED_OPERATIONS.map((o) => `${o.service}:${o.operation}`).sort();
    expect([...REGISTRY.keys()].sort()).toEqual(allowlist);
  });

  it('names only fields and params that exist in the installed SDK models (catches typos that would silently drop data)', () => {
    const problems: string[] = [];
    for (const [key, spec] of REGISTRY) {
      const text = sdkModelsText(spec.service);
      const names = [
        ...(spec.list && Array.isArray(spec.list.item) ? fieldNames(spec.list.item as FieldSpec) : []),
        ...(spec.list?.header ? fieldNames(spec.list.header) : []),
        ...(Array.isArray(spec.single) ? fieldNames(spec.single as FieldSpec) : []),
        ...Object.keys((spec.params as { shape?: object }).shape ?? {}),
      ].filter((n) => n !== 'kind'); // `kind` is hawk's own tag on CloudWatch alarms
      for (const n of names) if (!new RegExp(`\\b${n}\\??:`).test(text)) problems.push(`${key}: ${n}`);
    }
    expect(problems).toEqual([]);
  });

  it('has a representative response fixture for every operation', () => {
    expect(Object.keys(SHAPER_FIXTURES).sort()).toEqual([...REGISTRY.keys()].sort());
  });

  describe.each([...REGISTRY.keys()])('shaper of %s', (key) => {
    it('keeps the listed fields and drops everything else', () => {
      const spec = REGISTRY.get(key)!;
      const fixture = SHAPER_FIXTURES[key];
      const out = shapeOnce(spec, plant(fixture.page));
      for (const s of fixture.expect) expect(out).toContain(s);
      expect(out).not.toContain(PLANTED);
      expect(() => JSON.parse(out)).not.toThrow();
    });
  });

  it('never lets Lambda Environment, EC2 UserData, trust-policy ExternalIds, RDS master users or account e-mails out', () => {
    const out = [
      'lambda:ListFunctions',
      'lambda:GetFunctionConfiguration',
      'ec2:DescribeInstances',
      'iam:ListRoles',
      'rds:DescribeDBInstances',
      'organizations:ListAccounts',
      'access-analyzer:ListFindings',
      'cloudtrail:LookupEvents',
      'config:DescribeConfigRules',
      'eks:DescribeCluster',
    ]
      .map((k) => shapeOnce(REGISTRY.get(k)!, SHAPER_FIXTURES[k].page))
      .join('\n');
    for (const secret of [
      'Environment',
      'hunter2',
      'UserData',
      'IyEvYmluL2Jhc2g',
      'vendor-external-id-value',
      'their-secret-external-id',
      'MasterUsername',
      'aws-prod@acme.example',
      'requestParameters',
      'InputParameters',
      'certificateAuthority',
      'ASIAEXAMPLEEXAMPLE12',
    ]) {
      expect(out).not.toContain(secret);
    }
  });
});

describe('hawk session policies', () => {
  it('fit every service in the 2 048-character STS limit and allow exactly that service’s allowlisted actions', () => {
    for (const service of new Set(ALLOWED_OPERATIONS.map((o) => o.service))) {
      const doc = sessionPolicy(iamActionsOfService(service));
      expect(doc.length).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARS);
      const actions = JSON.parse(doc).Statement.flatMap((s: { Action: string[] }) => s.Action);
      expect(actions.sort()).toEqual(
        ALLOWED_OPERATIONS.filter((o) => o.service === service)
          .map((o) => o.iamAction)
          .sort(),
      );
    }
  });

  it('could not hold the whole allowlist in one session policy (why sessions are per service)', () => {
    expect(() => sessionPolicy(allowedIamActions())).toThrow(/over the 2048 STS limit/);
  });
});

describe('hawk refusalFor', () => {
  it.each([
    ['ec2', 'TerminateInstances', /ec2:TerminateInstances is not a read-only operation plainfra allows.*change your AWS resources/],
    ['s3', 'GetObject', /s3:GetObject is not a read-only operation.*never object contents/],
    ['secretsmanager', 'GetSecretValue', /secretsmanager:GetSecretValue is not a read-only operation.*never reads secret values/],
    ['s3', 'DeleteBucket', /s3:DeleteBucket is not a read-only operation/],
    ['lambda', 'GetFunction', /GetFunctionConfiguration/],
  ])('refuses %s:%s with a reason the model can read', (service, operation, reason) => {
    expect(refusalFor({ service, operation })).toMatch(reason);
  });

  it('lists what the service does allow, so the model can pick a real operation', () => {
    expect(refusalFor({ service: 'ec2', operation: 'TerminateInstances' })).toContain('DescribeInstances');
  });

  it('allows allowlisted operations case-insensitively', () => {
    expect(refusalFor({ service: 'EC2', operation: 'describeInstances' })).toBeUndefined();
    expect(
      refusalFor({
        service: 'ce',
        operation: 'GetCostAndUsage',
        params: { TimePeriod: { Start: '2024-01-01', End: '2024-02-01' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] },
      }),
    ).toBeUndefined();
  });

  it('refuses unknown params by name, bad values, pagination tokens and bad regions', () => {
    expect(refusalFor({ service: 'ec2', operation: 'DescribeInstances', params: { DryRun: true } })).toMatch(
      /unknown parameter\(s\) DryRun/,
    );
    expect(
      refusalFor({
        service: 'ce',
        operation: 'GetCostAndUsage',
        params: { TimePeriod: { Start: 'last month', End: '2024-02-01' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] },
      }),
    ).toMatch(/TimePeriod.Start: expected YYYY-MM-DD/);
    expect(refusalFor({ service: 'securityhub', operation: 'GetFindings', params: { NextToken: 'abc' } })).toMatch(/follows pages itself/);
    expect(refusalFor({ service: 'ec2', operation: 'DescribeInstances', region: 'mars-1' })).toMatch(/not an AWS region/);
    expect(refusalFor({ service: 's3', operation: 'GetBucketEncryption', params: { Bucket: 'a/b/../../etc' } })).toMatch(/S3 bucket name/);
  });

  it('clamps page sizes instead of refusing them', () => {
    expect(refusalFor({ service: 'securityhub', operation: 'GetFindings', params: { MaxResults: 5000 } })).toBeUndefined();
    const parsed = REGISTRY.get('securityhub:GetFindings')!.params.parse({ MaxResults: 5000 });
    expect(parsed.MaxResults).toBe(100);
  });
});
