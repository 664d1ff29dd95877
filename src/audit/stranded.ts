import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { payloadField, stepKeyPrefix } from './events.js';

export interface StrandedTurn {
  conversationId: string;
  turnId: string;
  /** The last step with a recorded LLM response; re-running it re-issues whatever came next. */
  resumeStep: number;
}

/**
 * Questions that were accepted but never answered: a `message_in` older than `minAgeMs` with no
 * `message_out`, no failed post and no refusal. Normally there are none — every job is retried and
 * every last attempt ends in a reply — but a Redis that lost its data (restart without persistence,
 * a flush) loses the queued step, and only the audit trail still knows the question is open.
 */
export async function findStrandedTurns(db: Db, opts: { minAgeMs: number; maxAgeMs: number; limit?: number }): Promise<StrandedTurn[]> {
  const result = await db.execute(sql`
    SELECT m.conversation_id, m.id,
      (SELECT max((a.payload->>${payloadField('llm_response', 'step')})::int) FROM audit_events a
        WHERE a.conversation_id = m.conversation_id AND a.kind = 'llm_response'
          AND a.payload->>${payloadField('llm_response', 'turnId')} = m.id::text) AS last_step
    FROM audit_events m
    WHERE m.kind = 'message_in'
      AND m.created_at < now() - make_interval(secs => ${opts.minAgeMs / 1000})
      AND m.created_at > now() - make_interval(secs => ${opts.maxAgeMs / 1000})
      AND NOT EXISTS (
        SELECT 1 FROM audit_events o
        WHERE o.conversation_id = m.conversation_id
          AND o.step_key IN (${stepKeyPrefix('out')} || m.id, ${stepKeyPrefix('outError')} || m.id, ${stepKeyPrefix('refused')} || m.id))
    ORDER BY m.id
    LIMIT ${opts.limit ?? 100}`);
  return (result.rows as { conversation_id: string; id: string | number; last_step: number | null }[]).map((r) => ({
    conversationId: r.conversation_id,
    turnId: String(r.id),
    resumeStep: r.last_step ?? 0,
  }));
}
