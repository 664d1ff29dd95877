import type { AuditRow } from './events.js';

const MAX_PAYLOAD_CHARS = 400;

/** Human-readable trail for `plainfra audit`: one line per event, payload abbreviated. */
export function formatTrail(rows: AuditRow[]): string {
  if (rows.length === 0) return '(no audit events)';
  return rows
    .map((r) => {
      const payload = JSON.stringify(r.payload);
      const short = payload.length > MAX_PAYLOAD_CHARS ? `${payload.slice(0, MAX_PAYLOAD_CHARS)}… (${payload.length} chars)` : payload;
      return `${r.createdAt.toISOString()}  #${r.id}  ${r.actor.padEnd(8)} ${r.kind.padEnd(12)} ${short}`;
    })
    .join('\n');
}

/** The trail as JSON, keyed by the `audit_events` column names operators query with SQL. */
export function trailToJson(rows: AuditRow[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      id: r.id,
      created_at: r.createdAt.toISOString(),
      conversation_id: r.conversationId,
      actor: r.actor,
      kind: r.kind,
      step_key: r.stepKey,
      payload: r.payload,
    })),
    null,
    2,
  );
}
