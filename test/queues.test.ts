import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorker, Enqueuer, startWorker } from '../src/queues/index.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** The job catalogue and workers, against real Redis. */
describe('queues', () => {
  const logger = pino({ level: 'silent' });
  let redis: Redis;
  let prefix: string;
  let queue: Queue;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    prefix = uniquePrefix();
    queue = new Queue('sentinel', { connection: redis, prefix });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('gives one job per conversation step, however often it is enqueued', async () => {
    const enqueuer = new Enqueuer(redis, prefix);
    const job = { conversationId: randomUUID(), turnId: '41', step: 2 };
    const ids = await Promise.all([enqueuer.add('sentinel', job), enqueuer.add('sentinel', job), enqueuer.add('sentinel', job)]);
    expect(new Set(ids)).toEqual(new Set(['s-41-2']));
    expect(await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(1);
    await queue.drain();
    await enqueuer.close();
  });

  it('refuses to enqueue a malformed payload', async () => {
    const enqueuer = new Enqueuer(redis, prefix);
    await expect(enqueuer.add('sentinel', { conversationId: 'not-a-uuid', turnId: '1', step: -1 })).rejects.toThrow();
    await enqueuer.close();
  });

  it('runs the fallback once when the last attempt fails, and fails malformed jobs without retrying', async () => {
    const calls: string[] = [];
    const fallbacks: string[] = [];
    const worker = startWorker(
      'sentinel',
      async (payload) => {
        calls.push(payload.turnId);
        throw new Error('database unavailable');
      },
      {
        redisUrl: REDIS_URL,
        prefix,
        concurrency: 1,
        lockDurationMs: 5_000,
        logger,
        onFinalFailure: async (payload, err) => void fallbacks.push(`${payload.turnId}:${err.message}`),
      },
    );
    const events = new QueueEvents('sentinel', { connection: { url: REDIS_URL }, prefix });
    await events.waitUntilReady();
    try {
      const good = await queue.add(
        'sentinel',
        { conversationId: randomUUID(), turnId: '7', step: 0 },
        { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
      );
      await good.waitUntilFinished(events, 10_000);
      expect(calls).toEqual(['7', '7']);
      expect(fallbacks).toEqual(['7:database unavailable']);

      const bad = await queue.add('sentinel', { turnId: 8 }, { attempts: 3 });
      await expect(bad.waitUntilFinished(events, 10_000)).rejects.toThrow(/invalid sentinel job/);
      expect((await queue.getJob(bad.id!))?.attemptsMade).toBe(1);
      expect(fallbacks).toHaveLength(1);
    } finally {
      await events.close();
      await closeWorker(worker);
    }
  });
});
