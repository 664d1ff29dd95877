import type { Logger } from 'pino';
import type { HawkConfig } from '../config/index.js';
import { checkProcessLogin } from '../db/index.js';
import { closeWorker, createRedis, isFinalAttempt, startWorker, waitReady } from '../queues/index.js';
import { createAwsQueryRunner } from '../tools/aws/index.js';
import { openConnections } from './connections.js';
import { abandonHawkJob, runHawkJob } from './hawk-job.js';

/**
 * The hawk process: holds AWS credentials (its own identity may only sts:AssumeRole) and nothing
 * that reaches the LLM or Slack. Consumes the `hawk` queue.
 */
export async function runHawk(config: HawkConfig, logger: Logger) {
  const { db, enqueuer, close } = await openConnections(config);
  await checkProcessLogin(db, 'hawk', logger);
  // The Cost Explorer cache shares Redis with the queues but not their connection.
  const cacheRedis = createRedis(config.REDIS_URL, 'producer');
  await waitReady(cacheRedis);
  const runner = createAwsQueryRunner({ redis: cacheRedis, logger, cacheKeyPrefix: `${config.PLAINFRA_QUEUE_PREFIX}:ce-cache` });
  const deps = { db, enqueuer, runner, logger };
  const worker = startWorker('hawk', (payload, job) => runHawkJob(deps, payload, { isFinal: isFinalAttempt(job) }), {
    redisUrl: config.REDIS_URL,
    prefix: config.PLAINFRA_QUEUE_PREFIX,
    concurrency: config.PLAINFRA_HAWK_CONCURRENCY,
    lockDurationMs: config.PLAINFRA_JOB_LOCK_MS,
    logger,
    // Close the calls with error results and hand the turn back, so the asker still gets an answer.
    onFinalFailure: (payload, err) => abandonHawkJob(deps, payload, err),
  });
  await worker.waitUntilReady();
  logger.info({ queuePrefix: config.PLAINFRA_QUEUE_PREFIX }, 'hawk ready');
  return {
    async close() {
      await closeWorker(worker);
      await runner.close();
      cacheRedis.disconnect();
      await close();
    },
  };
}
