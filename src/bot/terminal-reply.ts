import { recordAudit, stepKey, type AuditRow } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { ReplyJob } from '../queues/index.js';

/**
 * The answer of a `plainfra ask` question: recorded as the turn's `message_out` (step key
 * `out:<turnId>`, so whoever records it first wins and a second attempt finds the row) and never
 * posted to Slack. Both the bot's replies consumer and `plainfra ask` itself (when no bot runs) call
 * this; it imports nothing from Slack so the CLI can use it without loading Bolt.
 */
export async function recordTerminalAnswer(db: Db, job: ReplyJob, by: 'bot' | 'cli'): Promise<{ row: AuditRow; created: boolean }> {
  return recordAudit(db, {
    conversationId: job.conversationId,
    actor: 'bot',
    kind: 'message_out',
    stepKey: stepKey.out(job.turnId),
    payload: {
      turnId: job.turnId,
      delivered: 'terminal',
      /** Who recorded it: the bot's replies consumer, or `plainfra ask` when no bot took the job. */
      recorded_by: by,
      thread_ts: null,
      ts: null,
      text: job.text,
      outcome: job.outcome,
      ...(job.reports?.length ? { reports: job.reports } : {}),
    },
  });
}
