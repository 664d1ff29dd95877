import { describe, expect, it } from 'vitest';
import { redact } from '../src/tools/aws/redact.js';

describe('hawk redaction', () => {
  it.each([
    ['aws-access-key-id', 'owner key AKIAIOSFODNN7EXAMPLE in a tag', 'AKIAIOSFODNN7EXAMPLE'],
    ['aws-access-key-id', 'temp ASIAY34FZKBOKMUTVV7A', 'ASIAY34FZKBOKMUTVV7A'],
    [
      'aws-secret-access-key',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    ['aws-secret-access-key', '{"SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['private-key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEA'],
    ['private-key', 'cut by shaping: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA', 'b3BlbnNzaC1rZXktdjEAAAAA'],
    ['jwt', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'dozjgNryP4J3jVmNHl0w5N'],
    ['bearer-token', 'Authorization: Bearer abcDEF1234567890ghiJKL', 'abcDEF1234567890ghiJKL'],
    ['slack-token', 'bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-123456789012'],
    ['slack-webhook', 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', 'XXXXXXXXXXXXXXXX'],
    ['password', 'jdbc user=app password=hunter2!', 'hunter2!'],
    ['secret', 'client secret: s3cr3t-value-xyz', 's3cr3t-value-xyz'],
    ['url-credentials', 'postgres://app:pa55word@db.internal:5432/orders', 'pa55word'],
    ['named-secret', { Tags: [{ Key: 'db_password', Value: 'plain-looking' }] }, 'plain-looking'],
  ])('redacts %s', (kind, input, secret) => {
    const out = redact(input);
    const text = JSON.stringify(out.value);
    expect(text).not.toContain(secret);
    expect(text).toContain(`[REDACTED:${kind}]`);
    expect(out.count).toBeGreaterThanOrEqual(1);
    expect(out.kinds[kind]).toBeGreaterThanOrEqual(1);
  });

  it('leaves ordinary ARNs, ids and hashes alone', () => {
    const ordinary = {
      Arn: 'arn:aws:iam::123456789012:role/plainfra-readonly',
      UserId: 'AIDAJQABLZS4A3QDU576Q', // a principal id, not a credential
      RoleId: 'AROADBQP57FF2AEXAMPLE',
      InstanceId: 'i-0abcdef1234567890',
      SecurityGroup: 'sg-0123456789abcdef0',
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      CodeSha256: 'dGhpcyBpcyBub3QgYSBzZWNyZXQgYXQgYWxsIGhvbmVzdA==',
      Commit: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
      Description: 'Rotate the password every 90 days', // talks about passwords, holds none
      PasswordLastUsed: '2024-05-01T10:00:00.000Z',
      password_enabled: 'true',
      HttpTokens: 'required',
      Tags: [{ Key: 'Name', Value: 'web-1' }],
      Url: 'https://docs.aws.amazon.com/console/securityhub/EC2.13/remediation',
    };
    const out = redact(ordinary);
    expect(out.value).toEqual(ordinary);
    expect(out.count).toBe(0);
  });

  it('counts every replacement and redacts object keys too', () => {
    const out = redact({ AKIAIOSFODNN7EXAMPLE: ['AKIAIOSFODNN7EXAMPLE', 'AKIAI44QH8DHBEXAMPLE'] });
    expect(JSON.stringify(out.value)).not.toContain('EXAMPLE');
    expect(out.count).toBe(3);
  });
});

describe('hawk redaction of secrets named in camelCase', () => {
  it('redacts tag values whose key names a secret in any casing, and keeps ordinary ones', () => {
    const tags = [
      { Key: 'DatabasePassword', Value: 'hunter2hunter2' },
      { Key: 'dbPassword', Value: 'correct-horse' },
      { Key: 'githubToken', Value: 'abc123abc123' },
      { Key: 'db_pass', Value: 'p4ss' },
      { Key: 'PasswordLastUsed', Value: '2026-11-01' },
      { Key: 'NextToken', Value: 'page-2' },
      { Key: 'Team', Value: 'payments' },
    ];
    const out = JSON.stringify(redact({ Tags: tags }).value);
    for (const secret of ['hunter2hunter2', 'correct-horse', 'abc123abc123', 'p4ss']) expect(out).not.toContain(secret);
    for (const kept of ['2026-11-01', 'page-2', 'payments']) expect(out).toContain(kept);
  });
});
