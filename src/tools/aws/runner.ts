/**
 * The AWS query runner: refuse → (cache) → assume role → call and page → shape → redact → cut → fit.
 * It never throws for AWS problems: each becomes an outcome the agent can relay. What a service
 * needs beyond a plain call (a spend budget, a cache, a shared rate limit) is its registry entry's
 * `callPolicy`; the runner never names a service.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { STSClient } from '@aws-sdk/client-sts';
import { assembleResult } from './assemble.js';
import { CostExplorerBudget, DEFAULT_CE_BUDGET, type BudgetScope, type CeBudgetLimits } from './budget.js';
import { CostExplorerCache } from './ce-cache.js';
import { ListCollector } from './collector.js';
import { assumeRoleError, errorCode } from './errors.js';
import { resolveQuery, type Query } from './query.js';
import { SharedRateLimiters, type RateLimiter } from './rate-limit.js';
import { redactString } from './redact.js';
import { callRegions, sortRegions, type ErrorOutcome, type RegionFailed, type RegionOverBudget, type RegionPages } from './region-calls.js';
import { iamActionsOfService } from './registry.js';
import { SessionStore, accountIdOf, createStsClient, sessionPolicy, type Session } from './session.js';
import { DEFAULT_LIMITS, type AccountTarget, type AwsQueryInput, type AwsQueryOutcome, type Limits, type QueryContext } from './types.js';

export interface AwsQueryRunner {
  run(account: AccountTarget, ctx: QueryContext, input: AwsQueryInput): Promise<AwsQueryOutcome>;
  /** Drops the conversation's cached credentials (and their SDK clients). */
  forgetConversation(conversationId: string): void;
  /** Destroys every SDK client. */
  close(): Promise<void>;
}

export interface AwsQueryRunnerOptions {
  redis: Redis;
  logger: Logger;
  /** Prefix of hawk's Redis keys (Cost Explorer cache). */
  cacheKeyPrefix: string;
  limits?: Partial<Limits>;
  /** Cost Explorer requests per question and per workspace-day (hawk's PLAINFRA_MAX_CE_REQUESTS_*). */
  ceBudget?: Partial<CeBudgetLimits>;
}

export function createAwsQueryRunner(opts: AwsQueryRunnerOptions): AwsQueryRunner {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const logger = opts.logger.child({ component: 'hawk-aws' });
  let sts: STSClient | undefined;
  const sessions = new SessionStore(() => (sts ??= createStsClient(limits.maxAttempts)), sessionPolicies(), logger);
  const queries = new QueryRunner({
    limits,
    logger,
    sessions,
    cache: new CostExplorerCache(opts.redis, opts.cacheKeyPrefix, logger),
    budget: new CostExplorerBudget(opts.redis, opts.cacheKeyPrefix, { ...DEFAULT_CE_BUDGET, ...opts.ceBudget }),
    rateLimiters: new SharedRateLimiters(opts.redis, opts.cacheKeyPrefix),
  });
  return {
    // Error and refusal texts can quote what AWS echoed back (e.g. a ValidationException repeating a
    // parameter): they get the same secret scan as results before reaching the audit log or model.
    run: async (account, ctx, input) => scrubbed(await queries.run(account, ctx, input)),
    forgetConversation: (conversationId) => sessions.forgetConversation(conversationId),
    async close() {
      sessions.closeAll();
      sts?.destroy();
      sts = undefined;
    },
  };
}

/** Session policies by service and account, built once each: every AssumeRole of a pair carries the same one. */
function sessionPolicies(): (service: string, accountId: string) => string {
  const policies = new Map<string, string>();
  return (service, accountId) => {
    const key = `${service}:${accountId}`;
    let policy = policies.get(key);
    if (!policy) policies.set(key, (policy = sessionPolicy(iamActionsOfService(service), accountId)));
    return policy;
  };
}

interface RunnerDeps {
  limits: Limits;
  logger: Logger;
  sessions: SessionStore;
  cache: CostExplorerCache;
  budget: CostExplorerBudget;
  rateLimiters: SharedRateLimiters;
}

/** Runs one aws_query after another, each through the same steps; holds nothing per query. */
class QueryRunner {
  constructor(private readonly deps: RunnerDeps) {}

  async run(account: AccountTarget, ctx: QueryContext, input: AwsQueryInput): Promise<AwsQueryOutcome> {
    const started = Date.now();
    const q = resolveQuery(account, ctx, input, this.logFor(account, ctx, input));
    if ('status' in q) return q;
    const cacheKey = q.spec.callPolicy.cache ? this.deps.cache.key(cacheScope(account), q.spec.operation, q.sdkInput) : undefined;
    const hit = cacheKey ? await this.fromCache(q, cacheKey) : undefined;
    if (hit) return hit;
    return withDeadline(this.deps.limits.timeoutMs, (signal) => this.fromAws(q, cacheKey, signal, started));
  }

  private logFor(account: AccountTarget, ctx: QueryContext, input: AwsQueryInput): Logger {
    return this.deps.logger.child({
      account: account.accountName,
      conversationId: ctx.conversationId,
      op: `${input?.service}:${input?.operation}`,
    });
  }

  private async fromCache(q: Query, cacheKey: string): Promise<AwsQueryOutcome | undefined> {
    const hit = await this.deps.cache.get(cacheKey);
    if (!hit) return undefined;
    q.log.info({ cache: 'hit' }, 'hawk answered from the Cost Explorer cache');
    return { status: 'ok', result: hit.result, cache: 'hit', pages: hit.pages, truncated: hit.truncated, redactions: hit.redactions };
  }

