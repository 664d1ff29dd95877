import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorker, Permanent, RetryAfter, startWorker } from '../src/queues/index.js';
import { RETRY_BACKOFF } from '../src/queues/errors.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * What each error a handler throws makes BullMQ do with a real job (issue 10 §2): attempts spent or
 * not, delays honoured, Permanent failing without retry, anything else retried with backoff.
 */
describe('queue errors', { timeout: 60_000 }, () => {
  const logger = pino({ level: 'silent' });
  const prefix = uniquePrefix();
  let queue: Queue;
  let events: QueueEvents;
  let worker: ReturnType<typeof startWorker<'sentinel'>>;
  /** When each job's handler ran, by turn id. */
  const runs = new Map<string, number[]>();
  const fallbacks: string[] = [];
  /** What the handler throws on a job's nth run (undefined = succeed), by turn id. */
  const behaviours = new Map<string, (run: number) => Error | undefined>();

  beforeAll(async () => {
    queue = new Queue('sentinel', { connection: { url: REDIS_URL }, prefix });
    events = new QueueEvents('sentinel', { connection: { url: REDIS_URL }, prefix });
    await events.waitUntilReady();
    worker = startWorker(
      'sentinel',
      async (payload) => {
        const times = runs.get(payload.turnId) ?? [];
        times.push(Date.now());
        runs.set(payload.turnId, times);
        const err = behaviours.get(payload.turnId)?.(times.length);
        if (err) throw err;
      },
      {
        redisUrl: REDIS_URL,
        prefix,
        concurrency: 5,
        lockDurationMs: 5_000,
        logger,
        onFinalFailure: async (payload, err) => void fallbacks.push(`${payload.turnId}:${err.message}`),
      },
    );
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await closeWorker(worker);
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await dropPrefix(prefix);
  });

  async function run(turnId: string, behaviour: (run: number) => Error | undefined, opts: { attempts: number; backoffMs: number }) {
    behaviours.set(turnId, behaviour);
    const job = await queue.add(
      'sentinel',
      { conversationId: randomUUID(), turnId, step: 0 },
      { jobId: `t-${turnId}`, attempts: opts.attempts, backoff: { type: RETRY_BACKOFF, delay: opts.backoffMs } },
    );
    const outcome = await job.waitUntilFinished(events, 30_000).then(
      () => 'completed',
      (err: Error) => `failed: ${err.message}`,
    );
    const finished = (await queue.getJob(job.id!)) as Job;
    const times = runs.get(turnId) ?? [];
    return { outcome, attemptsMade: finished.attemptsMade, gaps: times.slice(1).map((t, i) => t - times[i]!) };
  }

  it('RetryAfter without spending an attempt waits the delay it names, as often as it must', async () => {
    // Three waits on a job allowed one attempt: it still completes, so no attempt was spent.
    const r = await run(
      'wait',
      (n) => (n <= 3 ? new RetryAfter(300, { spendsAttempt: false, reason: 'earlier turn unanswered' }) : undefined),
      {
        attempts: 1,
        backoffMs: 10,
      },
    );
    expect(r.outcome).toBe('completed');
    expect(r.gaps).toHaveLength(3);
    for (const gap of r.gaps) expect(gap).toBeGreaterThanOrEqual(290);
    expect(fallbacks.filter((f) => f.startsWith('wait:'))).toEqual([]);
  });

  it('RetryAfter that spends an attempt retries after its own delay, then runs the fallback on the last attempt', async () => {
    // The queue's backoff is 10 ms; the 400 ms between runs can only come from the error.
    const r = await run('spend-ms', () => new RetryAfter(400, { spendsAttempt: true, reason: 'AWS throttled' }), {
      attempts: 3,
      backoffMs: 10,
    });
    expect(r.gaps).toHaveLength(2);
    for (const gap of r.gaps) expect(gap).toBeGreaterThanOrEqual(390);
    // The fallback ended the job on its third (last) attempt: completed, with the error it was given.
    expect(r.outcome).toBe('completed');
    expect(fallbacks.filter((f) => f.startsWith('spend-ms:'))).toEqual(['spend-ms:AWS throttled']);
  });

  it('RetryAfter without a delay spends an attempt and follows the queue’s exponential backoff', async () => {
    const r = await run(
      'spend-backoff',
      (n) => (n <= 2 ? new RetryAfter(undefined, { spendsAttempt: true, reason: 'tool results missing' }) : undefined),
      {
        attempts: 3,
        backoffMs: 250,
      },
    );
    expect(r.outcome).toBe('completed');
    expect(r.gaps).toHaveLength(2);
    expect(r.gaps[0]).toBeGreaterThanOrEqual(240); // 250 × 2⁰
    expect(r.gaps[1]).toBeGreaterThanOrEqual(490); // 250 × 2¹
    expect(r.attemptsMade).toBe(3);
  });

  it('Permanent fails the job at once: no retry, no fallback', async () => {
    const r = await run('permanent', () => new Permanent('hawk job refused: no open question'), { attempts: 5, backoffMs: 10 });
    expect(r.outcome).toBe('failed: hawk job refused: no open question');
    expect(runs.get('permanent')).toHaveLength(1);
    expect(r.attemptsMade).toBe(1);
    expect(fallbacks.filter((f) => f.startsWith('permanent:'))).toEqual([]);
  });

  it('an unknown error is a failed attempt: retried with exponential backoff, then the fallback', async () => {
    const r = await run('unknown', () => new Error('connection reset'), { attempts: 3, backoffMs: 200 });
    expect(r.gaps).toHaveLength(2);
    expect(r.gaps[0]).toBeGreaterThanOrEqual(190);
    expect(r.gaps[1]).toBeGreaterThanOrEqual(390);
    expect(r.outcome).toBe('completed');
    expect(fallbacks.filter((f) => f.startsWith('unknown:'))).toEqual(['unknown:connection reset']);
  });

  it('each error has a stable code, and a wait must say how long', () => {
    expect(new RetryAfter(5, { spendsAttempt: false, reason: 'x' }).code).toBe('retry_after');
    expect(new Permanent('x').code).toBe('permanent');
    expect(() => new RetryAfter(undefined, { spendsAttempt: false, reason: 'x' })).toThrow(/needs a delay/);
    expect(() => new RetryAfter(-1, { spendsAttempt: true, reason: 'x' })).toThrow(/>= 0/);
  });
});
