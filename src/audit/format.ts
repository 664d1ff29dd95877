import { parseAuditRow, type AuditRow } from './events.js';
import { formatUsage, usageByTurn } from './usage.js';

const MAX_PAYLOAD_CHARS = 400;

/**
 * Human-readable trail for `plainfra audit`: one line per event, payload abbreviated, and after
 * each answer (its message_out) the turn's LLM calls and tokens; turns without an answer yet get
 * theirs at the end.
 */
export function formatTrail(rows: AuditRow[]): string {
  if (rows.length === 0) return '(no audit events)';
  const usage = usageByTurn(rows);
  const lines: string[] = [];
  for (const r of rows) {
    const payload = JSON.stringify(r.payload);
    const short = payload.length > MAX_PAYLOAD_CHARS ? `${payload.slice(0, MAX_PAYLOAD_CHARS)}… (${payload.length} chars)` : payload;
    lines.push(`${r.createdAt.toISOString()}  #${r.id}  ${r.actor.padEnd(8)} ${r.kind.padEnd(12)} ${short}`);
    const turnId = answeredTurn(r);
    const u = turnId === undefined ? undefined : usage.get(turnId);
    if (turnId !== undefined && u) {
      lines.push(formatUsage(turnId, u));
      usage.delete(turnId);
    }
  }
  for (const [turnId, u] of usage) lines.push(formatUsage(turnId, u));
  return lines.join('\n');
}

/** The turn a row answers, when it is a message_out that parses. */
function answeredTurn(row: AuditRow): string | undefined {
  // Only answers are parsed here (usage already parsed every row once).
  if (row.kind !== 'message_out') return undefined;
  const parsed = parseAuditRow(row);
  return parsed.ok && parsed.event.kind === 'message_out' ? parsed.event.payload.turnId : undefined;
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