  /** Assume the role, call every region, and answer from what came back. */
  private async fromAws(q: Query, cacheKey: string | undefined, signal: AbortSignal, started: number): Promise<AwsQueryOutcome> {
    const session = await this.assume(q, signal);
    if ('status' in session) return session;
    const collector = q.spec.list ? new ListCollector(q.spec.list, this.deps.limits.maxItems) : undefined;
    const perRegion = await callRegions(q, {
      session,
      limits: this.deps.limits,
      signal,
      collector,
      beforeRequest: q.spec.callPolicy.billing === 'per-request' ? this.deps.budget.gate(budgetScope(q.ctx)) : undefined,
      rateLimiter: (region) => this.rateLimiter(q, region),
    });
    const { overBudget, failed, done } = sortRegions(perRegion);
    if (overBudget) return overBudgetRefusal(q, overBudget);
    if (done.length === 0) return failed[0].error;
    const answer = this.answer(q, collector, done, failed);
    if (cacheKey && failed.length === 0) await this.toCache(q, cacheKey, answer);
    logDone(q, answer, failed.length, started);
    return answer.outcome;
  }

  private async assume(q: Query, signal: AbortSignal): Promise<Session | ErrorOutcome> {
    try {
      return await this.deps.sessions.get(q.account, q.ctx, q.spec.service, signal);
    } catch (err) {
      const outcome = assumeRoleError(err, { account: q.account.accountName, roleArn: q.account.roleArn });
      q.log.warn({ kind: outcome.kind, code: errorCode(err) }, 'hawk could not assume role');
      return outcome;
    }
  }

  /** The quota shared by every hawk process, per service, account and region, if the service has one. */
  private rateLimiter(q: Query, region: string): RateLimiter | undefined {
    const rate = q.spec.callPolicy.rateLimit;
    if (!rate) return undefined;
    return this.deps.rateLimiters.get(`${q.spec.service}:${accountIdOf(q.account.roleArn)}:${region}`, this.deps.limits[rate]);
  }

  private answer(q: Query, collector: ListCollector | undefined, done: RegionPages[], failed: RegionFailed[]): Answer {
    const { limits } = this.deps;
    const pages = done.reduce((s, r) => s + r.pages, 0);
    const shaped = assembleResult({
      regions: q.regions,
      collector,
      done,
      failed: failed.map((f) => ({ region: f.region, message: f.error.message })),
      maxPages: limits.maxPages,
      maxResultChars: limits.maxResultChars,
    });
    const { result, truncated, redactions } = shaped;
    const cache = q.spec.callPolicy.cache ? 'miss' : 'none';
    return { shaped, pages, outcome: { status: 'ok', result, cache, pages, truncated, redactions } };
  }

  private async toCache(q: Query, cacheKey: string, { shaped, pages }: Answer): Promise<void> {
    const ttl = q.spec.callPolicy.cache?.ttlSeconds(q.spec.operation, q.sdkInput);
    if (ttl === undefined) return;
    await this.deps.cache.set(cacheKey, { result: shaped.result, pages, truncated: shaped.truncated, redactions: shaped.redactions }, ttl);
  }
}

interface Answer {
  shaped: ReturnType<typeof assembleResult>;
  pages: number;
  outcome: AwsQueryOutcome;
}

/** Runs `fn` with a signal that aborts after `ms`: the query's wall-clock budget, all regions and pages included. */
async function withDeadline<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    return await fn(abort.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** What counts as one question for the spend budget: the job's choice, else conversation and turn. */
function budgetScope(ctx: QueryContext): BudgetScope {
  return { teamId: ctx.teamId, question: ctx.budgetQuestion ?? `${ctx.conversationId}:${ctx.turnId ?? ''}` };
}

/**
 * Over budget (before the first page or mid-pagination): the call is refused; pages already paid
 * for are reported so the audit row shows what the question spent.
 */
function overBudgetRefusal(q: Query, { budget }: RegionOverBudget): AwsQueryOutcome {
  const { refusal, pagesSpent } = budget;
  q.log.warn({ budget: refusal.which, limit: refusal.limit, pagesSpent }, 'hawk refused a Cost Explorer request over budget');
  return { status: 'refused', reason: refusal.message, budget: { kind: 'ce', which: refusal.which, limit: refusal.limit, pagesSpent } };
}

function logDone(q: Query, { shaped, pages }: Answer, failedRegions: number, started: number): void {
  q.log.info(
    {
      regions: q.regions.length,
      pages,
      truncated: shaped.truncated,
      redactions: shaped.redactions,
      redactionKinds: shaped.redactionKinds,
      trimmed: shaped.trimmed,
      failedRegions,
      ms: Date.now() - started,
      paramKeys: Object.keys(q.params),
    },
    'hawk aws_query done',
  );
}

/**
 * Cost Explorer cache scope. A cache hit skips AssumeRole, so the key must include the ExternalId:
 * otherwise a workspace that registered someone else's role ARN (and so can never assume it) would
 * be served that account's cached costs.
 */
function cacheScope(account: AccountTarget): string {
  return `${account.roleArn}\n${account.externalId}`;
}

function scrubbed(outcome: AwsQueryOutcome): AwsQueryOutcome {
  if (outcome.status === 'error') return { ...outcome, message: redactString(outcome.message, new Map()) };
  if (outcome.status === 'refused') return { ...outcome, reason: redactString(outcome.reason, new Map()) };
  return outcome;
}
