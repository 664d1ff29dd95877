import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { payloadField } from './events.js';

/**
 * The retention SQL lives in migration 0004 (`plainfra_prune_expired`) and spells the report flag of
 * a message_in as `payload->>'report'`; this keeps a rename of that field from compiling silently.
 */
const REPORT_FIELD: 'report' = payloadField('message_in', 'report');
void REPORT_FIELD;

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
 * Deletes what is past retention, through `plainfra_prune_expired` (migration 0004): a SECURITY
 * DEFINER function owned by the migration role, the only way a process role can delete anything.
 * Whole conversations go, by their last activity, so no hash chain is cut in the middle and no
 * thread loses half a turn. Called by a process role, it never goes below the default periods.
 */
export async function pruneExpired(db: Db, policy: RetentionPolicy = DEFAULT_RETENTION): Promise<RetentionResult> {
  const conversationDays = Math.max(1, Math.floor(policy.conversationDays));
  const slackEventDays = Math.max(1, Math.floor(policy.slackEventDays));
  const reportDays = Math.max(conversationDays, Math.floor(policy.reportDays));
  const result = await db.execute(
    sql`SELECT plainfra_prune_expired(${conversationDays}::int, ${reportDays}::int, ${slackEventDays}::int) AS r`,
  );
  const r = (result.rows[0] as { r: { auditRows: number; conversations: number; slackEvents: number } }).r;
  return { auditRows: Number(r.auditRows), conversations: Number(r.conversations), slackEvents: Number(r.slackEvents) };
}
