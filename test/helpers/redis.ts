import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The Redis every test shares; isolation comes from a unique BullMQ prefix per test file. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh queue prefix (PLAINFRA_QUEUE_PREFIX), e.g. `t-3f9a1c2b7d`. */
export function uniquePrefix(): string {
  return `t-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under a test's queue prefix, so repeated runs on one machine leave nothing behind. */
export async function dropPrefix(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key that starts with `start` (a hawk runner's cache keys), on a connection the test holds. */
export async function deleteKeysStartingWith(redis: Redis, start: string): Promise<void> {
  const keys = await redis.keys(`${start}*`);
  if (keys.length) await redis.del(...keys);
}
