import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { payloadField } from './events.js';

export interface RetentionPolicy {
  /** A conversation's audit is kept this long after its last activity (GUIDE: 90 days). */
  conversationDays: number;
  /** Digests (report turns) are kept longer: they are the record of spend and posture (GUIDE: 365 days). */
  reportDays: number;
  /** Slack event ids only need to outlive Slack's retries (minutes); a day is generous. */
  slackEventDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { conversationDays: 90, reportDays: 365, slackEventDays: 1 };

export interface RetentionResult {
  auditRows: number;
  conversations: number;
  slackEvents: number;
}

/**
 * Deletes what is past retention. The append-only trigger refuses DELETE on audit_events unless
 * the transaction sets plainfra.retention, so this is the only code path that can remove audit rows.
 */
export async function pruneExpired(db: Db, policy: RetentionPolicy = DEFAULT_RETENTION): Promise<RetentionResult> {
  const conversationDays = Math.max(1, Math.floor(policy.conversationDays));
  const slackEventDays = Math.max(1, Math.floor(policy.slackEventDays));
  const reportDays = Math.max(conversationDays, Math.floor(policy.reportDays));
  return db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL plainfra.retention = 'on'`);
    // Whole conversations go, by their last activity: pruning row by row could cut a turn in half
    // and leave a thread whose transcript no longer makes sense to the model.
    const audit = await tx.execute(sql`
      DELETE FROM audit_events WHERE conversation_id IN (
        SELECT conversation_id FROM audit_events GROUP BY conversation_id
        HAVING max(created_at) < now() - make_interval(days => CASE
          WHEN bool_or(kind = 'message_in' AND payload->>${payloadField('message_in', 'report')} = 'true') THEN ${reportDays}::int
          ELSE ${conversationDays}::int END))`);
    const convs = await tx.execute(sql`
      DELETE FROM conversations c
      WHERE c.created_at < now() - make_interval(days => ${conversationDays})
        AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.conversation_id = c.id)`);
    const events = await tx.execute(sql`DELETE FROM slack_events WHERE received_at < now() - make_interval(days => ${slackEventDays})`);
    return { auditRows: audit.rowCount ?? 0, conversations: convs.rowCount ?? 0, slackEvents: events.rowCount ?? 0 };
  });
}
