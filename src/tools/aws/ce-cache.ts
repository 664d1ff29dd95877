/**
 * Redis cache of shaped Cost Explorer results. Cost Explorer bills every request ($0.01 each, per
 * page) and its data moves slowly, so hawk processes share answers through Redis. What is cached is
 * the *shaped and redacted* result, never raw AWS output. A Redis failure only costs the cache.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { at } from './shape.js';

export const TTL_OPEN_SECONDS = 6 * 3600;
export const TTL_CLOSED_SECONDS = 24 * 3600;
/** AWS keeps adjusting last month's costs for a few days after it ends (credits, refunds, final RI fees). */
const SETTLE_DAYS = 3;

export interface CachedResult {
  result: unknown;
  pages: number;
  truncated: boolean;
  redactions: number;
}

/** JSON with object keys sorted at every level, so equal params give equal keys whatever their order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v instanceof Date ? v.toISOString() : v) ?? 'null';
}

/** Last day covered by the request (exclusive end), if the operation has a period. */
function periodEnd(operation: string, params: Record<string, unknown>): unknown {
  if (operation === 'GetCostForecast') return '9999-12-31'; // always about the future
  return at(params, 'TimePeriod.End') ?? at(params, 'DateInterval.EndDate');
}

/**
 * 6 h while the period can still change (it reaches into this month, or into last month during its
 * first days), 24 h once every day in it is closed and settled.
 */
export function ttlSeconds(operation: string, params: Record<string, unknown>, now: Date = new Date()): number {
  const end = periodEnd(operation, params);
  if (!end) return TTL_OPEN_SECONDS; // e.g. rightsizing: a live view with no period
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const settled = now.getUTCDate() > SETTLE_DAYS ? monthStart : Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  const endMs = Date.parse(`${end}T00:00:00Z`);
  if (Number.isNaN(endMs)) return TTL_OPEN_SECONDS;
  // End is exclusive: a period ending on the 1st of this month covers only closed days.
  return endMs > settled ? TTL_OPEN_SECONDS : TTL_CLOSED_SECONDS;
}

/** A Redis that is down must not stall answers: ioredis queues commands while reconnecting. */
const REDIS_TIMEOUT_MS = 750;

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class CostExplorerCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** Keyed by the account's role ARN, the operation and the canonical params: shared by every conversation. */
  key(roleArn: string, operation: string, params: Record<string, unknown>): string {
    const digest = createHash('sha256')
      .update(`${roleArn}\n${operation}\n${canonicalJson(params)}`)
      .digest('hex');
    return `${this.prefix}:ce:${digest}`;
  }

  async get(key: string): Promise<CachedResult | undefined> {
    try {
      const raw = await withTimeout(this.redis.get(key));
      return raw ? (JSON.parse(raw) as CachedResult) : undefined;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'hawk: Cost Explorer cache read failed; querying AWS');
      return undefined;
    }
  }

  async set(key: string, value: CachedResult, ttl: number): Promise<void> {
    try {
      await withTimeout(this.redis.set(key, JSON.stringify(value), 'EX', ttl));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'hawk: Cost Explorer cache write failed');
    }
  }
}
