import type { AuditEvent, ContentBlock } from '../audit/index.js';

/**
 * Rebuilds the Messages API conversation from the audit trail. The trail is the conversation's
 * durable state: a sentinel step that crashes is re-run from it, and a follow-up in the same Slack
 * thread sees the earlier questions, answers and tool results.
 */

export type { ContentBlock };
export interface TranscriptMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface ToolResultRecord {
  toolUseId: string;
  content: string;
  isError: boolean;
}

/** Rows that carry the result of one tool_use: a tool_result, or a refusal the model must read. */
export function toolResultOf(row: AuditEvent): ToolResultRecord | undefined {
  if (row.kind !== 'tool_result' && row.kind !== 'refused') return undefined;
  const p = row.payload;
  const result = row.kind === 'tool_result' ? row.payload.result : undefined;
  // hawk stores a successful result once, as JSON (`result`); other rows carry the text to show.
  const content = typeof p.forModel === 'string' ? p.forModel : result !== undefined ? JSON.stringify(result) : undefined;
  if (!p.toolUseId || content === undefined) return undefined;
  return { toolUseId: p.toolUseId, content, isError: row.kind === 'refused' || p.isError === true };
}

export function turnOf(row: AuditEvent): number {
  if (row.kind === 'message_in') return row.id;
  return Number(row.payload.turnId ?? Number.NaN);
}

export interface Transcript {
  messages: TranscriptMessage[];
  /** tool_use ids of the last assistant message that have no result yet. */
  pendingToolUses: string[];
}

/** Builds the transcript of every turn up to and including `turnId`. */
export function buildTranscript(rows: AuditEvent[], turnId: number): Transcript {
  const results = new Map<string, ToolResultRecord>();
  for (const r of rows) {
    const res = toolResultOf(r);
    if (res && !results.has(res.toolUseId)) results.set(res.toolUseId, res);
  }
  const messages: TranscriptMessage[] = [];
  const push = (m: TranscriptMessage) => {
    const last = messages[messages.length - 1];
    // The API wants alternating roles; a turn that ended without an answer leaves two user messages.
    if (last && last.role === m.role) last.content.push(...m.content);
    else messages.push(m);
  };
  let pending: string[] = [];
  // Group rows by turn (then write order): a turn's rows may have been written after a later
  // question arrived, and each turn must read as one exchange.
  const ordered = rows
    .map((row) => ({ row, turn: turnOf(row) }))
    .filter((r) => r.turn <= turnId)
    .sort((a, b) => a.turn - b.turn || a.row.id - b.row.id);
  for (const { row } of ordered) {
    if (row.kind === 'message_in') {
      const p = row.payload;
      closePending(pending, results, push, 'not run: the turn ended before this call completed');
      pending = [];
      push({ role: 'user', content: [{ type: 'text', text: `<@${p.user ?? 'user'}> asks: ${p.text ?? ''}` }] });
    } else if (row.kind === 'llm_response') {
      closePending(pending, results, push, 'not run: the turn ended before this call completed');
      const content = row.payload.content.filter(isReplayable);
      if (content.length === 0) continue;
      push({ role: 'assistant', content });
      pending = content.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
    }
  }
  const stillPending = pending.filter((id) => !results.has(id));
  if (pending.length && stillPending.length === 0) closePending(pending, results, push, '');
  return { messages, pendingToolUses: stillPending };
}

function closePending(
  pending: string[],
  results: Map<string, ToolResultRecord>,
  push: (m: TranscriptMessage) => void,
  missingText: string,
): void {
  if (pending.length === 0) return;
  push({
    role: 'user',
    content: pending.map((id) => {
      const r = results.get(id);
      return { type: 'tool_result', tool_use_id: id, content: r ? r.content : missingText, is_error: r ? r.isError : true };
    }),
  });
  pending.length = 0;
}

function isReplayable(b: ContentBlock): boolean {
  return b.type === 'text' || b.type === 'tool_use';
}
