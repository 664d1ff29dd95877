import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import { probe, startEmfReporter, startMetricsServer, WorkerMetrics } from '../metrics/index.js';
import { createRedis, QUEUES, waitReady, type QueueName } from '../queues/index.js';

export interface Observability {
  metrics: WorkerMetrics;
  /** The bound metrics port, when PLAINFRA_METRICS_PORT is set. */
  port?: number;
  close(): Promise<void>;
}

/**
 * hawk's and the sentinel's metrics, and (only when `port` is set: off by default, the workers need
 * no inbound port) their /healthz + /metrics server. Queue depth is read through a connection of
 * its own, so a scrape never waits behind a worker's blocking Redis call.
 */
export async function startObservability(opts: ObservabilityOptions): Promise<Observability> {
  const redis = createRedis(opts.redisUrl, 'producer');
  redis.on('error', () => undefined);
  const queues = opts.queues.map((q) => new Queue(QUEUES[q].name, { connection: redis, prefix: opts.prefix }));
  const metrics = new WorkerMetrics(opts.role, queues);
  const emf = opts.emf
    ? startEmfReporter({
        ...opts.emf,
        queues,
        onError: (err) => opts.logger.warn({ err }, 'queue backlog for CloudWatch not read; retrying next interval'),
      })
    : undefined;
  const closeQueues = async () => {
    emf?.stop();
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    redis.disconnect();
  };
  if (opts.port === undefined) return { metrics, close: closeQueues };
  let server: Awaited<ReturnType<typeof serveMetrics>>;
  try {
    await waitReady(redis);
    server = await serveMetrics(opts, opts.port, redis, metrics);
  } catch (err) {
    // The caller never gets a close() for what failed here (a taken port, Redis down): close it now.
    await closeQueues();
    throw err;
  }
  return {
    metrics,
    port: server.port,
    async close() {
      await server.close();
      await closeQueues();
    },
  };
}

interface ObservabilityOptions {
  role: 'hawk' | 'sentinel';
  port?: number;
  db: Db;
  redisUrl: string;
  prefix: string;
  queues: QueueName[];
  logger: Logger;
  /** CloudWatch EMF backlog lines on stdout every `intervalSeconds` (ECS autoscaling); off when absent. */
  emf?: { namespace: string; intervalSeconds: number };
}

/** /metrics, and /healthz probing Postgres and the queues' Redis. */
async function serveMetrics(opts: ObservabilityOptions, port: number, redis: Redis, metrics: WorkerMetrics) {
  const server = await startMetricsServer({
    port,
    logger: opts.logger,
    render: () => metrics.render(),
    health: async () => {
      const checks = { postgres: await probe(() => opts.db.execute(sql`select 1`)), redis: await probe(() => redis.ping()) };
      return { ok: Object.values(checks).every((c) => c === 'ok'), checks };
    },
  });
  opts.logger.info({ port: server.port }, 'metrics and health on their own port');
  return server;
}

/** The EMF reporter's settings from a worker's config: on when PLAINFRA_EMF_METRICS_SECONDS is set. */
export function emfSettings(config: { PLAINFRA_EMF_METRICS_SECONDS?: number; PLAINFRA_EMF_NAMESPACE: string }) {
  const seconds = config.PLAINFRA_EMF_METRICS_SECONDS;
  return seconds ? { namespace: config.PLAINFRA_EMF_NAMESPACE, intervalSeconds: seconds } : undefined;
}
