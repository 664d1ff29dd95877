import type { Redis } from 'ioredis';

export interface RateLimiter {
  take(): Promise<void>;
}

/**
 * A token bucket that callers wait on. Tokens may go negative: each waiter reserves the next free
 * slot, so concurrent callers queue fairly without a timer per waiter.
 */
export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number = ratePerSecond,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  async take(): Promise<void> {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.ratePerSecond) * 1000;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/**
 * A per-second window shared by every hawk process through Redis: Security Hub's quota (3 req/s per
 * account and region) is AWS's, not one process's. The local bucket smooths this process's calls
 * first; if Redis does not answer, the local bucket alone keeps hawk going.
 */
export class SharedRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ratePerSecond: number,
    private readonly local: RateLimiter = new TokenBucket(ratePerSecond),
  ) {}

  async take(): Promise<void> {
    await this.local.take();
    for (let tries = 0; tries < 50; tries++) {
      const now = Date.now();
      const window = `${this.key}:${Math.floor(now / 1000)}`;
      let used: number;
      try {
        used = await this.redis.incr(window);
        if (used === 1) await this.redis.pexpire(window, 2_000);
      } catch {
        return;
      }
      if (used <= this.ratePerSecond) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000 - (now % 1_000) + Math.floor(Math.random() * 25)));
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** `SharedRateLimiter`s made on first use, one per quota key, so every call on that key waits in one line. */
export class SharedRateLimiters {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(
    private readonly redis: Redis,
    /** Prefix of the Redis window keys: `<prefix>:rate:<key>:<second>`. */
    private readonly prefix: string,
  ) {}

  get(key: string, ratePerSecond: number): RateLimiter {
    let limiter = this.limiters.get(key);
    if (!limiter) this.limiters.set(key, (limiter = new SharedRateLimiter(this.redis, `${this.prefix}:rate:${key}`, ratePerSecond)));
    return limiter;
  }
}
