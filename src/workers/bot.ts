import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import {
  apologiseForLostQuestion,
  BotMetrics,
  BurstGate,
  createBotServer,
  createSlackApp,
  deliverReply,
  linkPolicy,
  probe,
  recordQueuedQuestion,
  registerListeners,
} from '../bot/index.js';
import { createChartPool } from '../charts/index.js';
import type { BotConfig } from '../config/index.js';
import { checkProcessLogin, closeDb, connectDb } from '../db/index.js';
import { runMaintenance, syncDigestSchedules } from './maintenance.js';
import { closeWorker, createRedis, Enqueuer, startWorker, waitReady, workerOptions } from '../queues/index.js';
import { startProcess, type Lifecycle } from './lifecycle.js';

/**
 * Parallel replies per process. A report spaces its parts a second apart in its channel (Slack's ~1
 * message/s per channel), so a reply spends most of its time waiting, not working: when many
 * digests fall due at once, 16 in flight keep posting to 16 channels while each waits its turn.
 */
const REPLIES_CONCURRENCY = 16;
/**
 * Questions are recorded one at a time, in the order they were queued: a follow-up posted right after
 * its question is recorded after it (turn order is message_in order), and the event loop stays free
 * to ack the next burst. About 50 recordings a second per bot; replicas add more.
 */
const INTAKE_CONCURRENCY = 1;
/** How long close() lets in-flight Slack requests finish before cutting connections. */
const HTTP_GRACE_MS = 5_000;

export interface RunningBot {
  /** Graceful: stop taking requests, finish replies in hand, then release Redis and Postgres. */
  close(): Promise<void>;
  /** The bound HTTP port (health, metrics and, unless in Socket Mode, Slack events). */
  port?: number;
}

/**
 * The bot process: the only one holding Slack tokens. It takes Slack events and commands
 * (verify, dedupe, audit, enqueue, ack), consumes the `replies` queue and posts answers, and serves
 * /healthz and /metrics. It never waits on AWS or the LLM.
 */
export function runBot(config: BotConfig, logger: Logger): Promise<RunningBot> {
  return startProcess(logger, 'bot', (lifecycle) => startBot(config, logger, lifecycle));
}

async function startBot(config: BotConfig, logger: Logger, lifecycle: Lifecycle): Promise<Omit<RunningBot, 'close'>> {
  const db = connectDb(config.DATABASE_URL, config.PLAINFRA_DB_POOL_SIZE);
  lifecycle.defer('postgres', () => closeDb(db));
  const producer = createRedis(config.REDIS_URL, 'producer');
  producer.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  lifecycle.defer('redis producer', () => producer.disconnect());
  await waitReady(producer);
  await db.execute(sql`select 1`);
  await checkProcessLogin(db, 'bot', logger);
  const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
  lifecycle.defer('queues', () => enqueuer.close());
  const metrics = new BotMetrics();
  const slack = await createSlackApp(config, logger);
  // Which hosts stay clickable in everything the bot posts: AWS's own and the docs host.
  const links = linkPolicy(config.PLAINFRA_DOCS_URL);
  // Mentions are acked first; their recording waits for a lull (at most 2 s) so a burst acks fast.
  const burst = new BurstGate();
  registerListeners(slack.app, { db, enqueuer, metrics, logger, fastClient: slack.fastClient, links, burst });

  // Report charts are drawn in a worker thread: never on this event loop, which renews job locks.
  const charts = createChartPool();
  lifecycle.defer('chart pool', () => charts.close());
  const worker = startWorker(
    'replies',
    async (payload, job) => {
      const posted = (job.progress as { posted?: string[] } | undefined)?.posted ?? [];
      await deliverReply({ db, client: slack.app.client, logger, metrics, links, charts }, payload, {
        posted,
        save: (p) => job.updateProgress({ posted: p }),
      });
    },
    { ...workerOptions(config, REPLIES_CONCURRENCY), logger },
  );
  lifecycle.defer('replies worker', () => closeWorker(worker));
  await worker.waitUntilReady();

  // Questions queued by the listeners before their ack, recorded in Postgres here.
  const intakeDeps = { db, enqueuer, metrics, logger, client: slack.app.client, burst };
  const intake = startWorker('intake', (payload) => recordQueuedQuestion(intakeDeps, payload), {
    ...workerOptions(config, INTAKE_CONCURRENCY),
    logger,
    onFinalFailure: (payload, err) => apologiseForLostQuestion(intakeDeps, payload, err),
  });
  lifecycle.defer('intake worker', () => closeWorker(intake));
  await intake.waitUntilReady();

  // Housekeeping on BullMQ Job Schedulers: retention (daily) and resuming lost questions (5 min).
  const maintenance = startWorker('maintenance', (payload, job) => runMaintenance(payload, { db, enqueuer, logger }, String(job.id)), {
    ...workerOptions(config, 1),
    logger,
  });
  lifecycle.defer('maintenance worker', () => closeWorker(maintenance));
  await enqueuer.upsertSchedules();
  await syncDigestSchedules({ db, enqueuer, logger });

  const server = createBotServer({
    receiver: slack.receiver,
    metrics,
    logger,
    health: async () => {
      const checks = {
        postgres: await probe(() => db.execute(sql`select 1`)),
        redis: await probe(() => producer.ping()),
      };
      return { ok: Object.values(checks).every((c) => c === 'ok'), checks };
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, () => {
      server.off('error', reject);
      resolve();
    });
  });
  lifecycle.defer('http server', () => stopServer(server));
  const port = (server.address() as AddressInfo).port;

  if (slack.socketMode) {
    await slack.app.start();
    lifecycle.defer('socket mode', () => slack.app.stop());
  }
  logger.info(
    { port, mode: slack.socketMode ? 'socket' : 'http', botUserId: slack.botUserId, queuePrefix: config.PLAINFRA_QUEUE_PREFIX },
    'bot ready',
  );
  return { port };
}

/** Stops accepting connections, lets in-flight requests finish, then cuts what is left. */
async function stopServer(server: import('node:http').Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), HTTP_GRACE_MS);
  timer.unref();
  await closed;
  clearTimeout(timer);
}
