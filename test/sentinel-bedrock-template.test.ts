import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicySource } from '../src/policy/index.js';
import { checkTemplateFile } from '../src/templates/command.js';

/** deploy/aws/plainfra-sentinel-bedrock.yaml: the sentinel's Bedrock identity may invoke the named models and nothing else. */
const FILE = 'deploy/aws/plainfra-sentinel-bedrock.yaml';
type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = { Type: string; Properties: Record<string, unknown> };
const template = parsePolicySource(readFileSync(FILE, 'utf8'), FILE) as {
  Parameters: Record<string, { Type: string }>;
  Resources: Record<string, Resource>;
};

/** Every statement of every permission policy (inline, managed, boundary): not the trust policy. */
function permissionStatements(): Statement[] {
  const out: Statement[] = [];
  for (const resource of Object.values(template.Resources)) {
    const p = resource.Properties;
    if (resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy')
      out.push(...(p.PolicyDocument as { Statement: Statement[] }).Statement);
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (p.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[])
        out.push(...policy.PolicyDocument.Statement);
      expect(p.ManagedPolicyArns, 'no managed policies attached to the role').toBeUndefined();
    }
  }
  return out;
}

describe(FILE, () => {
  it('passes plainfra template check (the CloudFormation resource specification)', async () => {
    const report = await checkTemplateFile(FILE);
    expect(report.findings).toEqual([]);
  });

  it('its only Allow is bedrock:InvokeModel and InvokeModelWithResponseStream on the ModelArns parameter', () => {
    const statements = permissionStatements();
    expect(statements.length).toBeGreaterThanOrEqual(2); // the role's policy and its permissions boundary
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect([s.Action].flat().sort()).toEqual(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
      expect(s.Resource).toEqual({ Ref: 'ModelArns' });
      expect(s).not.toHaveProperty('NotAction');
      expect(s).not.toHaveProperty('NotResource');
    }
    expect(template.Parameters.ModelArns!.Type).toBe('CommaDelimitedList');
    // Nothing else in the template grants anything: only the role and its boundary.
    expect(
      Object.values(template.Resources)
        .map((r) => r.Type)
        .sort(),
    ).toEqual(['AWS::IAM::ManagedPolicy', 'AWS::IAM::Role']);
  });

  it('the role is bounded by that same policy', () => {
    const role = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::Role')!;
    expect(role.Properties.PermissionsBoundary).toEqual({ Ref: 'SentinelBoundary' });
    expect(template.Resources.SentinelBoundary!.Type).toBe('AWS::IAM::ManagedPolicy');
  });

  it('only ECS tasks of this account may take the role (aws:SourceAccount)', () => {
    const role = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::Role')!;
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' });
    expect(trust[0]!.Condition!.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  });
});
