/** Signals from a sentinel step to its worker: wait, don't fail. */

/** Thrown when the step must wait (e.g. tool results still missing); BullMQ retries it later. */
export class StepNotReady extends Error {
  override readonly name = 'StepNotReady';
}

/**
 * Thrown when an earlier question in the same thread is still being answered: turns of one
 * conversation run one after the other, so a follow-up sees the earlier answer and the two
 * transcripts never interleave. The worker delays the job without spending an attempt.
 */
export class TurnWaiting extends Error {
  override readonly name = 'TurnWaiting';
}
