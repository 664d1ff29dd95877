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
  const probe = roleProbe(sts, account);
  const checks: VerifyCheck[] = [];
  let found: SessionFindings | undefined;
  try {
    const { session, check } = await assumeWithExternalId(probe, account, opts.replacesExternalId);
    checks.push(check);
    if (opts.replacesExternalId !== undefined) checks.push(await previousIdRefused(probe, opts.replacesExternalId));
    checks.push(...(await foreignIdsRefused(probe, account)));
    if (session) {
      found = await inspectSession(account, session, maxAttempts, probe.sourceIdentity);
      checks.push(...found.checks);
    }
  } finally {
    if (!opts.sts) sts.destroy();
  }
  return reportOf(account, checks, found, opts.logger);
}

/** AssumeRole the way verify does it, with the ExternalId (or none) each check wants to try. */
interface RoleProbe {
  /** The role denies every call from a session without a SourceIdentity, and its trust policy wants `slack-*`. */
  sourceIdentity: string;
  assume(externalId: string | undefined): Promise<SessionCredentials>;
}

function roleProbe(sts: STSClient, account: AccountTarget): RoleProbe {
  const sessionName = stsName(`hawk-verify-${Date.now()}`);
  const sourceIdentity = stsName('slack-cli-verify');
  // The verify session may only simulate policies; GetCallerIdentity needs no permission.
  const policy = sessionPolicy(['iam:SimulatePrincipalPolicy'], accountIdOf(account.roleArn));
  return {
    sourceIdentity,
    assume: (externalId) => assumeRole(sts, { roleArn: account.roleArn, externalId, sessionName, sourceIdentity, policy }),
  };
}

/** The role accepts the ExternalId hawk uses (the new one, when verifying a rotation): the session the later checks run in. */
async function assumeWithExternalId(
  probe: RoleProbe,
  account: AccountTarget,
  replacesExternalId: string | undefined,
): Promise<{ session?: SessionCredentials; check: VerifyCheck }> {
  const name = 'assume role with ExternalId';
  try {
    const session = await probe.assume(account.externalId);
    return { session, check: { name, status: 'pass', detail: `session valid until ${session.expiration.toISOString()}` } };
  } catch (err) {
    const detail = replacesExternalId
      ? `the role does not accept the new ExternalId (${errorCode(err)}): run the stack update \`plainfra accounts rotate-external-id\` ` +
        'printed, in the account and region of the stack, then verify again. Until then hawk keeps using the current ExternalId.'
      : trustErrorMessage({ account: account.accountName, roleArn: account.roleArn }, errorCode(err));
    return { check: { name, status: 'fail', detail } };
  }
}

/** A rotation retires something only if the role now refuses the id it replaces. */
function previousIdRefused(probe: RoleProbe, previousExternalId: string): Promise<VerifyCheck> {
  return mustBeRefused(
    probe,
    'assume role with the previous ExternalId is refused',
    previousExternalId,
    'the role still accepts the ExternalId being retired, so retiring it would change nothing: ' +
      "the stack's trust policy must name only the new ExternalId (was the update applied to this role's stack?)",
  );
}

/** The confused-deputy checks: no ExternalId, or a wrong one, must be refused. */
async function foreignIdsRefused(probe: RoleProbe, account: AccountTarget): Promise<VerifyCheck[]> {
  const attempts = [
    ['assume role without ExternalId is refused', undefined, 'without an ExternalId'],
    ['assume role with a wrong ExternalId is refused', `wrong-${randomBytes(8).toString('hex')}`, 'with a wrong ExternalId'],
  ] as const;
  const checks: VerifyCheck[] = [];
  for (const [name, externalId, how] of attempts) {
    const misconfigured =
      `MISCONFIGURED: AWS let hawk assume ${account.roleArn} ${how}. Anyone hawk's principal acts for could reach this account. ` +
      'Redeploy deploy/aws/plainfra-readonly-role.yaml so the trust policy requires sts:ExternalId.';
    checks.push(await mustBeRefused(probe, name, externalId, misconfigured));
  }
  return checks;
}

/** Passes when AWS answers AccessDenied, fails (with `detailIfAccepted`) when it hands out a session. */
async function mustBeRefused(
  probe: RoleProbe,
  name: string,
  externalId: string | undefined,
  detailIfAccepted: string,
): Promise<VerifyCheck> {
  try {
    await probe.assume(externalId);
    return { name, status: 'fail', detail: detailIfAccepted };
  } catch (err) {
    const code = errorCode(err);
    return { name, status: code === 'AccessDenied' ? 'pass' : 'warn', detail: `AWS answered ${code}` };
  }
}

/** What the checks run inside the assumed session found. */
interface SessionFindings {
  identity?: VerifyReport['identity'];
  decisions: Record<string, string>;
  checks: VerifyCheck[];
}

async function inspectSession(
  account: AccountTarget,
  session: SessionCredentials,
  maxAttempts: number,
  sourceIdentity: string,
): Promise<SessionFindings> {
  const caller = await callerIdentity(account, session, maxAttempts);
  const simulated = await simulate(account, session, maxAttempts, sourceIdentity);
  return { identity: caller.identity, decisions: simulated.decisions, checks: [caller.check, ...simulated.checks] };
}

