import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parsePolicySource } from '../src/policy/index.js';
import { ROLE_TEMPLATE, runPolicyCheck, writeTempFile, type CfnStatement, type CfnTemplate } from './policy-helpers.js';

/**
 * `plainfra policy check` cannot be fooled (issue 7 §3): each case takes the shipped read-only role
 * template, which passes --strict, adds one way of granting more than its inline policies show, and
 * expects the strict check to fail naming it. Before this change every one of them passed.
 */

type Template = CfnTemplate<'ReadOnlyRole'>;

async function shipped(): Promise<Template> {
  return parsePolicySource(await readFile(ROLE_TEMPLATE, 'utf8'), ROLE_TEMPLATE) as Template;
}

async function strictCheck(name: string, template: Template) {
  return runPolicyCheck(await writeTempFile(name, template), '--strict');
}

const role = (t: Template) => t.Resources.ReadOnlyRole!.Properties;
/** The first trust statement, with the Condition the shipped template gives it. */
const assumeStatement = (t: Template) =>
  role(t).AssumeRolePolicyDocument.Statement[0] as CfnStatement & { Condition: Record<string, unknown> };
const readOnlyDoc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*' }] };

describe('policy check: what a template grants outside its inline policies', () => {
  it('the shipped template passes --strict as it is (the control)', async () => {
    const r = await strictCheck('shipped.json', await shipped());
    expect(r.stdout).toContain('PASSED: 0 error(s), 0 warning(s)');
    expect(r.code).toBe(0);
  });

  it('fails on ManagedPolicyArns [AdministratorAccess], saying it cannot verify what it grants', async () => {
    const t = await shipped();
    role(t).ManagedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    const r = await strictCheck('managed.json', t);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '[managed-policy-attached] Resources.ReadOnlyRole.Properties.ManagedPolicyArns: ' +
        'attaches arn:aws:iam::aws:policy/AdministratorAccess: policy check cannot see what it grants, so it cannot verify this template',
    );
  });

  it('fails on a PermissionsBoundary defined outside the template', async () => {
    const t = await shipped();
    role(t).PermissionsBoundary = 'arn:aws:iam::123456789012:policy/some-boundary';
    const r = await strictCheck('boundary.json', t);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        String.raw`\[permissions-boundary\] Resources\.ReadOnlyRole\.Properties\.PermissionsBoundary: ` +
          String.raw`the boundary arn:aws:iam::123456789012:policy\/some-boundary is defined outside this template: ` +
          'policy check cannot read it',
      ),
    );
  });

  it('fails on separate AWS::IAM::Policy, ManagedPolicy and RolePolicy resources attached to the role, even read-only ones', async () => {
    const t = await shipped();
    t.Resources.Extra = {
      Type: 'AWS::IAM::Policy',
      Properties: { PolicyName: 'extra', PolicyDocument: readOnlyDoc, Roles: [{ Ref: 'ReadOnlyRole' }] },
    };
    t.Resources.ExtraManaged = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { PolicyDocument: readOnlyDoc, Roles: [{ Ref: 'ReadOnlyRole' }] },
    };
    t.Resources.ExtraInline = {
      Type: 'AWS::IAM::RolePolicy',
      Properties: { PolicyName: 'inline', PolicyDocument: readOnlyDoc, RoleName: { Ref: 'RoleName' } },
    };
    const r = await strictCheck('separate.json', t);
    expect(r.code).toBe(1);
    for (const [name, type] of [
      ['Extra', 'AWS::IAM::Policy'],
      ['ExtraManaged', 'AWS::IAM::ManagedPolicy'],
      ['ExtraInline', 'AWS::IAM::RolePolicy'],
    ]) {
      expect(r.stdout).toContain(`[separate-policy] Resources.${name}: ${type} attaches statements to role`);
    }
  });

  it('fails on an IAM property or resource type it does not understand', async () => {
    const t = await shipped();
    role(t).SomethingNew = { Grants: 'who knows' };
    t.Resources.Person = { Type: 'AWS::IAM::User', Properties: { Policies: [] } };
    const r = await strictCheck('unknown.json', t);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '[unknown-iam-property] Resources.ReadOnlyRole.Properties.SomethingNew: ' +
        'AWS::IAM::Role property SomethingNew is not one policy check understands; policy check cannot see what it grants',
    );
    expect(r.stdout).toContain('[unknown-iam-resource] Resources.Person: AWS::IAM::User is not a resource type policy check understands');
  });
});

describe('policy check: the trust policy', () => {
  const cases: [string, (s: ReturnType<typeof assumeStatement>, t: Template) => void, RegExp][] = [
    [
      'an account root',
      (s) => (s.Principal = { AWS: 'arn:aws:iam::111122223333:root' }),
      /error {3}\[trust-account-principal\] .*Principal arn:aws:iam::111122223333:root trusts every principal of account 111122223333/,
    ],
    ['a bare account id', (s) => (s.Principal = { AWS: '111122223333' }), /error {3}\[trust-account-principal\]/],
    [
      'two role ARNs',
      (s) => (s.Principal = { AWS: ['arn:aws:iam::111122223333:role/a', 'arn:aws:iam::111122223333:role/b'] }),
      /\[trust-principal-not-role\] .*Principal AWS names 2 principals; name exactly one/,
    ],
    [
      'a user ARN',
      (s) => (s.Principal = { AWS: 'arn:aws:iam::111122223333:user/alice' }),
      /\[trust-principal-not-role\] .*Principal arn:aws:iam::111122223333:user\/alice is not an IAM role ARN/,
    ],
    [
      'a service',
      (s) => (s.Principal = { Service: 'ec2.amazonaws.com' }),
      /\[trust-principal-not-role\] .*Principal Service trusts a service or identity provider/,
    ],
    ['"*"', (s) => (s.Principal = '*'), /\[trust-open-principal\]/],
    [
      'a parameter that admits any ARN',
      (_s, t) => (t.Parameters.HawkPrincipalArn!.AllowedPattern = '^arn:.+$'),
      new RegExp(
        String.raw`\[trust-principal-not-role\] .*cannot be verified to be one role ARN: ` +
          'parameter HawkPrincipalArn has no AllowedPattern that admits role ARNs only',
      ),
    ],
    ['no sts:ExternalId condition', (s) => delete s.Condition.StringEquals, /\[trust-external-id\]/],
    [
      'no session-name condition',
      (s) => delete s.Condition.StringLike,
      /\[trust-session-name\] .*sts:AssumeRole has no sts:RoleSessionName condition/,
    ],
  ];
  for (const [what, mutate, expected] of cases) {
    it(`fails when the role trusts ${what}`, async () => {
      const t = await shipped();
      mutate(assumeStatement(t), t);
      const r = await strictCheck(`trust-${what.replace(/\W+/g, '-')}.json`, t);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(expected);
    });
  }
});
