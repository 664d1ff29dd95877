import type { Logger } from 'pino';
import type { HawkConfig } from '../config/index.js';
import { checkProcessLogin } from '../db/index.js';
import { closeWorker, createRedis, isFinalAttempt, startWorker, waitReady, workerOptions } from '../queues/index.js';
import { createAwsQueryRunner } from '../tools/aws/index.js';
import { openConnections } from './connections.js';
import { emfSettings, startObservability } from './observability.js';
import { abandonHawkJob, runHawkJob } from './hawk-job.js';
import { startProcess, type Lifecycle } from './lifecycle.js';

/**
 * The hawk process: holds AWS credentials (its own identity may only sts:AssumeRole) and nothing
 * that reaches the LLM or Slack. Consumes the `hawk` queue.
 */
export function runHawk(config: HawkConfig, logger: Logger) {
  return startProcess(logger, 'hawk', (lifecycle) => startHawk(config, logger, lifecycle));
}

async function startHawk(config: HawkConfig, logger: Logger, lifecycle: Lifecycle) {
  const { db, enqueuer } = await openConnections(config, lifecycle);
  await checkProcessLogin(db, 'hawk', logger);
  // The Cost Explorer cache shares Redis with the queues but not their connection.
  const cacheRedis = createRedis(config.REDIS_URL, 'producer');
  lifecycle.defer('cache redis', () => cacheRedis.disconnect());
  await waitReady(cacheRedis);
  const obs = await startObservability({
    role: 'hawk',
    port: config.PLAINFRA_METRICS_PORT,
    db,
    redisUrl: config.REDIS_URL,
    prefix: config.PLAINFRA_QUEUE_PREFIX,
    queues: ['hawk'],
    logger,
    emf: emfSettings(config),
  });
  lifecycle.defer('observability', () => obs.close());
  const { metrics } = obs;
  const awsRunner = createAwsQueryRunner({
    redis: cacheRedis,
    logger,
    cacheKeyPrefix: `${config.PLAINFRA_QUEUE_PREFIX}:ce-cache`,
    ceBudget: { perQuestion: config.PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION, perDay: config.PLAINFRA_MAX_CE_REQUESTS_PER_DAY },
  });
  lifecycle.defer('aws runner', () => awsRunner.close());
  // Every aws_query outcome is counted here, on its way back to the job.
  const runner: typeof awsRunner = {
    ...awsRunner,
    async run(account, ctx, input) {
      const outcome = await awsRunner.run(account, ctx, input);
      metrics.awsCalls.inc({ service: input.service, operation: input.operation, status: outcome.status });
      if (input.service === 'ce' && outcome.status === 'ok') {
        if (outcome.cache === 'hit') metrics.ceCacheHits.inc();
        else metrics.ceRequests.inc({}, outcome.pages);
      }
      return outcome;
    },
  };
  const deps = { db, enqueuer, runner, logger, onRefused: (stage: string) => metrics.refusals.inc({ stage }) };
  const worker = startWorker('hawk', (payload, job) => runHawkJob(deps, payload, { isFinal: isFinalAttempt(job) }), {
    ...workerOptions(config, config.PLAINFRA_HAWK_CONCURRENCY),
    logger,
    // Close the calls with error results and hand the turn back, so the asker still gets an answer.
    onFinalFailure: (payload, err) => abandonHawkJob(deps, payload, err),
  });
  lifecycle.defer('hawk worker', () => closeWorker(worker));
  metrics.watch(worker, 'hawk');
  await worker.waitUntilReady();
  logger.info({ queuePrefix: config.PLAINFRA_QUEUE_PREFIX, metricsPort: obs.port ?? null }, 'hawk ready');
  return { metricsPort: obs.port };
}
