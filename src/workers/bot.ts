import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
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
  type LinkPolicy,
  type SlackApp,
} from '../bot/index.js';
import { createChartPool } from '../charts/index.js';
import type { BotConfig } from '../config/index.js';
import { checkProcessLogin, closeDb, connectDb, type Db } from '../db/index.js';
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

/** Start-up, step by step; each step registers how to stop what it started (lifecycle.ts). */
async function startBot(config: BotConfig, logger: Logger, lifecycle: Lifecycle): Promise<Omit<RunningBot, 'close'>> {
  const stores = await connectStores(config, logger, lifecycle);
  const bot: BotParts = { config, logger, lifecycle, ...stores, ...(await createListeningApp(config, logger, stores)) };
  await startRepliesWorker(bot);
  await startIntakeWorker(bot);
  await startMaintenance(bot);
  const port = await serveHttp(bot);
  if (bot.slack.socketMode) {
    await bot.slack.app.start();
    lifecycle.defer('socket mode', () => bot.slack.app.stop());
  }
  logger.info(
    { port, mode: bot.slack.socketMode ? 'socket' : 'http', botUserId: bot.slack.botUserId, queuePrefix: config.PLAINFRA_QUEUE_PREFIX },
    'bot ready',
  );
  return { port };
}

/** Postgres and the Redis producer, both checked before anything is taken in. */
interface Stores {
  db: Db;
  producer: Redis;
  enqueuer: Enqueuer;
}

/** The Bolt app with its listeners, and what the listeners share with the workers. */
interface ListeningApp {
  slack: SlackApp;
  metrics: BotMetrics;
  links: LinkPolicy;
  burst: BurstGate;
}

/** Everything start-up has assembled, handed to the steps that start workers and the server. */
interface BotParts extends Stores, ListeningApp {
  config: BotConfig;
  logger: Logger;
  lifecycle: Lifecycle;
}

async function connectStores(config: BotConfig, logger: Logger, lifecycle: Lifecycle): Promise<Stores> {
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
  return { db, producer, enqueuer };
}

async function createListeningApp(config: BotConfig, logger: Logger, { db, enqueuer }: Stores): Promise<ListeningApp> {
  const metrics = new BotMetrics();
  const slack = await createSlackApp(config, logger);
  // Which hosts stay clickable in everything the bot posts: AWS's own and the docs host.
  const links = linkPolicy(config.PLAINFRA_DOCS_URL);
  // Mentions are acked first; their recording waits for a lull (at most 2 s) so a burst acks fast.
  const burst = new BurstGate();
  registerListeners(slack.app, { db, enqueuer, metrics, logger, fastClient: slack.fastClient, links, burst });
  return { slack, metrics, links, burst };
}

/** The replies consumer; the parts a job already posted are kept in its progress. */
async function startRepliesWorker({ config, logger, lifecycle, db, slack, metrics, links }: BotParts): Promise<void> {
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
}

/** Questions queued by the listeners before their ack, recorded in Postgres here. */
async function startIntakeWorker({ config, logger, lifecycle, db, enqueuer, slack, metrics, burst }: BotParts): Promise<void> {
  const intakeDeps = { db, enqueuer, metrics, logger, client: slack.app.client, burst };
  const intake = startWorker('intake', (payload) => recordQueuedQuestion(intakeDeps, payload), {
    ...workerOptions(config, INTAKE_CONCURRENCY),
    logger,
    onFinalFailure: (payload, err) => apologiseForLostQuestion(intakeDeps, payload, err),
  });
  lifecycle.defer('intake worker', () => closeWorker(intake));
  await intake.waitUntilReady();
}

/** Housekeeping on BullMQ Job Schedulers: retention (daily) and resuming lost questions (5 min). */
async function startMaintenance({ config, logger, lifecycle, db, enqueuer }: BotParts): Promise<void> {
  const maintenance = startWorker('maintenance', (payload, job) => runMaintenance(payload, { db, enqueuer, logger }, String(job.id)), {
    ...workerOptions(config, 1),
    logger,
  });
  lifecycle.defer('maintenance worker', () => closeWorker(maintenance));
  await enqueuer.upsertSchedules();
  await syncDigestSchedules({ db, enqueuer, logger });
}

/** The HTTP front door (Slack events unless in Socket Mode, /healthz, /metrics); resolves to its port. */
async function serveHttp({ config, logger, lifecycle, db, producer, slack, metrics }: BotParts): Promise<number> {
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
  return (server.address() as AddressInfo).port;
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
