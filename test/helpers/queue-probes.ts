import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createRedis, Enqueuer } from '../../src/queues/index.js';
import { REDIS_URL } from './redis.js';

/**
 * What a bot test needs to look into the queues (the jobs intake created) and to feed the replies
 * consumer, under the test's own prefix.
 */
export interface QueueProbes {
  sentinelQueue: Queue;
  repliesQueue: Queue;
  enqueuer: Enqueuer;
  close(): Promise<void>;
}

export function openQueueProbes(prefix: string): QueueProbes {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const producer = createRedis(REDIS_URL, 'producer');
  const sentinelQueue = new Queue('sentinel', { connection: redis, prefix });
  const repliesQueue = new Queue('replies', { connection: redis, prefix });
  const enqueuer = new Enqueuer(producer, prefix);
  return {
    sentinelQueue,
    repliesQueue,
    enqueuer,
    async close() {
      await enqueuer.close();
      producer.disconnect();
      for (const q of [sentinelQueue, repliesQueue]) {
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
      redis.disconnect();
    },
  };
}
