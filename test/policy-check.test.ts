import { describe, expect, it } from 'vitest';
import { parsePolicySource, PolicyInputError } from '../src/policy/index.js';
import { checkPolicyDocuments } from '../src/policy/check.js';
import { checkPolicyFile } from '../src/policy/command.js';
import { expandActionPattern } from '../src/policy/iam-actions.js';
import { extractPolicyDocuments } from '../src/policy/load.js';
import { formatReport } from '../src/policy/report.js';
import { allow, dataPlaneDeny, policyWith, ROLE_TEMPLATE, runPolicyCheck, writeTempFile } from './policy-helpers.js';

async function checkJson(name: string, doc: unknown, ...flags: string[]) {
  return runPolicyCheck(await writeTempFile(name, doc as object), ...flags);
}

describe('policy check', () => {
  describe('the shipped read-only role template', () => {
    it('passes, in strict mode too, with exit code 0', async () => {
      const result = await runPolicyCheck(ROLE_TEMPLATE, '--strict');
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('PASSED: 0 error(s), 0 warning(s)');
      expect(result.code).toBe(0);
    });

    it('finds the trust policy and both permission policies', async () => {
      const report = await checkPolicyFile(ROLE_TEMPLATE);
      expect(report.documents.map((d) => d.kind).sort()).toEqual(['identity', 'identity', 'trust']);
      expect(report.allowedActions.length).toBeGreaterThan(0);
      expect(report.allowedActions.every((a) => a.accessLevel === 'Read' || a.accessLevel === 'List')).toBe(true);
    });
  });

  describe('Allow rules', () => {
    it('fails on ec2:* and names actions that are not Read or List', async () => {
      const result = await checkJson('ec2-star.json', policyWith(allow('ec2:*')));
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/ec2:\* allows \d+ action\(s\) that are not Read or List: ec2:\w+ \(Write\)/);
    });

    it('fails on s3:Get* and names s3:GetObject', async () => {
      const result = await checkJson('s3-get.json', policyWith(allow('s3:Get*')));
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('[data-plane-allowed]');
      expect(result.stdout).toMatch(/s3:Get\* allows data-plane or credential reads: .*s3:GetObject\b/);
    });

    it('fails on iam:Tag* and names iam:TagRole', async () => {
      const result = await checkJson('iam-tag.json', policyWith(allow('iam:Tag*')));
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/iam:Tag\* allows \d+ action\(s\) that are not Read or List: .*iam:TagRole \(Tagging, Write\)/);
    });

    it('fails on a NotAction Allow and names the statement', async () => {
      const doc = policyWith({ Sid: 'EverythingButIam', Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
      const result = await checkJson('not-action.json', doc);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/\[not-action-allow\] policy › Sid "EverythingButIam": Allow with NotAction "iam:\*"/);
    });

    it('fails on a NotResource Allow', async () => {
      const result = await checkJson(
        'not-resource.json',
        policyWith({ Effect: 'Allow', Action: 'ec2:DescribeVpcs', NotResource: 'arn:aws:s3:::x' }),
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('[not-resource-allow] policy › Statement[0]');
    });

    it('rejects an exact action whose level is Write, or a combined level like "Tagging, Write"', async () => {
      const report = await checkPolicyDocuments([
        { label: 'p', kind: 'identity', document: policyWith(allow(['ec2:RunInstances', 's3:PutBucketTagging', 'iam:PutRolePolicy'])) },
      ]);
      const levelErrors = report.findings.filter((f) => f.rule === 'access-level').map((f) => f.action);
      expect(levelErrors).toEqual(['ec2:RunInstances', 's3:PutBucketTagging', 'iam:PutRolePolicy']);
      expect(report.findings.find((f) => f.action === 'iam:PutRolePolicy')?.message).toContain(
        'access level "Permissions management, Write"',
      );
    });

    it('fails on an action iam-data does not know, and on a pattern that matches nothing', async () => {
      const report = await checkPolicyDocuments([
        {
          label: 'p',
          kind: 'identity',
          document: policyWith(allow(['ec2:DescribeUnicorns', 'ec2:Frobnicate*', 'nosuchservice:List*', 'DescribeVpcs'])),
        },
      ]);
      const unknown = report.findings.filter((f) => f.rule === 'unknown-action');
      expect(unknown.map((f) => f.action)).toEqual(['ec2:DescribeUnicorns', 'ec2:Frobnicate*', 'nosuchservice:List*', 'DescribeVpcs']);
      expect(report.passed).toBe(false);
    });

    it('matches actions case-insensitively and reports them in canonical spelling', async () => {
      const report = await checkPolicyDocuments([{ label: 'p', kind: 'identity', document: policyWith(allow('EC2:describevpcs')) }]);
      expect(report.findings).toEqual([]);
      expect(report.allowedActions.map((a) => a.action)).toEqual(['ec2:DescribeVpcs']);
    });

    it('warns on a wildcard that is all Read/List today, and fails on it with --strict', async () => {
      const doc = policyWith(allow('ec2:DescribeVpc*'));
      const lenient = await checkJson('wildcard.json', doc);
      expect(lenient.code).toBe(0);
      expect(lenient.stdout).toMatch(/warning \[wildcard\] .*ec2:DescribeVpc\* is a wildcard/);
      const strict = await checkJson('wildcard.json', doc, '--strict');
      expect(strict.code).toBe(1);
      expect(strict.stdout).toContain('FAILED: 0 error(s), 1 warning(s) (--strict counts warnings as errors)');
    });

    it('expands ? as exactly one character', async () => {
      const names = (await expandActionPattern('ec2:DescribeVpc?')).map((a) => a.action);
      expect(names).toContain('ec2:DescribeVpcs');
      expect(names).not.toContain('ec2:DescribeVpcEndpoints');
    });

    it('treats "*" as every action of every service', async () => {
      const report = await checkPolicyDocuments([{ label: 'p', kind: 'identity', document: policyWith(allow('*')) }]);
      expect(report.findings.some((f) => f.rule === 'access-level' && f.action === '*')).toBe(true);
      expect(report.allowedActions.length).toBeGreaterThan(10_000);
    });
  });

  describe('Deny rules', () => {
    it('fails on a deny list missing logs:FilterLogEvents and names it', async () => {
      const doc = policyWith(allow('ec2:DescribeVpcs'), dataPlaneDeny(['logs:FilterLogEvents']));
      const result = await checkJson('missing-deny.json', doc);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('logs:FilterLogEvents is a data-plane read and no unconditional Deny covers it');
      expect(result.stdout).toContain('FAILED: 1 error(s)');
    });

    it('does not count a Deny that has a Condition', async () => {
      const conditional = { ...dataPlaneDeny(), Condition: { Bool: { 'aws:ViaAWSService': 'false' } } };
      const report = await checkPolicyDocuments([
        { label: 'p', kind: 'identity', document: policyWith(allow('ec2:DescribeVpcs'), conditional) },
      ]);
      expect(report.findings.filter((f) => f.rule === 'data-plane-not-denied')).toHaveLength(report.findings.length);
      expect(report.findings.map((f) => f.action)).toContain('s3:GetObject');
    });

    it('does not count a Deny limited to some resources', async () => {
      const scoped = { ...dataPlaneDeny(), Resource: 'arn:aws:s3:::one-bucket/*' };
      const report = await checkPolicyDocuments([
        { label: 'p', kind: 'identity', document: policyWith(allow('ec2:DescribeVpcs'), scoped) },
      ]);
      expect(report.findings.map((f) => f.action)).toContain('logs:FilterLogEvents');
    });

    it('accepts wildcards in a Deny (wider is safer)', async () => {
      const wide = { Effect: 'Deny', Action: ['s3:GetObject*', 's3:List*', '*:Get*', '*'], Resource: '*' };
      const report = await checkPolicyDocuments([{ label: 'p', kind: 'identity', document: policyWith(allow('ec2:DescribeVpcs'), wide) }]);
      expect(report.findings).toEqual([]);
    });
  });

  describe('trust policies', () => {
    const trust = (statement: Record<string, unknown>) => ({ Version: '2012-10-17', Statement: [statement] });

    it('requires sts:ExternalId when an AWS principal may assume the role', async () => {
      const result = await checkJson(
        'trust.json',
        trust({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/plainfra-hawk' }, Action: 'sts:AssumeRole' }),
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('[trust-external-id]');
    });

    it('accepts a named role with an external id, and does not grade its actions by access level', async () => {
      const report = await checkPolicyDocuments([
        {
          label: 'trust',
          kind: 'trust',
          document: trust({
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:role/plainfra-hawk' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'abcdefghijklmnop' }, StringLike: { 'sts:RoleSessionName': 'hawk-*' } },
          }),
        },
      ]);
      expect(report.findings).toEqual([]);
      expect(report.passed).toBe(true);
    });

    it('fails on Principal "*" and on a whole account (the principal must be one role ARN)', async () => {
      const condition = { StringEquals: { 'sts:ExternalId': 'x'.repeat(16) }, StringLike: { 'sts:RoleSessionName': 'hawk-*' } };
      const report = await checkPolicyDocuments([
        {
          label: 't1',
          kind: 'trust',
          document: trust({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: condition }),
        },
        {
          label: 't2',
          kind: 'trust',
          document: trust({ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'sts:AssumeRole', Condition: condition }),
        },
      ]);
      expect(report.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual([
        'error trust-open-principal',
        'error trust-account-principal',
      ]);
    });
  });

  describe('input formats', () => {
    it('reads {"PolicyDocument": …}', async () => {
      const result = await checkJson('wrapped.json', { PolicyDocument: policyWith(allow('ec2:DescribeVpcs')) });
      expect(result.code).toBe(0);
    });

    it('reads a CloudFormation template in JSON', async () => {
      const template = {
        Resources: {
          P: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: policyWith(allow('iam:TagRole')) } },
        },
      };
      const result = await checkJson('template.json', template);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        'Resources.P.Properties.PolicyDocument › Sid "UnderTest": iam:TagRole has access level "Tagging, Write"',
      );
    });

    it('parses CloudFormation short tags in YAML (!Ref, !Sub, !GetAtt, !If, !Join)', () => {
      // biome-ignore-start lint/suspicious/noTemplateCurlyInString: CloudFormation !Sub syntax, not JS templates
      const parsed = parsePolicySource(
        [
          'A: !Ref Param',
          'B: !Sub "arn:${AWS::Partition}:iam::*:role/${Name}"',
          'C: !GetAtt Role.Arn',
          'D: !If [Cond, !Ref X, !Ref AWS::NoValue]',
          'E: !Join',
          '  - ""',
          '  - [a, !Ref B]',
          'F: !Sub',
          '  - "${x}"',
          '  - { x: !Ref Y }',
        ].join('\n'),
        'tags.yaml',
      );
      expect(parsed).toEqual({
        A: { Ref: 'Param' },
        B: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/${Name}' },
        C: { 'Fn::GetAtt': ['Role', 'Arn'] },
        D: { 'Fn::If': ['Cond', { Ref: 'X' }, { Ref: 'AWS::NoValue' }] },
        E: { 'Fn::Join': ['', ['a', { Ref: 'B' }]] },
        F: { 'Fn::Sub': ['${x}', { x: { Ref: 'Y' } }] },
      });
      // biome-ignore-end lint/suspicious/noTemplateCurlyInString: CloudFormation !Sub syntax, not JS templates
    });

    it('reports a statement built with !If as unverifiable instead of passing it', async () => {
      const docs = extractPolicyDocuments(
        parsePolicySource(
          [
            'Resources:',
            '  P:',
            '    Type: AWS::IAM::ManagedPolicy',
            '    Properties:',
            '      PolicyDocument:',
            '        Statement:',
            '          - !If [Wide, {Effect: Allow, Action: "*", Resource: "*"}, !Ref AWS::NoValue]',
          ].join('\n'),
          'if.yaml',
        ),
      );
      const report = await checkPolicyDocuments(docs);
      expect(report.findings.map((f) => f.rule)).toContain('unverifiable');
      expect(report.passed).toBe(false);
    });

    it('formats a report that names the source and the verdict', async () => {
      const report = await checkPolicyDocuments([{ label: 'p', kind: 'identity', document: policyWith(allow('ec2:DescribeVpcs')) }], {
        source: 'x.json',
      });
      const text = formatReport(report);
      expect(text).toContain('plainfra policy check: x.json');
      expect(text).toContain('1 allowed action(s) (1 List)');
      expect(text.trimEnd().endsWith('PASSED: 0 error(s), 0 warning(s)')).toBe(true);
    });
  });

  describe('unusable input (exit 2)', () => {
    it('says the file does not exist', async () => {
      const result = await runPolicyCheck('/nonexistent/role.yaml');
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('cannot read /nonexistent/role.yaml: no such file');
    });

    it('says where invalid YAML is broken', async () => {
      const path = await writeTempFile('broken.yaml', 'Resources:\n  Role:\n    Type: [unclosed\n');
      const result = await runPolicyCheck(path);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/broken\.yaml is not valid YAML \(line \d+, column \d+\)/);
    });

    it('says invalid JSON is invalid JSON', async () => {
      const path = await writeTempFile('broken.json', '{"Statement": [');
      const result = await runPolicyCheck(path);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('broken.json is not valid JSON');
    });

    it('says a file without any policy has no policy', async () => {
      const result = await runPolicyCheck(await writeTempFile('other.json', { hello: 'world' }));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('contains no IAM policy');
    });

    it('says a template without IAM resources has no IAM policies', async () => {
      const path = await writeTempFile('bucket.yaml', 'Resources:\n  B:\n    Type: AWS::S3::Bucket\n');
      const result = await runPolicyCheck(path);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('CloudFormation template without IAM policies');
    });

    it('prints usage when FILE is missing or an option is unknown', async () => {
      for (const args of [[], ['--nope', ROLE_TEMPLATE]]) {
        const result = await runPolicyCheck(...args);
        expect(result.code).toBe(2);
        expect(result.stderr).toContain('Usage: plainfra policy check FILE');
      }
    });

    it('throws PolicyInputError from checkPolicyFile', async () => {
      await expect(checkPolicyFile('/nonexistent.json')).rejects.toBeInstanceOf(PolicyInputError);
    });
  });
});
