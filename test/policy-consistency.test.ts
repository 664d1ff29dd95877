import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ALLOWED_OPERATIONS, allowedIamActions } from '../src/tools/allowlist.js';
import { parsePolicySource } from '../src/policy/index.js';
import { actionPatternMatches, hasWildcard, lookupAction } from '../src/policy/iam-actions.js';
import { checkPolicyFile } from '../src/policy/command.js';
import { DATA_PLANE_ACTIONS, dataPlaneActionNames } from '../src/policy/data-plane-actions.js';
import {
  diffActionLists,
  formatActionListDiff,
  renderRoleTemplate,
  ROLE_TEMPLATE_UPDATE_COMMAND,
} from '../src/policy/render-role-template.js';
import { ROLE_TEMPLATE, type CfnPolicyDocument, type CfnStatement, type CfnTemplate } from './policy-helpers.js';

type RoleTemplate = CfnTemplate<'ReadOnlyRole'>;

async function loadRoleTemplate(): Promise<{ text: string; template: RoleTemplate }> {
  const text = await readFile(ROLE_TEMPLATE, 'utf8');
  return { text, template: parsePolicySource(text, ROLE_TEMPLATE) as RoleTemplate };
}

function policyNamed(template: RoleTemplate, name: string): CfnPolicyDocument {
  const policy = template.Resources.ReadOnlyRole.Properties.Policies.find((p) => p.PolicyName === name);
  expect(policy, `policy ${name} in the role template`).toBeDefined();
  return policy!.PolicyDocument;
}

function statementWithSid(doc: CfnPolicyDocument, sid: string): CfnStatement {
  const statement = doc.Statement.find((s) => s.Sid === sid);
  expect(statement, `statement ${sid}`).toBeDefined();
  return statement!;
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v : [v]) as string[];

describe('allowlist, role template and data-plane deny list', () => {
  // First, so that with UPDATE_ROLE_TEMPLATE=1 the other tests read the re-rendered file.
  it('the generated blocks of the template are up to date (UPDATE_ROLE_TEMPLATE=1 re-renders them)', async () => {
    const { text } = await loadRoleTemplate();
    const rendered = renderRoleTemplate(text);
    if (rendered !== text && process.env.UPDATE_ROLE_TEMPLATE === '1') {
      await writeFile(ROLE_TEMPLATE, rendered);
      return;
    }
    expect(
      rendered === text,
      'deploy/aws/plainfra-readonly-role.yaml is out of date with the allowlist or the data-plane list; ' +
        `run ${ROLE_TEMPLATE_UPDATE_COMMAND}`,
    ).toBe(true);
  });

  it('every ALLOWED_OPERATIONS iamAction exists in iam-data with access level Read or List', async () => {
    const problems: string[] = [];
    for (const op of ALLOWED_OPERATIONS) {
      const info = await lookupAction(op.iamAction);
      if (!info) problems.push(`${op.service}:${op.operation} → ${op.iamAction} is not a known IAM action`);
      else if (info.accessLevel !== 'Read' && info.accessLevel !== 'List') problems.push(`${op.iamAction} is ${info.accessLevel}`);
      else if (info.action !== op.iamAction) problems.push(`${op.iamAction} is spelled ${info.action} in the IAM reference`);
    }
    expect(problems).toEqual([]);
  });

  it('the template allows exactly allowedIamActions(), each by name', async () => {
    const { template } = await loadRoleTemplate();
    const statement = statementWithSid(policyNamed(template, 'plainfra-readonly-allow'), 'ReadOnlyAllowlist');
    const inTemplate = asList(statement.Action);
    const diff = formatActionListDiff(diffActionLists(allowedIamActions(), inTemplate), 'src/tools/allowlist.ts', 'the role template');
    expect(diff, `${diff}\nRun ${ROLE_TEMPLATE_UPDATE_COMMAND} to re-render the template.`).toBe('');
    expect(inTemplate.filter(hasWildcard)).toEqual([]);
    expect(statement.Resource).toBe('*');
  });

  it('the template allows nothing the allowlist lacks (all Allow statements, expanded)', async () => {
    const report = await checkPolicyFile(ROLE_TEMPLATE, { strict: true });
    const diff = diffActionLists(
      allowedIamActions(),
      report.allowedActions.map((a) => a.action),
    );
    expect(diff.extra).toEqual([]);
    expect(diff.missing).toEqual([]);
  });

  it('no allowlisted action is on the data-plane list or caught by any unconditional Deny of the template', async () => {
    const { template } = await loadRoleTemplate();
    const denyPatterns = policyNamed(template, 'plainfra-readonly-guardrails')
      .Statement.filter((s) => s.Effect === 'Deny' && !s.Condition)
      .flatMap((s) => asList(s.Action));
    const dataPlane = new Set(dataPlaneActionNames().map((a) => a.toLowerCase()));
    const clashes = allowedIamActions().filter(
      (a) => dataPlane.has(a.toLowerCase()) || denyPatterns.some((p) => actionPatternMatches(p, a)),
    );
    expect(clashes).toEqual([]);
  });

  it('every data-plane action exists in iam-data, spelled as AWS spells it, listed once', async () => {
    const problems: string[] = [];
    for (const { action } of DATA_PLANE_ACTIONS) {
      const info = await lookupAction(action);
      if (!info) problems.push(`${action} is not a known IAM action`);
      else if (info.action !== action) problems.push(`${action} is spelled ${info.action}`);
    }
    expect(problems).toEqual([]);
    const names = dataPlaneActionNames().map((a) => a.toLowerCase());
    expect(names.filter((a, i) => names.indexOf(a) !== i)).toEqual([]);
  });

  it('the template denies exactly the data-plane list, unconditionally, on every resource', async () => {
    const { template } = await loadRoleTemplate();
    const deny = statementWithSid(policyNamed(template, 'plainfra-readonly-guardrails'), 'DenyDataPlaneAndCredentialReads');
    expect(deny.Effect).toBe('Deny');
    expect(deny.Condition).toBeUndefined();
    expect(deny.Resource).toBe('*');
    const diff = formatActionListDiff(
      diffActionLists(dataPlaneActionNames(), asList(deny.Action)),
      'src/policy/data-plane-actions.ts',
      'the role template',
    );
    expect(diff, `${diff}\nRun ${ROLE_TEMPLATE_UPDATE_COMMAND} to re-render the template.`).toBe('');
  });
});

