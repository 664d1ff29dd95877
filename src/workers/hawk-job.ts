import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { conversations, type Db } from '../db/index.js';
import { findAuditRow, findByStepKey, recordAudit, stepKey, type AuditEventInput } from '../audit/index.js';
import { accountsForChannel, externalIdsOf, type BoundAccount } from '../accounts/index.js';
import { awsQueryInput, Permanent, RetryAfter, type Enqueuer, type HawkJob } from '../queues/index.js';
import { accountScopeOf, refusalFor, type AwsQueryRunner, type AwsQueryOutcome } from '../tools/aws/index.js';

type RefusalStage = 'input' | 'allowlist' | 'scope' | 'runner';

export interface HawkDeps {
  db: Db;
  enqueuer: Enqueuer;
  runner: AwsQueryRunner;
  logger: Logger;
  /** Counts refusals by stage (metrics port); optional so tests need not pass one. */
  onRefused?: (stage: RefusalStage) => void;
}

/**
 * Runs the aws_query calls of one agent step, then enqueues the sentinel's next step. The account
 * comes from the signed Slack team and the channel's bindings, never from the model: the model may
 * only name one of the bound accounts.
 */
export async function runHawkJob(deps: HawkDeps, job: HawkJob, attempt: { isFinal: boolean }): Promise<void> {
  const scope = await deriveScope(deps.db, job);
  if ('refusal' in scope) return refuseJob(deps, job, scope);
  let retryLater: string | undefined;
  for (const call of job.calls) {
    retryLater = (await runCall(deps, { job, scope, call, attempt })) ?? retryLater;
  }
  // A transient AWS failure spends an attempt; the retry skips the calls that already finished.
  if (retryLater) throw new RetryAfter(undefined, { spendsAttempt: true, reason: retryLater });
  await handBack(deps, job);
}

/** The sentinel's next step of the turn: it reads the results hawk recorded. */
function handBack(deps: HawkDeps, job: HawkJob): Promise<unknown> {
  return deps.enqueuer.add('sentinel', { conversationId: job.conversationId, turnId: job.turnId, step: job.step + 1 });
}

/**
 * A job is a request, not an authority: without the bot's record of an open question there is
 * nothing to act for. Audited (when the conversation exists) and dropped without retry.
 */
async function refuseJob(deps: HawkDeps, job: HawkJob, scope: JobRefusal): Promise<never> {
  deps.logger.error({ conversationId: job.conversationId, turnId: job.turnId, reason: scope.refusal }, 'hawk job refused');
  if (scope.conversationExists) {
    await recordAudit(deps.db, {
      conversationId: job.conversationId,
      actor: 'hawk',
      kind: 'refused',
      payload: { turnId: job.turnId, step: job.step, reason: scope.refusal, calls: job.calls.map((c) => c.toolUseId) },
    });
  }
  throw new Permanent(`hawk job refused: ${scope.refusal}`);
}

type JobScope = Exclude<DerivedScope, JobRefusal>;
type QueryInput = Parameters<AwsQueryRunner['run']>[2];

/** One call of the job, with what every step of it needs. */
interface CallRun {
  job: HawkJob;
  scope: JobScope;
  call: HawkJob['calls'][number];
  attempt: { isFinal: boolean };
}

/**
 * One aws_query call, skipped when an earlier attempt recorded its result. Returns the error
 * message when a transient AWS failure should be retried, else undefined (the result is recorded).
 */
async function runCall(deps: HawkDeps, run: CallRun): Promise<string | undefined> {
  const { job, call } = run;
  const resultKey = stepKey.result(job.turnId, call.toolUseId);
  if (await findByStepKey(deps.db, job.conversationId, resultKey)) return undefined; // done by an earlier attempt
  const base = callBase(job, call);
  const where = { conversationId: job.conversationId, actor: 'hawk' as const, stepKey: resultKey };
  const checked = checkCall(run.scope.accounts, call.input);
  if ('refused' in checked) {
    // Refused before any AWS request: audited and explained to the model.
    deps.onRefused?.(checked.stage);
    await recordAudit(deps.db, { ...where, kind: 'refused', payload: { ...base, ...checked.refused } });
    return undefined;
  }
  const { input, account } = checked;
  // No audit row, no action: the AWS call happens only after this insert succeeded.
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'hawk',
    kind: 'tool_call',
    stepKey: stepKey.call(job.turnId, call.toolUseId),
    payload: { ...base, input, account: account.name, roleArn: account.roleArn },
  });
  const outcome = await callAws(deps, run, account, input);
  if (outcome.status === 'error' && outcome.retryable && !run.attempt.isFinal) {
    await recordAudit(deps.db, {
      conversationId: job.conversationId,
      actor: 'hawk',
      kind: 'error',
      payload: { ...base, kind: outcome.kind, message: outcome.message, willRetry: true },
    });
    return outcome.message;
  }
  if (outcome.status === 'refused') deps.onRefused?.('runner');
  await recordAudit(deps.db, { ...where, ...outcomeEvent(outcome, account.name, base) });
  return undefined;
}

