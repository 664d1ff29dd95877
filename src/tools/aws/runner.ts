/**
 * The AWS query runner: refuse → (cache) → assume role → call and page → shape → redact → cut → fit.
 * It never throws for AWS problems: each becomes an outcome the agent can relay.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { STSClient } from '@aws-sdk/client-sts';
import { accountScopeOf } from './account-pin.js';
import { CeBudgetExceeded, CeBudgetUnavailable, CostExplorerBudget, DEFAULT_CE_BUDGET, type CeBudgetLimits } from './budget.js';
import { CostExplorerCache, ttlSeconds } from './ce-cache.js';
import { clientFor } from './clients.js';
import { absentResult, assembleResult, regionsFor, singleOf } from './assemble.js';
import { ListCollector } from './collector.js';
import { assumeRoleError, errorCode, operationError } from './errors.js';
import { followPages } from './pages.js';
import { SharedRateLimiter, mapLimit, type RateLimiter } from './rate-limit.js';
import { redactString } from './redact.js';
import { prepare } from './refusal.js';
import { iamActionsOfService } from './registry.js';
import { SessionStore, accountIdOf, createStsClient, sessionPolicy, type Session } from './session.js';
import type { Json } from './shape.js';
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

type ErrorOutcome = Extract<AwsQueryOutcome, { status: 'error' }>;
type RegionResult =
  | { region: string; pages: number; truncated: boolean; single?: Json }
  | { region: string; error: ErrorOutcome }
  | { region: string; budget: CeBudgetExceeded };

export function createAwsQueryRunner(opts: AwsQueryRunnerOptions): AwsQueryRunner {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const logger = opts.logger.child({ component: 'hawk-aws' });
  const cache = new CostExplorerCache(opts.redis, opts.cacheKeyPrefix, logger);
  const budget = new CostExplorerBudget(opts.redis, opts.cacheKeyPrefix, { ...DEFAULT_CE_BUDGET, ...opts.ceBudget });
  let sts: STSClient | undefined;
  const policies = new Map<string, string>();
  const policyFor = (service: string, accountId: string) => {
    const key = `${service}:${accountId}`;
    let p = policies.get(key);
    if (!p) policies.set(key, (p = sessionPolicy(iamActionsOfService(service), accountId)));
    return p;
  };
  const sessions = new SessionStore(() => (sts ??= createStsClient(limits.maxAttempts)), policyFor, logger);
  const buckets = new Map<string, RateLimiter>();
  const bucketFor = (account: AccountTarget, region: string) => {
    const key = `${accountIdOf(account.roleArn)}:${region}`;
    let b = buckets.get(key);
    if (!b)
      buckets.set(key, (b = new SharedRateLimiter(opts.redis, `${opts.cacheKeyPrefix}:rate:securityhub:${key}`, limits.securityHubRps)));
    return b;
  };

  async function run(account: AccountTarget, ctx: QueryContext, input: AwsQueryInput): Promise<AwsQueryOutcome> {
    const started = Date.now();
    // The bound account, from the role ARN: ARNs and account ids among the params must be its own.
    const prepared = prepare(input, accountScopeOf(account.accountName, account.roleArn));
    const log = logger.child({
      account: account.accountName,
      conversationId: ctx.conversationId,
      op: `${input?.service}:${input?.operation}`,
    });
    if (!prepared.ok) {
      log.info({ reason: prepared.reason }, 'hawk refused aws_query');
      return { status: 'refused', reason: prepared.reason };
    }
    const { spec, allowed, params } = prepared;
    const regions = regionsFor(spec, account, input.region);
    if (regions.length === 0) {
      return {
        status: 'refused',
        reason: `No regions are configured for account "${account.accountName}"; pass a region for ${allowed.service}:${allowed.operation}.`,
      };
    }
    const sdkInput = { ...params, ...spec.fixedInput?.(params, accountIdOf(account.roleArn)) };

    const cacheKey = spec.service === 'ce' ? cache.key(cacheScope(account), spec.operation, sdkInput) : undefined;
    if (cacheKey) {
      const hit = await cache.get(cacheKey);
      if (hit) {
        log.info({ cache: 'hit' }, 'hawk answered from the Cost Explorer cache');
        return { status: 'ok', result: hit.result, cache: 'hit', pages: hit.pages, truncated: hit.truncated, redactions: hit.redactions };
      }
    }

    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), limits.timeoutMs);
    try {
      let session: Session;
      try {
        session = await sessions.get(account, ctx, spec.service, abort.signal);
      } catch (err) {
        const outcome = assumeRoleError(err, { account: account.accountName, roleArn: account.roleArn });
        log.warn({ kind: outcome.kind, code: errorCode(err) }, 'hawk could not assume role');
        return outcome;
      }

      // Cost Explorer bills every request: each page is reserved against the budgets before it is sent.
      let ceSpent = 0;
      const budgetScope = { teamId: ctx.teamId, question: ctx.budgetQuestion ?? `${ctx.conversationId}:${ctx.turnId ?? ''}` };
      const beforeRequest =
        spec.service === 'ce'
          ? async () => {
              const refusal = await budget.reserve(budgetScope);
              if (refusal) throw new CeBudgetExceeded(refusal, ceSpent);
              ceSpent++;
            }
          : undefined;
      const fanOut = regions.length > 1;
      const collector = spec.list ? new ListCollector(spec.list, limits.maxItems) : undefined;
      const perRegion = await mapLimit(regions, limits.regionConcurrency, async (region): Promise<RegionResult> => {
        const client = clientFor(session, spec, region, {
          maxAttempts: limits.maxAttempts,
          rateLimiter: spec.service === 'securityhub' ? bucketFor(account, region) : undefined,
        });
        let single: Json | undefined;
        try {
          const r = await followPages(
            spec,
            client,
            sdkInput,
            limits.maxPages,
            abort.signal,
            (page) => {
              if (collector) collector.addPage(page, fanOut ? region : undefined);
              else single = singleOf(spec, page);
            },
            beforeRequest,
          );
          return { region, ...r, single };
        } catch (err) {
          if (err instanceof CeBudgetExceeded) return { region, budget: err };
          if (err instanceof CeBudgetUnavailable)
            return { region, error: { status: 'error', kind: 'throttled', retryable: true, message: err.message } };
          const absent = absentResult(spec, err);
          if (absent) return { region, pages: 1, truncated: false, single: absent };
          const e = abort.signal.aborted
            ? ({
                status: 'error',
                kind: 'timeout',
                retryable: true,
                message: `${allowed.service}:${allowed.operation} did not finish within ${limits.timeoutMs / 1000} s; ask about fewer regions or add filters.`,
              } as const)
            : operationError(err, { ...allowed, account: account.accountName, region });
          log.warn({ region, code: errorCode(err), kind: e.kind }, 'hawk aws call failed');
          return { region, error: e };
        }
      });

      // Over budget (before the first page or mid-pagination): the call is refused; pages already
      // paid for are reported so the audit row shows what the question spent.
      const overBudget = perRegion.find((r): r is Extract<RegionResult, { budget: CeBudgetExceeded }> => 'budget' in r);
      if (overBudget) {
        const { refusal, pagesSpent } = overBudget.budget;
        log.warn({ budget: refusal.which, limit: refusal.limit, pagesSpent }, 'hawk refused a Cost Explorer request over budget');
        return {
          status: 'refused',
          reason: refusal.message,
          budget: { kind: 'ce', which: refusal.which, limit: refusal.limit, pagesSpent },
        };
      }
      const failed = perRegion.filter((r): r is Extract<RegionResult, { error: ErrorOutcome }> => 'error' in r);
      const done = perRegion.filter((r): r is Extract<RegionResult, { pages: number }> => 'pages' in r);
      if (done.length === 0) return failed[0].error;

      const pages = done.reduce((s, r) => s + r.pages, 0);
      const shaped = assembleResult({
        regions,
        collector,
        done,
        failed: failed.map((f) => ({ region: f.region, message: f.error.message })),
        maxPages: limits.maxPages,
        maxResultChars: limits.maxResultChars,
      });
      const { truncated } = shaped;
      const outcome: AwsQueryOutcome = {
        status: 'ok',
        result: shaped.result,
        cache: cacheKey ? 'miss' : 'none',
        pages,
        truncated,
        redactions: shaped.redactions,
      };
      if (cacheKey && failed.length === 0) {
        await cache.set(
          cacheKey,
          { result: shaped.result, pages, truncated, redactions: shaped.redactions },
          ttlSeconds(spec.operation, sdkInput),
        );
      }
      log.info(
        {
          regions: regions.length,
          pages,
          truncated,
          redactions: shaped.redactions,
          redactionKinds: shaped.redactionKinds,
          trimmed: shaped.trimmed,
          failedRegions: failed.length,
          ms: Date.now() - started,
          paramKeys: Object.keys(params),
        },
        'hawk aws_query done',
      );
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    // Error and refusal texts can quote what AWS echoed back (e.g. a ValidationException repeating a
    // parameter): they get the same secret scan as results before reaching the audit log or model.
    run: async (account, ctx, input) => scrubbed(await run(account, ctx, input)),
    forgetConversation: (conversationId) => sessions.forgetConversation(conversationId),
    async close() {
      sessions.closeAll();
      sts?.destroy();
      sts = undefined;
    },
  };
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
