import { Redis } from 'ioredis';
import pino from 'pino';
import { createAwsQueryRunner, type AwsQueryOutcome, type AwsQueryRunner } from '../../src/tools/aws/index.js';
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

/** A list summary (src/tools/aws/collector.ts), as the hawk tests read it. */
export interface ListSummary<Item = Record<string, unknown>> {
  count: number;
  by: Record<string, Record<string, number>>;
  items: Item[];
  moreNotShown?: number;
  note?: string;
  regions?: string[];
}

/** A Security Hub finding in a summary's top items, as the tests read it. */
export interface FindingItem {
  Severity: { Label: string };
  Resources: Record<string, unknown>[];
  Description: string;
}

/** A Cost Explorer summary: totals per GroupBy group and overall. */
export interface CostSummary {
  totalsByGroup: { group: string; UnblendedCost: number }[];
  grandTotal: { UnblendedCost: { Amount: number; Unit: string } };
}

/** The result of an ok outcome, as the shape the test expects; throws, failing the test, on any other status. */
export function okResult<Result>(out: AwsQueryOutcome): Result {
  if (out.status !== 'ok') throw new Error(`expected an ok outcome, got ${JSON.stringify(out)}`);
  return out.result as Result;
}

/** An error outcome; throws, failing the test, on any other status. */
export function errorOutcome(out: AwsQueryOutcome): Extract<AwsQueryOutcome, { status: 'error' }> {
  if (out.status !== 'error') throw new Error(`expected an error outcome, got ${JSON.stringify(out)}`);
  return out;
}
