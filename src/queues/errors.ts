import type { BackoffStrategy } from 'bullmq';

/**
 * What a job handler tells its queue to do, said as an error type. `startWorker` handles them in
 * one place; any other error is a failed attempt, retried with the queue's backoff until the
 * attempts run out (then the queue's fallback, if it has one, runs). Each carries a stable `code`,
 * so logs and callers never depend on a class name.
 */

/**
 * Try the job again later. `spendsAttempt: false` is waiting, not failing (an earlier turn is still
 * being answered): the job is delayed by `ms` and keeps all its attempts, so it may wait for as long
 * as it must. `spendsAttempt: true` is a failed attempt (tool results not there yet, a transient
 * AWS or LLM error): retried after `ms`, or after the queue's backoff when `ms` is undefined; on the
 * last attempt the queue's fallback runs instead.
 */
export class RetryAfter extends Error {
  readonly code = 'retry_after';
  readonly spendsAttempt: boolean;

  constructor(
    /** Delay before the next try; undefined = the queue's backoff (only with `spendsAttempt`). */
    readonly ms: number | undefined,
    opts: { spendsAttempt: boolean; reason: string; cause?: unknown },
  ) {
    super(opts.reason, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (ms === undefined && !opts.spendsAttempt) throw new TypeError('RetryAfter without spending an attempt needs a delay');
    if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0))
      throw new TypeError(`RetryAfter: delay must be a number of ms >= 0, got ${ms}`);
    this.spendsAttempt = opts.spendsAttempt;
  }
}

/**
 * Fail the job now, without retries and without the queue's fallback: a forged or malformed job, a
 * reply Slack will never accept. Waiting will not make it succeed.
 */
export class Permanent extends Error {
  readonly code = 'permanent';
}

/**
 * The backoff type every queue's jobs use: exponential (delay × 2^(attempt-1), as BullMQ's own), unless
 * the attempt failed with a `RetryAfter` that names its delay. BullMQ asks the worker's
 * `settings.backoffStrategy` only for types it does not know, hence a name of our own.
 */
export const RETRY_BACKOFF = 'exponential-or-retry-after';

export const backoffStrategy: BackoffStrategy = (attemptsMade, _type, err, job) => {
  if (err instanceof RetryAfter && err.ms !== undefined) return err.ms;
  const backoff = job?.opts.backoff;
  const delay = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 0);
  return Math.round(2 ** (attemptsMade - 1) * delay);
};