describe('read-only role template', () => {
  it('takes a specific hawk role ARN, not an account', async () => {
    const { template } = await loadRoleTemplate();
    const param = template.Parameters.HawkPrincipalArn;
    expect(param.AllowedPattern).toBe('^arn:aws[a-z-]*:iam::\\d{12}:role/.+$');
    const re = new RegExp(param.AllowedPattern);
    expect(re.test('arn:aws:iam::111122223333:role/plainfra-hawk')).toBe(true);
    expect(re.test('arn:aws-us-gov:iam::111122223333:role/path/plainfra-hawk')).toBe(true);
    for (const bad of ['111122223333', 'arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:user/bob', '*']) {
      expect(re.test(bad), bad).toBe(false);
    }
  });

  it('requires an external id of at least 16 characters and defaults the role name to plainfra-readonly', async () => {
    const { template } = await loadRoleTemplate();
    const { ExternalId, RoleName } = template.Parameters;
    expect(ExternalId.MinLength).toBeGreaterThanOrEqual(16);
    expect(new RegExp(ExternalId.AllowedPattern).test('Ab3-x_y.z@w:1/2=+,')).toBe(true);
    expect(new RegExp(ExternalId.AllowedPattern).test('has space in it!!')).toBe(false);
    expect(RoleName.Default).toBe('plainfra-readonly');
    expect(template.Resources.ReadOnlyRole.Properties.RoleName).toEqual({ Ref: 'RoleName' });
  });

  it('limits sessions to one hour', async () => {
    const { template } = await loadRoleTemplate();
    expect(template.Resources.ReadOnlyRole.Properties.MaxSessionDuration).toBe(3600);
  });

  it('trusts only the hawk role, with the external id and a hawk-* session name, plus slack-* source identities', async () => {
    const { template } = await loadRoleTemplate();
    const statements = template.Resources.ReadOnlyRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(statements.map((s) => [s.Effect, s.Action, s.Principal])).toEqual([
      ['Allow', 'sts:AssumeRole', { AWS: { Ref: 'HawkPrincipalArn' } }],
      ['Allow', 'sts:SetSourceIdentity', { AWS: { Ref: 'HawkPrincipalArn' } }],
    ]);
    expect(statements[0].Condition).toEqual({
      StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } },
      StringLike: { 'sts:RoleSessionName': 'hawk-*' },
    });
    expect(statements[1].Condition).toEqual({ StringLike: { 'sts:SourceIdentity': 'slack-*' } });
  });

  it('denies everything when the session has no source identity', async () => {
    const { template } = await loadRoleTemplate();
    const deny = statementWithSid(policyNamed(template, 'plainfra-readonly-guardrails'), 'DenyWithoutSourceIdentity');
    expect(deny).toMatchObject({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { Null: { 'aws:SourceIdentity': 'true' } } });
  });

  it('outputs the role ARN', async () => {
    const { template } = await loadRoleTemplate();
    expect(template.Outputs.RoleArn.Value).toEqual({ 'Fn::GetAtt': ['ReadOnlyRole', 'Arn'] });
  });

  it('attaches nothing but its two inline policies, within the 10,240-character inline limit', async () => {
    const { template } = await loadRoleTemplate();
    const props = template.Resources.ReadOnlyRole.Properties;
    expect(props.ManagedPolicyArns).toBeUndefined();
    expect(Object.values(template.Resources).map((r) => r.Type)).toEqual(['AWS::IAM::Role']);
    // IAM counts policy characters without whitespace; references are resolved, so this is an estimate.
    const size = props.Policies.map((p) => JSON.stringify(p.PolicyDocument).length).reduce((a, b) => a + b, 0);
    expect(size).toBeLessThan(10_240);
  });
});