function callBase(job: HawkJob, call: HawkJob['calls'][number]): CallBase {
  return { turnId: job.turnId, step: job.step, toolUseId: call.toolUseId, tool: 'aws_query' };
}

type CheckedCall =
  | { input: QueryInput; account: BoundAccount }
  | {
      stage: RefusalStage;
      refused: { input: unknown; reason: string; forModel: string; account?: string };
    };

/**
 * The call's input and account, or why it is refused before any AWS request: an invalid input, an
 * operation off the allowlist, an account the channel may not use, or params naming another account.
 */
function checkCall(accounts: BoundAccount[], raw: unknown): CheckedCall {
  const parsed = awsQueryInput.safeParse(raw);
  if (!parsed.success) {
    const forModel = `Refused: aws_query input is invalid (${parsed.error.message})`;
    return { stage: 'input', refused: { input: raw, reason: 'invalid input', forModel } };
  }
  const input = parsed.data;
  const picked = pickAccount(accounts, input.account);
  const notAllowed = refusalFor(input);
  // ARNs and account ids among the params must be the picked account's own (account-pin.ts).
  const foreign =
    picked.account && !notAllowed ? refusalFor(input, accountScopeOf(picked.account.name, picked.account.roleArn)) : undefined;
  const refusal = notAllowed ?? picked.refusal ?? foreign;
  if (refusal) {
    return {
      stage: notAllowed ? 'allowlist' : 'scope',
      refused: { input, reason: refusal, forModel: `Refused: ${refusal}`, ...(foreign && { account: picked.account!.name }) },
    };
  }
  return { input, account: picked.account! };
}

/** The AWS request itself, with the account's ExternalIds read just before it. */
async function callAws(deps: HawkDeps, run: CallRun, account: BoundAccount, input: QueryInput): Promise<AwsQueryOutcome> {
  const { job, scope } = run;
  const ctx = { conversationId: job.conversationId, turnId: job.turnId, teamId: scope.teamId, userId: scope.asker };
  const ids = await externalIdsOf(deps.db, account.id);
  return deps.runner.run(
    {
      accountName: account.name,
      roleArn: account.roleArn,
      externalId: ids.current,
      ...(ids.pending && { pendingExternalId: ids.pending }),
      regions: account.regions,
    },
    // A digest's fixed bundle is budgeted per account (read from the bot's message_in, not the job),
    // so a channel with several accounts still gets every account's tables.
    scope.report ? { ...ctx, budgetQuestion: `${job.conversationId}:${job.turnId}:${account.name}` } : ctx,
    input,
  );
}

/**
 * The last resort when a hawk job keeps failing (database or Redis trouble, a bug): close each
 * unanswered call with an error result the model can read, and hand the turn back to the sentinel
 * so the asker gets an answer instead of silence.
 */
export async function abandonHawkJob(deps: HawkDeps, job: HawkJob, err: Error): Promise<void> {
  // A job hawk refused (forged, or for a closed turn) has no turn to hand back: it stays failed.
  const scope = await deriveScope(deps.db, job).catch(() => undefined);
  if (scope && 'refusal' in scope) throw err;
  for (const call of job.calls) {
    await recordAudit(deps.db, {
      conversationId: job.conversationId,
      actor: 'hawk',
      kind: 'tool_result',
      stepKey: stepKey.result(job.turnId, call.toolUseId),
      payload: { ...callBase(job, call), status: 'error', isError: true, message: err.message, forModel: ABANDONED_FOR_MODEL },
    }).catch((auditErr: Error) => deps.logger.error({ err: auditErr.message }, 'could not record the failed call'));
  }
  await handBack(deps, job);
}

const ABANDONED_FOR_MODEL =
  'hawk could not complete this AWS call after several attempts ' +
  "(an internal error on plainfra's side). Tell the user the data is unavailable right now.";

type CallBase = { turnId: string; step: number; toolUseId: string; tool: string };
type ResultEvent = Pick<AuditEventInput<'tool_result'>, 'kind' | 'payload'> | Pick<AuditEventInput<'refused'>, 'kind' | 'payload'>;

