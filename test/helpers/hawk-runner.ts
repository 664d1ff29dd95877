import { Redis } from 'ioredis';
import pino from 'pino';
import { createAwsQueryRunner, type AwsQueryRunner } from '../../src/tools/aws/index.js';
import { useFakeAwsAsHawk, type FakeAws } from '../fakes/aws.js';
import { deleteKeysStartingWith, REDIS_URL } from './redis.js';

/** A hawk query runner in this process, with the Redis connection its cache lives on. */
export interface TestRunner {
  runner: AwsQueryRunner;
  redis: Redis;
  /** Closes the runner, deletes its cache keys and disconnects. */
  close(): Promise<void>;
}

/**
 * A hawk runner against `fake` with hawk's fake identity, caching under `cacheKeyPrefix`: one
 * retry, and Security Hub unpaced so paging tests do not wait.
 */
export function startTestRunner(fake: FakeAws, cacheKeyPrefix: string): TestRunner {
  useFakeAwsAsHawk(fake);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const runner = createAwsQueryRunner({
    redis,
    logger: pino({ level: 'silent' }),
    cacheKeyPrefix,
    limits: { securityHubRps: 1000, maxAttempts: 2 },
  });
  return {
    runner,
    redis,
    async close() {
      await runner.close();
      await deleteKeysStartingWith(redis, cacheKeyPrefix);
      redis.disconnect();
    },
  };
}
