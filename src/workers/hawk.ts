import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { HawkConfig } from '../config/index.js';
import { checkProcessLogin } from '../db/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { closeWorker, createRedis, isFinalAttempt, startWorker, waitReady, workerOptions } from '../queues/index.js';
import { createAwsQueryRunner, type AwsQueryRunner } from '../tools/aws/index.js';
import { openConnections } from './connections.js';
import { emfSettings, startObservability } from './observability.js';
import { abandonHawkJob, runHawkJob, type HawkDeps } from './hawk-job.js';
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
  const cacheRedis = await openCacheRedis(config, lifecycle);
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
  const runner = countedRunner(startAwsRunner(config, cacheRedis, logger, lifecycle), metrics);
  const deps: HawkDeps = { db, enqueuer, runner, logger, onRefused: (stage) => metrics.refusals.inc({ stage }) };
  const worker = startHawkWorker(config, deps, lifecycle);
  metrics.watch(worker, 'hawk');
  await worker.waitUntilReady();
  logger.info({ queuePrefix: config.PLAINFRA_QUEUE_PREFIX, metricsPort: obs.port ?? null }, 'hawk ready');
  return { metricsPort: obs.port };
}

/** The Cost Explorer cache shares Redis with the queues but not their connection. */
async function openCacheRedis(config: HawkConfig, lifecycle: Lifecycle): Promise<Redis> {
  const cacheRedis = createRedis(config.REDIS_URL, 'producer');
  lifecycle.defer('cache redis', () => cacheRedis.disconnect());
  await waitReady(cacheRedis);
  return cacheRedis;
}

function startAwsRunner(config: HawkConfig, redis: Redis, logger: Logger, lifecycle: Lifecycle): AwsQueryRunner {
  const awsRunner = createAwsQueryRunner({
    redis,
    logger,
    cacheKeyPrefix: `${config.PLAINFRA_QUEUE_PREFIX}:ce-cache`,
    ceBudget: { perQuestion: config.PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION, perDay: config.PLAINFRA_MAX_CE_REQUESTS_PER_DAY },
  });
  lifecycle.defer('aws runner', () => awsRunner.close());
  return awsRunner;
}

/** Every aws_query outcome is counted here, on its way back to the job. */
function countedRunner(awsRunner: AwsQueryRunner, metrics: WorkerMetrics): AwsQueryRunner {
  return {
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
}

function startHawkWorker(config: HawkConfig, deps: HawkDeps, lifecycle: Lifecycle) {
  const worker = startWorker('hawk', (payload, job) => runHawkJob(deps, payload, { isFinal: isFinalAttempt(job) }), {
    ...workerOptions(config, config.PLAINFRA_HAWK_CONCURRENCY),
    logger: deps.logger,
    // Close the calls with error results and hand the turn back, so the asker still gets an answer.
    onFinalFailure: (payload, err) => abandonHawkJob(deps, payload, err),
  });
  lifecycle.defer('hawk worker', () => closeWorker(worker));
  return worker;
}