/** The session is the role, in the account the role ARN names. */
async function callerIdentity(
  account: AccountTarget,
  session: SessionCredentials,
  maxAttempts: number,
): Promise<{ identity?: VerifyReport['identity']; check: VerifyCheck }> {
  const name = 'caller identity of the session';
  const sessionSts = new STSClient({ region: process.env.AWS_REGION || 'us-east-1', credentials: creds(session), maxAttempts });
  try {
    const id = await sessionSts.send(new GetCallerIdentityCommand({}));
    const expected = account.roleArn.split(':')[4];
    return {
      identity: { Account: id.Account, Arn: id.Arn, UserId: id.UserId },
      check: {
        name,
        status: id.Account === expected ? 'pass' : 'fail',
        detail: `${id.Arn} (account ${id.Account}${id.Account === expected ? '' : `, expected ${expected}`})`,
      },
    };
  } catch (err) {
    return { check: { name, status: 'fail', detail: `GetCallerIdentity failed: ${errorCode(err)}` } };
  } finally {
    sessionSts.destroy();
  }
}

/** The role's policies, simulated: the write and data actions denied, the allowlisted reads allowed. */
async function simulate(
  account: AccountTarget,
  session: SessionCredentials,
  maxAttempts: number,
  sourceIdentity: string,
): Promise<Omit<SessionFindings, 'identity'>> {
  const iam = new IAMClient({ region: 'us-east-1', credentials: creds(session), maxAttempts });
  const reads = allowedIamActions();
  try {
    const decisions = await simulatedDecisions(iam, account.roleArn, [...MUST_BE_DENIED, ...reads], sourceIdentity);
    return { decisions, checks: [...MUST_BE_DENIED.map((action) => denialCheck(action, decisions[action])), readsCheck(reads, decisions)] };
  } catch (err) {
    const detail =
      `iam:SimulatePrincipalPolicy on the role failed (${errorCode(err)}); the role template must allow it on the role itself ` +
      'for this check. Denials were not verified.';
    return { decisions: {}, checks: [{ name: 'policy simulation', status: 'warn', detail }] };
  } finally {
    iam.destroy();
  }
}

/** Decision per action (`allowed`, `implicitDeny`, `explicitDeny`), all pages of the simulation read. */
async function simulatedDecisions(
  iam: IAMClient,
  roleArn: string,
  actions: string[],
  sourceIdentity: string,
): Promise<Record<string, string>> {
  const results: EvaluationResult[] = [];
  let marker: string | undefined;
  do {
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: roleArn,
        ActionNames: actions,
        // Simulate a request as hawk makes it. Without a SourceIdentity the role's deny-all
        // (no SourceIdentity → deny) would match everything, and an over-broad role would pass.
        ContextEntries: [{ ContextKeyName: 'aws:SourceIdentity', ContextKeyType: 'string', ContextKeyValues: [sourceIdentity] }],
        Marker: marker,
      }),
    );
    results.push(...(out.EvaluationResults ?? []));
    marker = out.IsTruncated ? out.Marker : undefined;
  } while (marker);
  const decisions: Record<string, string> = {};
  for (const r of results) if (r.EvalActionName) decisions[r.EvalActionName] = String(r.EvalDecision);
  return decisions;
}

function denialCheck(action: string, decision: string | undefined): VerifyCheck {
  return {
    name: `${action} is denied`,
    status: decision === 'implicitDeny' || decision === 'explicitDeny' ? 'pass' : decision === undefined ? 'warn' : 'fail',
    detail:
      decision === undefined
        ? 'not in the simulation result'
        : decision === 'allowed'
          ? 'ALLOWED — the role grants more than read-only access; remove the extra policy'
          : decision,
  };
}

function readsCheck(reads: string[], decisions: Record<string, string>): VerifyCheck {
  const notAllowed = reads.filter((a) => decisions[a] !== 'allowed');
  return {
    name: 'allowlisted read actions are allowed',
    status: notAllowed.length === 0 ? 'pass' : 'warn',
    detail:
      notAllowed.length === 0
        ? `${reads.length} actions allowed`
        : `not allowed: ${notAllowed.join(', ')} — the role stack may be older than this plainfra; redeploy it`,
  };
}

function reportOf(
  account: AccountTarget,
  checks: VerifyCheck[],
  found: SessionFindings | undefined,
  logger: Logger | undefined,
): VerifyReport {
  const ok = !checks.some((c) => c.status === 'fail');
  const report: VerifyReport = {
    account: account.accountName,
    roleArn: account.roleArn,
    ok,
    identity: found?.identity,
    decisions: found?.decisions ?? {},
    checks,
    text: '',
  };
  report.text = formatReport(report);
  logger?.info({ account: account.accountName, ok, checks: checks.map((c) => `${c.status}:${c.name}`) }, 'plainfra accounts verify');
  return report;
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
