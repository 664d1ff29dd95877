import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CostExplorerCache, TTL_CLOSED_SECONDS, TTL_OPEN_SECONDS, canonicalJson, ttlSeconds } from '../src/tools/aws/ce-cache.js';

const logger = pino({ level: 'silent' });
const PREFIX = `test:hawk-ce-cache:${process.pid}:`;
const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 1 });

afterAll(async () => {
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('hawk Cost Explorer cache', () => {
  const now = new Date('2024-06-15T12:00:00Z');

  it('keeps periods that touch this month for 6 h and closed months for 24 h', () => {
    expect(ttlSeconds('GetCostAndUsage', { TimePeriod: { Start: '2024-06-01', End: '2024-06-16' } }, now)).toBe(TTL_OPEN_SECONDS);
    expect(ttlSeconds('GetCostAndUsage', { TimePeriod: { Start: '2024-01-01', End: '2024-06-01' } }, now)).toBe(TTL_CLOSED_SECONDS);
    expect(ttlSeconds('GetAnomalies', { DateInterval: { StartDate: '2024-05-01', EndDate: '2024-05-31' } }, now)).toBe(TTL_CLOSED_SECONDS);
  });

  it('treats last month as still open during the first days of a month, forecasts and period-less calls as open', () => {
    const early = new Date('2024-06-02T08:00:00Z');
    expect(ttlSeconds('GetCostAndUsage', { TimePeriod: { Start: '2024-05-01', End: '2024-06-01' } }, early)).toBe(TTL_OPEN_SECONDS);
    expect(ttlSeconds('GetCostForecast', { TimePeriod: { Start: '2024-01-01', End: '2024-02-01' } }, now)).toBe(TTL_OPEN_SECONDS);
    expect(ttlSeconds('GetRightsizingRecommendation', { Service: 'AmazonEC2' }, now)).toBe(TTL_OPEN_SECONDS);
  });

  it('keys by account, operation and canonical params (member order does not matter)', () => {
    const cache = new CostExplorerCache(redis, PREFIX, logger);
    const a = cache.key('arn:role/a', 'GetCostAndUsage', {
      Metrics: ['UnblendedCost'],
      TimePeriod: { Start: '2024-01-01', End: '2024-02-01' },
    });
    const b = cache.key('arn:role/a', 'GetCostAndUsage', {
      TimePeriod: { End: '2024-02-01', Start: '2024-01-01' },
      Metrics: ['UnblendedCost'],
    });
    const c = cache.key('arn:role/b', 'GetCostAndUsage', {
      Metrics: ['UnblendedCost'],
      TimePeriod: { Start: '2024-01-01', End: '2024-02-01' },
    });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a.startsWith(`${PREFIX}hawk:ce:`)).toBe(true);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });

  it('stores with the TTL in the shared Redis', async () => {
    const cache = new CostExplorerCache(redis, PREFIX, logger);
    const key = cache.key('arn:role/a', 'GetCostAndUsage', { x: 1 });
    await cache.set(key, { result: { total: 1 }, pages: 1, truncated: false, redactions: 0 }, 123);
    expect(await cache.get(key)).toEqual({ result: { total: 1 }, pages: 1, truncated: false, redactions: 0 });
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(123);
  });

  it('skips the cache (no throw) when Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const cache = new CostExplorerCache(dead, PREFIX, logger);
    const key = cache.key('arn:role/a', 'GetCostAndUsage', {});
    await expect(cache.get(key)).resolves.toBeUndefined();
    await expect(cache.set(key, { result: 1, pages: 1, truncated: false, redactions: 0 }, 60)).resolves.toBeUndefined();
    dead.disconnect();
  });
});
