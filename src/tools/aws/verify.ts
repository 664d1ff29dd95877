/**
 * `plainfra accounts verify`: proves from hawk's side that the customer's role is set up the way the
 * security model assumes — the ExternalId is required, and the role cannot write or read data.
 * A role that can be assumed *without* the ExternalId is the confused-deputy hole the ExternalId
 * exists to close, so that is reported as a failure, loudly.
 */
import { randomBytes } from 'node:crypto';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { IAMClient, SimulatePrincipalPolicyCommand, type EvaluationResult } from '@aws-sdk/client-iam';
import type { Logger } from 'pino';
import { allowedIamActions } from '../allowlist.js';
import { errorCode, trustErrorMessage } from './errors.js';
import { accountIdOf, assumeRole, createStsClient, sessionPolicy, stsName, type SessionCredentials } from './session.js';
import type { AccountTarget } from './types.js';

/** Write and data-plane actions the role must never be allowed (a sample: the role grants reads only). */
export const MUST_BE_DENIED = [
  'ec2:TerminateInstances',
  'ec2:RunInstances',
  'ec2:GetPasswordData',
  's3:GetObject',
  's3:PutObject',
  's3:DeleteBucket',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter',
  'kms:Decrypt',
  'iam:CreateUser',
  'iam:AttachRolePolicy',
  'iam:PassRole',
  'lambda:InvokeFunction',
  'lambda:GetFunction',
  'dynamodb:GetItem',
  'sts:AssumeRole',
];

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';
export interface VerifyCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}
export interface VerifyReport {
  account: string;
  roleArn: string;
  /** False if any check failed. */
  ok: boolean;
  identity?: { Account?: string; Arn?: string; UserId?: string };
  /** Decision per simulated action (`allowed`, `implicitDeny`, `explicitDeny`). */
  decisions: Record<string, string>;
  checks: VerifyCheck[];
  /** The report as text for the terminal. */
  text: string;
}

export interface VerifyOptions {
  logger?: Logger;
  /** Override hawk's STS client (tests); by default the default credential chain in AWS_REGION or us-east-1. */
  sts?: STSClient;
  maxAttempts?: number;
  /**
   * Verifying a rotation: `account.externalId` is the new id, this the one it replaces. The role
   * must refuse the old id too, or the rotation retires nothing (a trust policy that lists both).
   */
  replacesExternalId?: string;
}

const creds = (c: SessionCredentials) => ({
  accessKeyId: c.accessKeyId,
  secretAccessKey: c.secretAccessKey,
  sessionToken: c.sessionToken,
  expiration: c.expiration,
});

export async function verifyAccount(account: AccountTarget, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const maxAttempts = opts.maxAttempts ?? 3;
  const sts = opts.sts ?? createStsClient(maxAttempts);
  const checks: VerifyCheck[] = [];
  const decisions: Record<string, string> = {};
  let identity: VerifyReport['identity'];
  const sessionName = stsName(`hawk-verify-${Date.now()}`);
  // The role denies every call from a session without a SourceIdentity, and its trust policy wants `slack-*`.
  const sourceIdentity = stsName('slack-cli-verify');
  // The verify session may only simulate policies; GetCallerIdentity needs no permission.
  const policy = sessionPolicy(['iam:SimulatePrincipalPolicy'], accountIdOf(account.roleArn));

  try {
    let session: SessionCredentials | undefined;
    try {
      session = await assumeRole(sts, { roleArn: account.roleArn, externalId: account.externalId, sessionName, sourceIdentity, policy });
      checks.push({
        name: 'assume role with ExternalId',
        status: 'pass',
        detail: `session valid until ${session.expiration.toISOString()}`,
      });
    } catch (err) {
      const detail = opts.replacesExternalId
        ? `the role does not accept the new ExternalId (${errorCode(err)}): run the stack update \`plainfra accounts rotate-external-id\` printed, in the account and region of the stack, then verify again. Until then hawk keeps using the current ExternalId.`
        : trustErrorMessage({ account: account.accountName, roleArn: account.roleArn }, errorCode(err));
      checks.push({ name: 'assume role with ExternalId', status: 'fail', detail });
    }

    if (opts.replacesExternalId !== undefined) {
      const name = 'assume role with the previous ExternalId is refused';
      try {
        await assumeRole(sts, { roleArn: account.roleArn, externalId: opts.replacesExternalId, sessionName, sourceIdentity, policy });
        checks.push({
          name,
          status: 'fail',
          detail:
            "the role still accepts the ExternalId being retired, so retiring it would change nothing: the stack's trust policy must name only the new ExternalId (was the update applied to this role's stack?)",
        });
      } catch (err) {
        const code = errorCode(err);
        checks.push({ name, status: code === 'AccessDenied' ? 'pass' : 'warn', detail: `AWS answered ${code}` });
      }
    }

    for (const [name, externalId] of [
      ['assume role without ExternalId is refused', undefined],
      ['assume role with a wrong ExternalId is refused', `wrong-${randomBytes(8).toString('hex')}`],
    ] as const) {
      try {
        await assumeRole(sts, { roleArn: account.roleArn, externalId, sessionName, sourceIdentity, policy });
        checks.push({
          name,
          status: 'fail',
          detail: `MISCONFIGURED: AWS let hawk assume ${account.roleArn} ${externalId === undefined ? 'without an ExternalId' : 'with a wrong ExternalId'}. Anyone hawk's principal acts for could reach this account. Redeploy deploy/aws/plainfra-readonly-role.yaml so the trust policy requires sts:ExternalId.`,
        });
      } catch (err) {
        const code = errorCode(err);
        checks.push({ name, status: code === 'AccessDenied' ? 'pass' : 'warn', detail: `AWS answered ${code}` });
      }
    }

    if (session) {
      const sessionSts = new STSClient({ region: process.env.AWS_REGION || 'us-east-1', credentials: creds(session), maxAttempts });
      try {
        const id = await sessionSts.send(new GetCallerIdentityCommand({}));
        identity = { Account: id.Account, Arn: id.Arn, UserId: id.UserId };
        const expected = account.roleArn.split(':')[4];
        checks.push({
          name: 'caller identity of the session',
          status: id.Account === expected ? 'pass' : 'fail',
          detail: `${id.Arn} (account ${id.Account}${id.Account === expected ? '' : `, expected ${expected}`})`,
        });
      } catch (err) {
        checks.push({ name: 'caller identity of the session', status: 'fail', detail: `GetCallerIdentity failed: ${errorCode(err)}` });
      } finally {
        sessionSts.destroy();
      }
      await simulate(account, session, maxAttempts, checks, decisions, sourceIdentity);
    }
  } finally {
    if (!opts.sts) sts.destroy();
  }

  const ok = !checks.some((c) => c.status === 'fail');
  const report: VerifyReport = { account: account.accountName, roleArn: account.roleArn, ok, identity, decisions, checks, text: '' };
  report.text = formatReport(report);
  opts.logger?.info({ account: account.accountName, ok, checks: checks.map((c) => `${c.status}:${c.name}`) }, 'plainfra accounts verify');
  return report;
}

