import type { Logger } from 'pino';
import type { SentinelConfig } from '../config/index.js';
import { checkProcessLogin } from '../db/index.js';
import { closeWorker, isFinalAttempt, startWorker, workerOptions } from '../queues/index.js';
import {
  abandonTurn,
  checkModelAtStart,
  createConfiguredLlm,
  ModelHealth,
  runTurnStep,
  type Llm,
  type SentinelDeps,
} from '../agents/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { openConnections } from './connections.js';
import { emfSettings, startObservability } from './observability.js';
import { startProcess, type Lifecycle } from './lifecycle.js';

/**
 * The sentinel process: holds the LLM key (or, with Bedrock, an IAM identity that may only invoke
 * the model) and nothing that reaches hawk's AWS accounts or Slack. It consumes the
 * `sentinel` queue, one agent step per job, and hands AWS calls to hawk and answers to the bot
 * through their queues.
 */
export function runSentinel(config: SentinelConfig, logger: Logger, llm?: Llm) {
  return startProcess(logger, 'sentinel', (lifecycle) => startSentinel(config, logger, lifecycle, llm));
}

async function startSentinel(config: SentinelConfig, logger: Logger, lifecycle: Lifecycle, llm?: Llm) {
  const { db, enqueuer } = await openConnections(config, lifecycle);
  await checkProcessLogin(db, 'sentinel', logger);
  const obs = await startObservability({
    role: 'sentinel',
    port: config.PLAINFRA_METRICS_PORT,
    db,
    redisUrl: config.REDIS_URL,
    prefix: config.PLAINFRA_QUEUE_PREFIX,
    queues: ['sentinel'],
    logger,
    emf: emfSettings(config),
  });
  lifecycle.defer('observability', () => obs.close());
  const model = await checkedModel(config, logger, llm);
  const deps = sentinelDeps(config, { db, enqueuer, logger, llm: countingCalls(model, obs.metrics) });
  const worker = startSentinelWorker(config, deps, lifecycle);
  obs.metrics.watch(worker, 'sentinel');
  await worker.waitUntilReady();
  logger.info(
    {
      queuePrefix: config.PLAINFRA_QUEUE_PREFIX,
      llmProvider: config.PLAINFRA_LLM_PROVIDER,
      model: config.PLAINFRA_MODEL,
      metricsPort: obs.port ?? null,
    },
    'sentinel ready',
  );
  return { metricsPort: obs.port };
}

/** The configured model (or the one given, in tests). An unknown or deprecated model is a warning in the log, not a refusal to start. */
async function checkedModel(config: SentinelConfig, logger: Logger, llm?: Llm): Promise<Llm> {
  const model = llm ?? (await createConfiguredLlm(config, logger));
  if (model.checkModel) await checkModelAtStart(config.PLAINFRA_MODEL, model.checkModel, logger);
  return model;
}

/** What every step gets: the process's connections and model, and the loop's limits from the config. */
function sentinelDeps(config: SentinelConfig, base: Pick<SentinelDeps, 'db' | 'enqueuer' | 'logger' | 'llm'>): SentinelDeps {
  return {
    ...base,
    model: config.PLAINFRA_MODEL,
    maxSteps: config.PLAINFRA_MAX_STEPS,
    docsBaseUrl: config.PLAINFRA_DOCS_URL,
    maxDocsFetches: config.PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION,
    transcriptBudgetTokens: config.PLAINFRA_TRANSCRIPT_TOKEN_BUDGET,
    // Shared by the process's jobs: one job's permanent failure pauses the model for all.
    modelHealth: new ModelHealth(base.logger),
  };
}

/** Every LLM call counted (requests by outcome, tokens by type) on its way back to the step. */
function countingCalls(model: Llm, metrics: WorkerMetrics): Llm {
  return {
    async create(req) {
      try {
        const res = await model.create(req);
        metrics.llmRequests.inc({ outcome: 'ok' });
        metrics.llmUsage(res.usage);
        return res;
      } catch (err) {
        metrics.llmRequests.inc({ outcome: 'error' });
        throw err;
      }
    },
  };
}

function startSentinelWorker(config: SentinelConfig, deps: SentinelDeps, lifecycle: Lifecycle) {
  const worker = startWorker(
    'sentinel',
    // Waiting for an earlier turn or for tool results is a RetryAfter, handled by startWorker.
    (payload, job) => runTurnStep(deps, payload, { number: job.attemptsMade + 1, isFinal: isFinalAttempt(job) }),
    {
      ...workerOptions(config, config.PLAINFRA_SENTINEL_CONCURRENCY),
      logger: deps.logger,
      // A step that keeps failing still ends the turn: with an apology in the thread.
      onFinalFailure: (payload, err) => abandonTurn(deps, payload, err),
    },
  );
  lifecycle.defer('sentinel worker', () => closeWorker(worker));
  return worker;
}
