import { Redis } from 'ioredis';

/**
 * Workers need `maxRetriesPerRequest: null` (BullMQ blocks on Redis and must not give up);
 * producers use `enableOfflineQueue: false` so an enqueue fails fast when Redis is down instead of
 * silently buffering while Slack waits for its ack.
 */
export function createRedis(url: string, use: 'worker' | 'producer'): Redis {
  return use === 'worker'
    ? new Redis(url, { maxRetriesPerRequest: null })
    : new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 5_000 });
}

/** Resolves once the connection is ready (a producer without offline queue must not be used before). */
export async function waitReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms: is REDIS_URL right and Redis running?`)), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