/** The audit event that records one call's outcome: a tool_result, or a refusal the model reads. */
function outcomeEvent(outcome: AwsQueryOutcome, account: string, base: CallBase): ResultEvent {
  return outcome.status === 'refused'
    ? {
        kind: 'refused',
        payload: {
          ...base,
          account,
          reason: outcome.reason,
          ...(outcome.budget && { budget: outcome.budget }),
          forModel: `Refused: ${outcome.reason}`,
        },
      }
    : { kind: 'tool_result', payload: { ...base, ...outcomePayload(outcome, account) } };
}

function outcomePayload(outcome: Exclude<AwsQueryOutcome, { status: 'refused' }>, account: string) {
  switch (outcome.status) {
    case 'ok':
      return {
        account,
        status: 'ok',
        cache: outcome.cache,
        pages: outcome.pages,
        truncated: outcome.truncated,
        redactions: outcome.redactions,
        result: outcome.result,
      };
    case 'error':
      return {
        account,
        status: 'error',
        kind: outcome.kind,
        message: outcome.message,
        isError: true,
        forModel:
          outcome.kind === 'trust'
            ? "AWS refused to let plainfra assume the account's role. Relay these instructions to the user for their AWS admin:\n" +
              outcome.message
            : `AWS error (${outcome.kind}): ${outcome.message}`,
      };
  }
}

function pickAccount(accounts: BoundAccount[], requested: string | undefined): { account?: BoundAccount; refusal?: string } {
  const names = accounts.map((a) => a.name).join(', ');
  if (accounts.length === 0) return { refusal: 'no AWS account is bound to this Slack channel; an admin must run plainfra channels bind' };
  if (requested) {
    const match = accounts.find((a) => a.name.toLowerCase() === requested.toLowerCase());
    return match ? { account: match } : { refusal: `account "${requested}" is not bound to this channel (bound: ${names})` };
  }
  if (accounts.length > 1) return { refusal: `several accounts are bound to this channel (${names}); pass "account" to pick one` };
  return { account: accounts[0] };
}

/** Turns older than this are not worked on: the sweep gives up on them too (workers/maintenance.ts). */
const MAX_TURN_AGE_MS = 24 * 3600_000;

type JobRefusal = { refusal: string; conversationExists: boolean };
type DerivedScope = { accounts: BoundAccount[]; teamId: string; asker: string; report: boolean } | JobRefusal;

/**
 * The accounts this job may use, from records only the bot (and the owner) can write — never from
 * the job payload, which whoever can reach Redis could forge: the conversation row (team, channel,
 * Slack Connect flag) and the turn's `message_in`, written by the bot's login (the audit trigger
 * refuses `actor = 'bot'` rows from any other process role). The turn must still be open and recent.
 * Accounts are the channel's bindings now, narrowed to those recorded when the question came in.
 */
export async function deriveScope(db: Db, job: Pick<HawkJob, 'conversationId' | 'turnId'>): Promise<DerivedScope> {
  const [conv] = await db.select().from(conversations).where(eq(conversations.id, job.conversationId));
  if (!conv) return { refusal: `conversation ${job.conversationId} does not exist`, conversationExists: false };
  const turn = /^\d+$/.test(job.turnId) ? await findAuditRow(db, job.conversationId, Number(job.turnId)) : undefined;
  if (turn?.kind !== 'message_in' || turn.actor !== 'bot') {
    return { refusal: `turn ${job.turnId} is not a question the bot recorded in this conversation`, conversationExists: true };
  }
  if (Date.now() - turn.createdAt.getTime() > MAX_TURN_AGE_MS) {
    return { refusal: `turn ${job.turnId} is older than 24 hours`, conversationExists: true };
  }
  const closers = { out: stepKey.out(job.turnId), 'out-error': stepKey.outError(job.turnId), refused: stepKey.refused(job.turnId) };
  for (const [what, key] of Object.entries(closers)) {
    if (await findByStepKey(db, job.conversationId, key))
      return { refusal: `turn ${job.turnId} is already closed (${what})`, conversationExists: true };
  }
  const recorded = turn.payload;
  if (
    (recorded.team !== undefined && recorded.team !== conv.teamId) ||
    (recorded.channel !== undefined && recorded.channel !== conv.channelId)
  ) {
    return { refusal: `turn ${job.turnId} was asked in another team or channel than its conversation`, conversationExists: true };
  }
  let accounts = await accountsForChannel(db, { teamId: conv.teamId, channelId: conv.channelId, externallyShared: conv.externallyShared });
  if (recorded.accounts) {
    const atIntake = new Set(recorded.accounts);
    accounts = accounts.filter((a) => atIntake.has(a.name));
  }
  return { accounts, teamId: conv.teamId, asker: recorded.user ?? 'unknown', report: recorded.report === true };
}
