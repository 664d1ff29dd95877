import pino from 'pino';
import { recordAudit } from '../../src/audit/index.js';
import type { Db } from '../../src/db/index.js';
import { closeWorker, createRedis, Enqueuer, startWorker, waitReady } from '../../src/queues/index.js';
import { REDIS_URL } from './redis.js';

/**
 * The two ends of the queues a sentinel test drives without a bot: an enqueuer for sentinel jobs,
 * and a stand-in for the bot's replies consumer that records each answer as posted.
 */

export interface RepliesStandIn {
  /** The text of every reply job, in the order consumed. */
  posted: string[];
  close(): Promise<void>;
}

/** Consumes `replies` under `prefix`, recording each answer as posted (a `message_out` audit row). */
export function startRepliesStandIn(db: Db, prefix: string): RepliesStandIn {
  const posted: string[] = [];
  const worker = startWorker(
    'replies',
    async (job) => {
      posted.push(job.text);
      await recordAudit(db, {
        conversationId: job.conversationId,
        actor: 'bot',
        kind: 'message_out',
        stepKey: `out:${job.turnId}`,
        payload: { turnId: job.turnId, text: job.text },
      });
    },
    { redisUrl: REDIS_URL, prefix, concurrency: 1, lockDurationMs: 5000, logger: pino({ level: 'silent' }) },
  );
  return { posted, close: () => closeWorker(worker) };
}

export interface TestEnqueuer {
  enqueuer: Enqueuer;
  close(): Promise<void>;
}

/** An enqueuer under `prefix` on its own producer connection, ready once this resolves. */
export async function openTestEnqueuer(prefix: string): Promise<TestEnqueuer> {
  const producer = createRedis(REDIS_URL, 'producer');
  await waitReady(producer);
  const enqueuer = new Enqueuer(producer, prefix);
  return {
    enqueuer,
    async close() {
      await enqueuer.close();
      producer.disconnect();
    },
  };
}
