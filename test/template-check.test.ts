import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePolicySource } from '../src/policy/index.js';
import { checkTemplate } from '../src/templates/check.js';
import { loadResourceSpec, type ResourceSpec } from '../src/templates/spec.js';
import { runPlainfra } from './helpers/processes.js';

let spec: ResourceSpec;
beforeAll(async () => {
  spec = await loadResourceSpec();
});

const check = (yaml: string) => checkTemplate(parsePolicySource(yaml, 't.yaml'), spec).map((f) => `${f.path}: ${f.message}`);

const ROLE = `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Description: a role's Description is valid (the old cfn-lint spec rejected it)
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] }
`;

describe('plainfra template check', () => {
  it('passes every template shipped under deploy/aws', () => {
    const files = readdirSync('deploy/aws')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `deploy/aws/${f}`);
    expect(files).toContain('deploy/aws/plainfra-ecs.yaml');
    const r = runPlainfra(['template', 'check', ...files], {});
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('✘');
    expect(r.status).toBe(0);
  });

  it('accepts properties today’s specification has', () => {
    expect(check(ROLE)).toEqual([]);
  });

  it('names an unknown property, with the ones the type has', () => {
    const findings = check(ROLE.replace('Description:', 'Descripton:'));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(
      /Resources\.Role\.Properties\.Descripton: AWS::IAM::Role has no property "Descripton" \(known: .*Description/,
    );
  });

  it('names a missing required property, also inside nested types', () => {
    expect(check('Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties: {}\n')).toEqual([
      'Resources.Role.Properties: AWS::IAM::Role requires "AssumeRolePolicyDocument"',
    ]);
    const task = `
Resources:
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: bot
          Imagee: plainfra:latest
`;
    expect(check(task)).toEqual([
      expect.stringMatching(/ContainerDefinitions\[0\]\.Imagee: ContainerDefinition has no property "Imagee"/),
      'Resources.Task.Properties.ContainerDefinitions[0]: ContainerDefinition requires "Image"',
    ]);
  });

  it('names unknown resource types, wrong value shapes and unknown resource attributes', () => {
    const findings = check(`
Resources:
  Queue:
    Type: AWS::SQS::Queuee
  Role:
    Type: AWS::IAM::Role
    DeletionPolicy: Retain
    Propertiez: {}
    Properties:
      AssumeRolePolicyDocument: {}
      ManagedPolicyArns: arn:aws:iam::aws:policy/ReadOnlyAccess
      MaxSessionDuration: an hour
`);
    expect(findings).toEqual([
      'Resources.Queue.Type: AWS::SQS::Queuee is not a CloudFormation resource type',
      'Resources.Role.Propertiez: unknown resource attribute "Propertiez"',
      'Resources.Role.Properties.ManagedPolicyArns: expected a list, got string "arn:aws:iam::aws:policy/ReadOnlyAccess"',
      'Resources.Role.Properties.MaxSessionDuration: expected a number, got string "an hour"',
    ]);
  });

  it('checks the names that Ref, !GetAtt, !Sub, !If, Condition and DependsOn use', () => {
    const findings = check(`
Parameters:
  Name: { Type: String }
Conditions:
  HasName: !Not [!Equals [!Ref Name, '']]
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Condition: HasNam
    DependsOn: [Role, Nothing]
    Properties:
      DBInstanceClass: db.t4g.micro
      DBName: !If [HasName, !Ref Name, !Ref AWS::NoValue]
      Engine: !Sub '\${Role.Arn}-\${Missing}-\${!Literal}-\${AWS::Region}'
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      RoleName: !Ref Nme
Outputs:
  Endpoint:
    Value: !GetAtt Db.Endpoint.Adress
  Port:
    Value: !GetAtt Db.Endpoint.Port
  Arn:
    Value: !GetAtt Ghost.Arn
`);
    expect(findings).toEqual([
      'Resources.Db.Condition: condition "HasNam" is not declared under Conditions',
      'Resources.Db.DependsOn: DependsOn names no resource: "Nothing"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation !Sub syntax in the checker's message, not a JS template
      'Resources.Db.Properties.Engine.Fn::Sub: !Sub uses ${Missing}, which names no parameter, resource or pseudo parameter',
      'Resources.Role.Properties.RoleName.Ref: Ref "Nme" names no parameter, resource or pseudo parameter',
      expect.stringMatching(
        new RegExp(
          String.raw`^Outputs\.Endpoint\.Value\.Fn::GetAtt: !GetAtt Db\.Endpoint\.Adress: ` +
            String.raw`AWS::RDS::DBInstance has no attribute "Endpoint\.Adress" \(it has: .*Endpoint\.Address`,
        ),
      ),
      'Outputs.Arn.Value.Fn::GetAtt: !GetAtt Ghost.Arn: no resource "Ghost" in this template',
    ]);
  });

  it('exits 1 with the findings, and 2 on a file it cannot read', () => {
    const bad = runPlainfra(['template', 'check', 'test/fixtures/templates/typo.yaml'], {});
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('✘ test/fixtures/templates/typo.yaml: 1 finding(s)');
    expect(bad.stdout).toContain('has no property "RoleNam"');
    const missing = runPlainfra(['template', 'check', 'no/such/file.yaml'], {});
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read no/such/file.yaml');
    const noFile = runPlainfra(['template', 'check'], {});
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain('missing FILE');
  });
});

describe('YAML that CloudFormation refuses', () => {
  it('names every alias with its line: CloudFormation rejects anchors and aliases', async () => {
    const { checkTemplateFile } = await import('../src/templates/command.js');
    const report = await checkTemplateFile('test/fixtures/templates/alias.yaml');
    expect(report.findings).toEqual([
      { path: 'line 13', message: 'YAML alias *trust: CloudFormation does not accept YAML anchors and aliases; write the value out' },
    ]);
  });
});
