import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parsePolicySource } from '../src/policy/index.js';
import { extractPolicyDocuments } from '../src/policy/load.js';
import { HAWK_TEMPLATE, type CfnPolicyDocument, type CfnStatement, type CfnTemplate } from './policy-helpers.js';

type HawkTemplate = CfnTemplate<'HawkRole'>;

async function loadHawkTemplate(): Promise<HawkTemplate> {
  return parsePolicySource(await readFile(HAWK_TEMPLATE, 'utf8'), HAWK_TEMPLATE) as HawkTemplate;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** Resolves the one `Fn::Sub` form the template uses, with parameter defaults, in the aws partition. */
function resolveSub(value: unknown, template: HawkTemplate): unknown {
  if (typeof value === 'object' && value !== null && 'Fn::Sub' in value) {
    const text = value['Fn::Sub'] as string;
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
      name === 'AWS::Partition' ? 'aws' : String(template.Parameters[name]?.Default ?? `\${${name}}`),
    );
  }
  return value;
}

describe('hawk identity template', () => {
  it('allows only sts:AssumeRole and sts:SetSourceIdentity, only on the read-only role name, in every permission policy', async () => {
    const template = await loadHawkTemplate();
    const identityDocs = extractPolicyDocuments(template).filter((d) => d.kind === 'identity');
    expect(identityDocs.length).toBe(2); // the role's inline policy and its permissions boundary
    const grants = new Set<string>();
    for (const { document } of identityDocs) {
      for (const s of asList((document as CfnPolicyDocument).Statement) as CfnStatement[]) {
        expect(s.Effect).toBe('Allow');
        expect(s.NotAction).toBeUndefined();
        expect(s.NotResource).toBeUndefined();
        for (const action of asList(s.Action)) grants.add(String(action));
        for (const resource of asList(s.Resource)) {
          expect(resolveSub(resource, template)).toBe('arn:aws:iam::*:role/plainfra-readonly');
        }
      }
    }
    expect([...grants].sort()).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity']);
  });

  it('names the customer role by parameter, defaulting to plainfra-readonly', async () => {
    const template = await loadHawkTemplate();
    expect(template.Parameters.ReadOnlyRoleName.Default).toBe('plainfra-readonly');
    const inline = template.Resources.HawkRole.Properties.Policies[0].PolicyDocument.Statement;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation !Sub syntax, not a JS template
    for (const s of inline) expect(s.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/${ReadOnlyRoleName}' });
  });

  it('requires hawk-* session names and slack-* source identities on its side too', async () => {
    const template = await loadHawkTemplate();
    const inline = template.Resources.HawkRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(inline.map((s) => [s.Action, s.Condition])).toEqual([
      ['sts:AssumeRole', { StringLike: { 'sts:RoleSessionName': 'hawk-*' } }],
      ['sts:SetSourceIdentity', { StringLike: { 'sts:SourceIdentity': 'slack-*' } }],
    ]);
  });

  it('has no other permissions: no managed policies, and a permissions boundary capping it at the same two actions', async () => {
    const template = await loadHawkTemplate();
    const role = template.Resources.HawkRole.Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.PermissionsBoundary).toEqual({ Ref: 'HawkBoundary' });
    const types = Object.entries(template.Resources).map(([name, r]) => `${name}:${r.Type}`);
    expect(types.sort()).toEqual([
      'HawkBoundary:AWS::IAM::ManagedPolicy',
      'HawkInstanceProfile:AWS::IAM::InstanceProfile',
      'HawkRole:AWS::IAM::Role',
    ]);
  });

  it('is assumable by the chosen compute service (ECS tasks by default), and optionally one account', async () => {
    const template = await loadHawkTemplate();
    expect(template.Parameters.TrustedServicePrincipal).toMatchObject({
      Default: 'ecs-tasks.amazonaws.com',
      AllowedValues: ['ecs-tasks.amazonaws.com', 'ec2.amazonaws.com'],
    });
    expect(new RegExp(template.Parameters.TrustedAccountId.AllowedPattern).test('')).toBe(true);
    expect(new RegExp(template.Parameters.TrustedAccountId.AllowedPattern).test('111122223333')).toBe(true);
    expect(new RegExp(template.Parameters.TrustedAccountId.AllowedPattern).test('*')).toBe(false);
    const [service] = template.Resources.HawkRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(service).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: { Ref: 'TrustedServicePrincipal' } },
      Action: 'sts:AssumeRole',
    });
    expect(template.Resources.HawkRole.Properties.MaxSessionDuration).toBe(3600);
  });

  it('outputs the role ARN to use as HawkPrincipalArn', async () => {
    const template = await loadHawkTemplate();
    expect(template.Outputs.RoleArn.Value).toEqual({ 'Fn::GetAtt': ['HawkRole', 'Arn'] });
  });
});
