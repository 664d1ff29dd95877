import type { Logger } from 'pino';
import { findStrandedTurns, pruneExpired } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Enqueuer, MaintenanceJob } from '../queues/index.js';

/** A question unanswered this long is presumed lost, not slow (jobs retry for about a minute). */
const STRANDED_AFTER_MS = 5 * 60_000;
/** Older than this, a late answer would confuse more than help. */
const GIVE_UP_AFTER_MS = 24 * 3600_000;

/**
 * Re-enqueues the sentinel step each stranded question stopped at. Every step is idempotent
 * (stored LLM responses are reused, finished tool calls skipped, a posted answer is not posted
 * again), and a job id still held by BullMQ makes the add a no-op.
 */
export async function resumeStrandedTurns(db: Db, enqueuer: Enqueuer, logger: Logger): Promise<number> {
  const stranded = await findStrandedTurns(db, { minAgeMs: STRANDED_AFTER_MS, maxAgeMs: GIVE_UP_AFTER_MS });
  for (const t of stranded) await enqueuer.add('sentinel', { conversationId: t.conversationId, turnId: t.turnId, step: t.resumeStep });
  if (stranded.length > 0) logger.warn({ turns: stranded.map((t) => t.turnId) }, 'resumed unanswered questions');
  return stranded.length;
}

export async function runMaintenance(job: MaintenanceJob, deps: { db: Db; enqueuer: Enqueuer; logger: Logger }): Promise<void> {
  switch (job.task) {
    case 'retention':
      deps.logger.info(await pruneExpired(deps.db), 'retention applied');
      return;
    case 'sweep':
      await resumeStrandedTurns(deps.db, deps.enqueuer, deps.logger);
      return;
  }
}
