import { Redis } from 'ioredis';

/**
 * Workers need `maxRetriesPerRequest: null` (BullMQ blocks on Redis and must not give up);
 * producers use `enableOfflineQueue: false` so an enqueue fails fast when Redis is down instead of
 * silently buffering while Slack waits for its ack.
 */
export function createRedis(url: string, use: 'worker' | 'producer'): Redis {
  // REDIS_PASSWORD (validated with the role's config) fills in a URL without one, as PGPASSWORD does
  // for node-postgres; a `rediss://` URL turns on TLS with the server's certificate verified.
  const password = new URL(url).password || process.env.REDIS_PASSWORD || undefined;
  return use === 'worker'
    ? new Redis(url, { maxRetriesPerRequest: null, password })
    : new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 5_000, password });
}

/** Resolves once the connection is ready (a producer without offline queue must not be used before). */
export async function waitReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Redis not ready after ${timeoutMs} ms: is REDIS_URL right and Redis running?`)),
      timeoutMs,
    );
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
