import { DelayedError, Queue, Worker, UnrecoverableError, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  QUEUES,
  SCHEDULES,
  type QueueName,
  type HawkJob,
  type IntakeJob,
  type MaintenanceJob,
  type ReplyJob,
  type SentinelJob,
} from './catalog.js';
import { createRedis } from './connection.js';
import { backoffStrategy, Permanent, RetryAfter } from './errors.js';
import type { CommonConfig } from '../config/index.js';

/** The payload type of queue `N`, as its catalogue schema validates it. */
export type PayloadOf<N extends QueueName> = N extends 'sentinel'
  ? SentinelJob
  : N extends 'hawk'
    ? HawkJob
    : N extends 'maintenance'
      ? MaintenanceJob
      : N extends 'intake'
        ? IntakeJob
        : ReplyJob;

/** Producer side: validated payloads, deterministic job ids. */
export class Enqueuer {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  private queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(QUEUES[name].name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  async add<N extends QueueName>(name: N, payload: PayloadOf<N>): Promise<string> {
    const def = QUEUES[name];
    const data = def.schema.parse(payload);
    const jobId = (def.jobId as (p: PayloadOf<N>) => string)(data as PayloadOf<N>);
    await this.queue(name).add(name, data, { ...def.options, jobId });
    return jobId;
  }

  /**
   * Creates or updates the maintenance Job Schedulers. Called from one place only (the bot), so
   * there is exactly one schedule however many processes run.
   */
  async upsertSchedules(): Promise<void> {
    for (const [id, s] of Object.entries(SCHEDULES)) await this.ensureSchedule(id, s.pattern, 'UTC', s.data);
  }

  /**
   * Creates or changes a maintenance Job Scheduler only when it is missing or different. Upserting
   * an unchanged scheduler is not a no-op in BullMQ: it drops the run that is due and reschedules
   * from now, so a sweep re-upserting a digest due at the same minute would skip that digest.
   */
  private async ensureSchedule(id: string, pattern: string, tz: string, data: MaintenanceJob): Promise<void> {
    const q = this.queue('maintenance');
    const existing = await q.getJobScheduler(id);
    if (existing && existing.pattern === pattern && (existing.tz ?? 'UTC') === tz) return;
    await q.upsertJobScheduler(
      id,
      { pattern, tz },
      {
        name: data.task,
        data,
        // A digest that fails at 09:00 because Postgres blinked should still go out.
        opts: {
          attempts: 3,
          backoff: { type: 'exponential', delay: 30_000 },
          removeOnComplete: { count: 30 },
          removeOnFail: { count: 30 },
        },
      },
    );
  }

  /**
   * Makes the per-channel digest schedulers match the bindings: one Job Scheduler per channel with
   * a digest schedule, removed when its binding is. Runs in the bot only (one place), at start and
   * on every sweep, so a `channels bind --digest` takes effect without a restart.
   */
  async syncDigestSchedules(wanted: { teamId: string; channelId: string; cron: string; tz: string }[]): Promise<string[]> {
    const q = this.queue('maintenance');
    const ids = new Set<string>();
    const problems: string[] = [];
    for (const w of wanted) {
      const id = `digest:${w.teamId}:${w.channelId}`;
      ids.add(id);
      try {
        await this.ensureSchedule(id, w.cron, w.tz, { task: 'digest', teamId: w.teamId, channelId: w.channelId });
      } catch (err) {
        // One bad schedule must not stop the bot or the other channels' digests.
        problems.push(`${id}: ${(err as Error).message}`);
      }
    }
    for (const s of await q.getJobSchedulers(0, -1)) {
      if (s.key.startsWith('digest:') && !ids.has(s.key)) await q.removeJobScheduler(s.key);
    }
    return problems;
  }

  /**
   * Drops one channel's digest scheduler at once (`channels unbind` took its last binding), rather
   * than leaving it to the bot's next sweep. Returns whether there was one.
   */
  async removeDigestSchedule(teamId: string, channelId: string): Promise<boolean> {
    return this.queue('maintenance').removeJobScheduler(`digest:${teamId}:${channelId}`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

/** What `startWorker` needs besides the handler; the config part comes from `workerOptions`. */
export interface WorkerOptions<P = unknown> {
  redisUrl: string;
  prefix: string;
  /** Jobs this process runs at once on this queue (per-role config, e.g. PLAINFRA_HAWK_CONCURRENCY). */
  concurrency: number;
  /**
   * How long a job stays locked to this worker without a renewal; a crashed worker's job goes back
   * to the queue after it. PLAINFRA_JOB_LOCK_MS. @defaultValue 30_000
   */
  lockDurationMs: number;
  /**
   * How often the worker looks for jobs whose lock expired (another process died holding them).
   * @defaultValue half of `lockDurationMs`, at least 1000
   */
  stalledIntervalMs?: number;
  /**
   * How many times a job may stall (its worker died) before it fails instead of being taken over;
   * more than once, as a rolling deploy can kill two workers in a row. @defaultValue 2
   */
  maxStalledCount?: number;
  logger: Logger;
  /**
   * Called instead of failing when the job's last attempt throws, so the work can still end in
   * something a person sees (an apology, an error result) rather than a silently failed job. Not
   * called for `Permanent` errors: the handler has already decided there is nothing more to do.
   */
  onFinalFailure?: (payload: P, err: Error, job: Job) => Promise<void>;
}

/** The config-derived part of every worker's options, built in one place for every process role. */
export function workerOptions(
  config: Pick<CommonConfig, 'REDIS_URL' | 'PLAINFRA_QUEUE_PREFIX' | 'PLAINFRA_JOB_LOCK_MS'>,
  concurrency: number,
): Pick<WorkerOptions, 'redisUrl' | 'prefix' | 'concurrency' | 'lockDurationMs'> {
  return { redisUrl: config.REDIS_URL, prefix: config.PLAINFRA_QUEUE_PREFIX, concurrency, lockDurationMs: config.PLAINFRA_JOB_LOCK_MS };
}

export function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * A BullMQ worker for one queue, and the one place that turns a handler's error into what the
 * queue does (src/queues/errors.ts): `Permanent` (and an invalid payload, which will not become
 * valid by waiting) fails without retries; `RetryAfter` waits or retries; anything else is a failed
 * attempt, retried with backoff, then handed to `onFinalFailure`. A crashed worker's job returns to
 * the queue when its lock expires (stalled-job recovery), so a second process finishes it.
 */
export function startWorker<N extends QueueName>(
  name: N,
  handler: (payload: PayloadOf<N>, job: Job, token?: string) => Promise<void>,
  opts: WorkerOptions<PayloadOf<N>>,
): Worker {
  const def = QUEUES[name];
  const processor: Processor = async (job, token) => {
    const parsed = def.schema.safeParse(job.data);
    try {
      if (!parsed.success) throw new Permanent(`invalid ${name} job ${job.id}: ${parsed.error.message}`);
      await handler(parsed.data as PayloadOf<N>, job, token);
    } catch (err) {
      if (err instanceof Permanent) throw new UnrecoverableError(err.message);
      if (err instanceof RetryAfter) {
        opts.logger.info(
          { queue: name, jobId: job.id, code: err.code, reason: err.message, delayMs: err.ms ?? null, spendsAttempt: err.spendsAttempt },
          'job will be tried again',
        );
        if (!err.spendsAttempt) {
          // Waiting, not failing: back to the delayed set with its attempts untouched.
          await job.moveToDelayed(Date.now() + err.ms!, token);
          throw new DelayedError();
        }
      }
      if (!opts.onFinalFailure || !isFinalAttempt(job)) throw err;
      opts.logger.error({ queue: name, jobId: job.id, err: (err as Error).message }, 'job failed for good; running its fallback');
      await opts.onFinalFailure(parsed.data as PayloadOf<N>, err as Error, job);
    }
  };
  const worker = new Worker(def.name, processor, {
    connection: createRedis(opts.redisUrl, 'worker'),
    prefix: opts.prefix,
    concurrency: opts.concurrency,
    lockDuration: opts.lockDurationMs,
    stalledInterval: opts.stalledIntervalMs ?? Math.max(1000, Math.floor(opts.lockDurationMs / 2)),
    maxStalledCount: opts.maxStalledCount ?? 2,
    // Exponential, or the delay a RetryAfter names (jobs use the RETRY_BACKOFF type, see catalog).
    settings: { backoffStrategy },
  });
  worker.on('failed', (job, err) =>
    opts.logger.warn({ queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
  );
  worker.on('error', (err) => opts.logger.error({ queue: name, err: err.message }, 'worker error'));
  return worker;
}

/** BullMQ's close() can hang while Redis is unreachable; give it a deadline, then force. */
export async function closeWorker(worker: Worker, graceMs = 10_000): Promise<void> {
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  const result = await Promise.race([worker.close().then(() => 'closed' as const), timeout]);
  if (result === 'timeout') await worker.close(true);
}
