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

/** The queues one turn moves through, for a test that runs a step in-process and reads the jobs it left. */
export type TurnQueues = Record<'sentinel' | 'hawk' | 'replies', Queue>;

export function openTurnQueues(redis: Redis, prefix: string): TurnQueues {
  return {
    sentinel: new Queue('sentinel', { connection: redis, prefix }),
    hawk: new Queue('hawk', { connection: redis, prefix }),
    replies: new Queue('replies', { connection: redis, prefix }),
  };
}

/** Empties the turn's queues (their jobs live under the test's prefix) and closes them. */
export async function dropTurnQueues(queues: TurnQueues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).then(() => q.close())));
}