async function simulate(
  account: AccountTarget,
  session: SessionCredentials,
  maxAttempts: number,
  checks: VerifyCheck[],
  decisions: Record<string, string>,
  sourceIdentity: string,
) {
  const iam = new IAMClient({ region: 'us-east-1', credentials: creds(session), maxAttempts });
  const reads = allowedIamActions();
  try {
    const results: EvaluationResult[] = [];
    let marker: string | undefined;
    do {
      const out = await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: account.roleArn,
          ActionNames: [...MUST_BE_DENIED, ...reads],
          // Simulate a request as hawk makes it. Without a SourceIdentity the role's deny-all
          // (no SourceIdentity → deny) would match everything, and an over-broad role would pass.
          ContextEntries: [{ ContextKeyName: 'aws:SourceIdentity', ContextKeyType: 'string', ContextKeyValues: [sourceIdentity] }],
          Marker: marker,
        }),
      );
      results.push(...(out.EvaluationResults ?? []));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    for (const r of results) if (r.EvalActionName) decisions[r.EvalActionName] = String(r.EvalDecision);
    for (const action of MUST_BE_DENIED) {
      const d = decisions[action];
      checks.push({
        name: `${action} is denied`,
        status: d === 'implicitDeny' || d === 'explicitDeny' ? 'pass' : d === undefined ? 'warn' : 'fail',
        detail:
          d === undefined
            ? 'not in the simulation result'
            : d === 'allowed'
              ? 'ALLOWED — the role grants more than read-only access; remove the extra policy'
              : d,
      });
    }
    const notAllowed = reads.filter((a) => decisions[a] !== 'allowed');
    checks.push({
      name: 'allowlisted read actions are allowed',
      status: notAllowed.length === 0 ? 'pass' : 'warn',
      detail:
        notAllowed.length === 0
          ? `${reads.length} actions allowed`
          : `not allowed: ${notAllowed.join(', ')} — the role stack may be older than this plainfra; redeploy it`,
    });
  } catch (err) {
    checks.push({
      name: 'policy simulation',
      status: 'warn',
      detail: `iam:SimulatePrincipalPolicy on the role failed (${errorCode(err)}); the role template must allow it on the role itself for this check. Denials were not verified.`,
    });
  } finally {
    iam.destroy();
  }
}

const ICON: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

export function formatReport(r: VerifyReport): string {
  const lines = [`plainfra accounts verify — ${r.account} (${r.roleArn})`];
  if (r.identity) lines.push(`session identity: ${r.identity.Arn} in account ${r.identity.Account}`);
  for (const c of r.checks) lines.push(`[${ICON[c.status]}] ${c.name}: ${c.detail}`);
  lines.push(
    r.ok
      ? 'Result: OK — the role is read-only and requires the ExternalId.'
      : 'Result: PROBLEMS FOUND — fix the FAIL lines above before using this account.',
  );
  return lines.join('\n');
}
