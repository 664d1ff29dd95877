import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import type { Enqueuer, IntakeJob } from '../queues/index.js';
import { acceptQuestion } from './intake.js';
import type { BurstGate } from './burst-gate.js';
import type { BotMetrics } from './metrics.js';
import { showProgress } from './progress.js';

export interface IntakeWorkerDeps {
  db: Db;
  enqueuer: Enqueuer;
  metrics: BotMetrics;
  logger: Logger;
  client: WebClient;
  /** Waits out a burst of mentions before recording, so the acks go first. */
  burst?: BurstGate;
}

/**
 * Records a question the listener queued before acking (see listeners/mention.ts): dedupe,
 * conversation, message_in and scope in Postgres, then the sentinel's first step (or the help reply)
 * — `acceptQuestion`, the same intake every source uses. Safe to repeat: a retry after a crash finds
 * its slack_events row and only re-enqueues. A Postgres outage throws, and BullMQ retries with
 * back-off (queues/catalog.ts) until the question is recorded.
 */
export async function recordQueuedQuestion(deps: IntakeWorkerDeps, q: IntakeJob): Promise<void> {
  const log = deps.logger.child({ eventId: q.deliveryId, team: q.teamId, channel: q.channelId });
  await deps.burst?.lull();
  let result: Awaited<ReturnType<typeof acceptQuestion>>;
  try {
    result = await acceptQuestion(deps, q);
  } catch (err) {
    deps.metrics.intakeErrors.inc();
    log.warn({ err: (err as Error).message }, 'intake failed; retrying with back-off');
    throw err;
  }
  if (result.duplicate) {
    deps.metrics.duplicatesDropped.inc({ type: q.source });
    log.info({ turnId: result.turnId }, 'duplicate delivery; stored turn re-enqueued');
    return;
  }
  if (result.status === 'refused') {
    deps.metrics.questionsRefused.inc({ reason: result.reason });
    log.info({ turnId: result.turnId, reason: result.reason }, 'question refused');
    return;
  }
  log.info({ conversationId: result.conversationId, turnId: result.turnId }, 'question accepted');
  if (q.source === 'app_mention' && q.ts) {
    await showProgress(deps.client, deps.logger, { channel: q.channelId, ts: q.ts, threadTs: q.threadTs ?? q.ts });
  }
}

/**
 * The last retry failed too (Postgres down for over half an hour): say so in the thread, so the
 * asker is not left waiting for an answer that will never come.
 */
export async function apologiseForLostQuestion(deps: IntakeWorkerDeps, q: IntakeJob, err: Error): Promise<void> {
  deps.logger.error(
    { eventId: q.deliveryId, team: q.teamId, channel: q.channelId, err: err.message },
    'question could not be recorded; asker told to ask again',
  );
  if (q.source !== 'app_mention' || !q.ts) return;
  await deps.client.chat.postMessage({
    channel: q.channelId,
    thread_ts: q.threadTs ?? q.ts,
    text: "Sorry, I couldn't take this question: my database was unavailable for too long. Please ask again.",
    unfurl_links: false,
    unfurl_media: false,
  });
}
