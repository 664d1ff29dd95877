/**
 * Cost Explorer spend limits, shared by every hawk process through Redis. Cost Explorer bills
 * $0.01 per request and per page, so a question talked into a spree (or a bug) costs real money:
 * each page is reserved here *before* it is requested. Cache hits never reach this.
 *
 * Two counters per request, checked and bumped in one Lua script (atomic across replicas):
 *   - the question's (conversation + turn, or + account for a digest), expiring after 2 days;
 *   - the workspace's for the UTC day, expiring 2 days after it starts.
 */
import type { Redis } from 'ioredis';

export interface CeBudgetLimits {
  /** Requests (pages) one question may make. */
  perQuestion: number;
  /** Requests one Slack workspace may make per UTC day. */
  perDay: number;
}

export const DEFAULT_CE_BUDGET: CeBudgetLimits = { perQuestion: 20, perDay: 1000 };

export type BudgetRefusal = { which: 'question' | 'day'; limit: number; message: string };

/** Thrown from inside a paginated call when the next page would exceed a budget. */
export class CeBudgetExceeded extends Error {
  override readonly name = 'CeBudgetExceeded';
  constructor(
    readonly refusal: BudgetRefusal,
    /** Pages of this call already requested (and paid) before the refusal. */
    readonly pagesSpent: number,
  ) {
    super(refusal.message);
  }
}

/** Redis could not say whether the budget allows the request: refuse to spend blind, retry later. */
export class CeBudgetUnavailable extends Error {
  override readonly name = 'CeBudgetUnavailable';
}

const TTL_SECONDS = 2 * 24 * 3600;
const REDIS_TIMEOUT_MS = 1_000;

/** Returns {1, q, d} when reserved, {0, q, d} when the question is spent, {-1, q, d} when the day is. */
const RESERVE = `
local q = tonumber(redis.call('GET', KEYS[1]) or '0')
local d = tonumber(redis.call('GET', KEYS[2]) or '0')
if q >= tonumber(ARGV[1]) then return {0, q, d} end
if d >= tonumber(ARGV[2]) then return {-1, q, d} end
q = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
d = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {1, q, d}
`;

export interface BudgetScope {
  teamId: string;
  /** What counts as one question: conversation and turn (a digest adds the account). */
  question: string;
}

export class CostExplorerBudget {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly limits: CeBudgetLimits = DEFAULT_CE_BUDGET,
  ) {}

  keys(scope: BudgetScope, now: Date = new Date()): [string, string] {
    return [
      `${this.prefix}:budget:ce:q:${scope.question}`,
      `${this.prefix}:budget:ce:day:${scope.teamId}:${now.toISOString().slice(0, 10)}`,
    ];
  }

  /** Reserves one request, or says which budget is spent. Throws CeBudgetUnavailable when Redis does not answer. */
  async reserve(scope: BudgetScope): Promise<BudgetRefusal | undefined> {
    let out: [number, number, number];
    try {
      out = (await withTimeout(
        this.redis.eval(RESERVE, 2, ...this.keys(scope), this.limits.perQuestion, this.limits.perDay, TTL_SECONDS),
      )) as [number, number, number];
    } catch (err) {
      throw new CeBudgetUnavailable(`could not check the Cost Explorer budget in Redis (${(err as Error).message}); no request was made`);
    }
    if (out[0] === 1) return undefined;
    if (out[0] === 0) {
      return {
        which: 'question',
        limit: this.limits.perQuestion,
        message:
          `this question has used its Cost Explorer budget (${this.limits.perQuestion} requests, pages included; ` +
          'PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION). Answer with the data already retrieved and tell the user the question hit ' +
          'its Cost Explorer budget; narrower questions (shorter period, fewer group-bys) need fewer requests.',
      };
    }
    return {
      which: 'day',
      limit: this.limits.perDay,
      message:
        `this Slack workspace has used today's Cost Explorer budget (${this.limits.perDay} requests per UTC day; ` +
        'PLAINFRA_MAX_CE_REQUESTS_PER_DAY). Answer with the data already retrieved and tell the user Cost Explorer questions ' +
        'can be asked again tomorrow (UTC), or an admin can raise the limit.',
    };
  }

  /**
   * What one call runs before each of its requests: reserves the request, or throws CeBudgetExceeded
   * carrying the pages this call already paid for (CeBudgetUnavailable when Redis does not answer).
   */
  gate(scope: BudgetScope): () => Promise<void> {
    let spent = 0;
    return async () => {
      const refusal = await this.reserve(scope);
      if (refusal) throw new CeBudgetExceeded(refusal, spent);
      spent++;
    };
  }

  /** Requests counted so far (tests, and the audit row of a refusal). */
  async used(scope: BudgetScope): Promise<{ question: number; day: number }> {
    const [q, d] = await this.redis.mget(...this.keys(scope));
    return { question: Number(q ?? 0), day: Number(d ?? 0) };
  }
}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
