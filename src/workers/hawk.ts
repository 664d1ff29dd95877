import type { Logger } from 'pino';
import type { HawkConfig } from '../config/index.js';
import { closeDb, connectDb } from '../db/index.js';
import { closeWorker, createRedis, Enqueuer, startWorker, waitReady } from '../queues/index.js';
import { createAwsQueryRunner } from '../tools/aws/index.js';
import { abandonHawkJob, runHawkJob } from './hawk-job.js';

/**
 * The hawk process: holds AWS credentials (its own identity may only sts:AssumeRole) and nothing
 * that reaches the LLM or Slack. Consumes the `hawk` queue.
 */
export async function runHawk(config: HawkConfig, logger: Logger) {
  const db = connectDb(config.DATABASE_URL);
  const producer = createRedis(config.REDIS_URL, 'producer');
  await waitReady(producer);
  const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
  const cacheRedis = createRedis(config.REDIS_URL, 'producer');
  await waitReady(cacheRedis);
  const runner = createAwsQueryRunner({ redis: cacheRedis, logger, cacheKeyPrefix: `${config.PLAINFRA_QUEUE_PREFIX}:ce-cache` });
  const worker = startWorker(
    'hawk',
    async (payload, job) => {
      const deps = { db, enqueuer, runner, logger };
      const isFinal = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      try {
        await runHawkJob(deps, payload, { isFinal });
      } catch (err) {
        if (!isFinal) throw err;
        logger.error({ jobId: job.id, err: (err as Error).message }, 'hawk job failed for good; handing the turn back to the sentinel');
        await abandonHawkJob(deps, payload, err as Error);
      }
    },
    {
      redisUrl: config.REDIS_URL,
      prefix: config.PLAINFRA_QUEUE_PREFIX,
      concurrency: config.PLAINFRA_HAWK_CONCURRENCY,
      lockDurationMs: config.PLAINFRA_JOB_LOCK_MS,
      logger,
    },
  );
  await worker.waitUntilReady();
  logger.info({ queuePrefix: config.PLAINFRA_QUEUE_PREFIX }, 'hawk ready');
  return {
    async close() {
      await closeWorker(worker);
      await runner.close();
      await enqueuer.close();
      producer.disconnect();
      cacheRedis.disconnect();
      await closeDb(db);
    },
  };
}
