import type { Logger } from 'pino';
import type { SentinelConfig } from '../config/index.js';
import { closeDb, connectDb } from '../db/index.js';
import { closeWorker, createRedis, Enqueuer, startWorker, waitReady } from '../queues/index.js';
import { DelayedError } from 'bullmq';
import { abandonTurn, createAnthropicLlm, runSentinelStep, StepNotReady, TurnWaiting, type Llm } from '../agents/index.js';

const TURN_WAIT_POLL_MS = 1_500;

/**
 * The sentinel process: holds the LLM key and nothing that reaches AWS or Slack. It consumes the
 * `sentinel` queue, one agent step per job, and hands AWS calls to hawk and answers to the bot
 * through their queues.
 */
export async function runSentinel(config: SentinelConfig, logger: Logger, llm?: Llm) {
  const db = connectDb(config.DATABASE_URL);
  const producer = createRedis(config.REDIS_URL, 'producer');
  await waitReady(producer);
  const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
  const deps = {
    db,
    enqueuer,
    logger,
    llm: llm ?? createAnthropicLlm({ apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL }),
    model: config.PLAINFRA_MODEL,
    maxSteps: config.PLAINFRA_MAX_STEPS,
    docsBaseUrl: config.PLAINFRA_DOCS_URL,
  };
  const worker = startWorker(
    'sentinel',
    async (payload, job, token) => {
      const isFinal = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      try {
        await runSentinelStep(deps, payload, { number: job.attemptsMade + 1, isFinal });
      } catch (err) {
        if (err instanceof TurnWaiting) {
          // Not a failure: try again shortly without spending one of the job's attempts.
          await job.moveToDelayed(Date.now() + TURN_WAIT_POLL_MS, token);
          throw new DelayedError();
        }
        if (err instanceof StepNotReady) logger.info({ jobId: job.id, reason: err.message }, 'step not ready; will retry');
        if (!isFinal) throw err;
        logger.error({ jobId: job.id, err: (err as Error).message }, 'sentinel step failed for good; apologising in the thread');
        await abandonTurn(deps, payload, err as Error);
      }
    },
    {
      redisUrl: config.REDIS_URL,
      prefix: config.PLAINFRA_QUEUE_PREFIX,
      concurrency: config.PLAINFRA_SENTINEL_CONCURRENCY,
      lockDurationMs: config.PLAINFRA_JOB_LOCK_MS,
      logger,
    },
  );
  await worker.waitUntilReady();
  logger.info({ queuePrefix: config.PLAINFRA_QUEUE_PREFIX, model: config.PLAINFRA_MODEL }, 'sentinel ready');
  return {
    async close() {
      await closeWorker(worker);
      await enqueuer.close();
      producer.disconnect();
      await closeDb(db);
    },
  };
}
