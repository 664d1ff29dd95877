import type { AuditEvent, ContentBlock } from '../audit/index.js';
import { fitBudget, TRANSCRIPT_BUDGET_TOKENS, withholdOutOfScope, type Entry, type TrimReport } from './context-limits.js';

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
  /** The AWS account whose data this is (hawk's results); absent for docs pages and early refusals. */
  account?: string;
  /** Audit row id: the order in which results and model output were written. */
  rowId: number;
}

/** Rows that carry the result of one tool_use: a tool_result, or a refusal the model must read. */
export function toolResultOf(row: AuditEvent): ToolResultRecord | undefined {
  if (row.kind !== 'tool_result' && row.kind !== 'refused') return undefined;
  const p = row.payload;
  const result = row.kind === 'tool_result' ? row.payload.result : undefined;
  // hawk stores a successful result once, as JSON (`result`); other rows carry the text to show.
  const content = typeof p.forModel === 'string' ? p.forModel : result !== undefined ? JSON.stringify(result) : undefined;
  if (!p.toolUseId || content === undefined) return undefined;
  const account = typeof p.account === 'string' ? p.account : undefined;
  return { toolUseId: p.toolUseId, content, isError: row.kind === 'refused' || p.isError === true, account, rowId: row.id };
}

export function turnOf(row: AuditEvent): number {
  if (row.kind === 'message_in') return row.id;
  return Number(row.payload.turnId ?? Number.NaN);
}

export interface Transcript {
  messages: TranscriptMessage[];
  /** tool_use ids of the last assistant message that have no result yet. */
  pendingToolUses: string[];
  /** What was withheld or shortened, for the llm_request audit row. */
  trimmed: TrimReport;
}

export interface TranscriptOptions {
  /**
   * The accounts the conversation may query now. Results of any other account (a binding removed
   * since, or a thread that became Slack Connect) are withheld, with the model text written after
   * them. Omitted: nothing is withheld (tests of the plain replay).
   */
  scope?: readonly string[];
  /** Estimated-token budget of the replay; see `fitBudget`. */
  budgetTokens?: number;
}

/** Builds the transcript of every turn up to and including `turnId`. */
export function buildTranscript(rows: AuditEvent[], turnId: number, opts: TranscriptOptions = {}): Transcript {
  const results = recordedResults(rows);
  const { entries, pending } = replayTurns(rows, turnId, results);
  const stillPending = pending.filter((p) => !results.has(p.id)).map((p) => p.id);
  if (pending.length && stillPending.length === 0) entries.push(...toolResultEntries(pending, results, ''));

  const withheld = opts.scope ? withholdOutOfScope(entries, opts.scope) : { results: 0, texts: 0 };
  const fitted = fitBudget(entries, opts.budgetTokens ?? TRANSCRIPT_BUDGET_TOKENS);
  return { messages: assemble(fitted.entries), pendingToolUses: stillPending, trimmed: { withheld, ...fitted.report } };
}

/** A tool_use of the model's, waiting for its result in the replay. */
interface PendingToolUse {
  id: string;
  turn: number;
}

/** The first recorded result of each tool_use (a retried call may have written more than one). */
function recordedResults(rows: AuditEvent[]): Map<string, ToolResultRecord> {
  const results = new Map<string, ToolResultRecord>();
  for (const r of rows) {
    const res = toolResultOf(r);
    if (res && !results.has(res.toolUseId)) results.set(res.toolUseId, res);
  }
  return results;
}

/**
 * The thread as entries, turn by turn, each tool_use followed by its result. A call still
 * pending when the next question, response or note comes was never run; the last response's
 * calls are returned as pending.
 */
function replayTurns(
  rows: AuditEvent[],
  turnId: number,
  results: Map<string, ToolResultRecord>,
): { entries: Entry[]; pending: PendingToolUse[] } {
  const entries: Entry[] = [];
  let pending: PendingToolUse[] = [];
  for (const { row, turn } of rowsByTurn(rows, turnId)) {
    const next = entriesOf(row, turn);
    if (!next) continue;
    entries.push(...toolResultEntries(pending, results, 'not run: the turn ended before this call completed'), ...next.entries);
    pending = next.toolUses;
  }
  return { entries, pending };
}

/**
 * Rows grouped by turn (then write order): a turn's rows may have been written after a later
 * question arrived, and each turn must read as one exchange.
 */
function rowsByTurn(rows: AuditEvent[], turnId: number): { row: AuditEvent; turn: number }[] {
  return rows
    .map((row) => ({ row, turn: turnOf(row) }))
    .filter((r) => r.turn <= turnId)
    .sort((a, b) => a.turn - b.turn || a.row.id - b.row.id);
}

/** What one row adds to the replay (a question, the model's output, plainfra's note), with the calls it makes. */
function entriesOf(row: AuditEvent, turn: number): { entries: Entry[]; toolUses: PendingToolUse[] } | undefined {
  if (row.kind === 'message_in') {
    const p = row.payload;
    const block = { type: 'text', text: `<@${p.user ?? 'user'}> asks: ${p.text ?? ''}` };
    return { entries: [{ role: 'user', kind: 'question', turn, rowId: row.id, block }], toolUses: [] };
  }
  if (row.kind === 'llm_response') {
    const content = row.payload.content.filter(isReplayable);
    return {
      entries: content.map((block) => ({
        role: 'assistant',
        kind: block.type === 'tool_use' ? 'tool_use' : 'text',
        turn,
        rowId: row.id,
        block,
      })),
      toolUses: content.filter((b) => b.type === 'tool_use').map((b) => ({ id: String(b.id), turn })),
    };
  }
  if (row.kind === 'grounding' && row.payload.verdict === 'sent_back' && row.payload.forModel) {
    // The draft went back to the model: plainfra's note follows it, as the user's next message.
    const block = { type: 'text', text: row.payload.forModel };
    return { entries: [{ role: 'user', kind: 'note', turn, rowId: row.id, block }], toolUses: [] };
  }
  return undefined;
}

/** The results of the pending calls, in call order; a call with none gets `missingText` as an error. */
function toolResultEntries(pending: PendingToolUse[], results: Map<string, ToolResultRecord>, missingText: string): Entry[] {
  return pending.map(({ id, turn }) => {
    const r = results.get(id);
    return {
      role: 'user',
      kind: 'tool_result',
      turn,
      rowId: r?.rowId ?? Number.MAX_SAFE_INTEGER,
      account: r?.account,
      block: { type: 'tool_result', tool_use_id: id, content: r ? r.content : missingText, is_error: r ? r.isError : true },
    };
  });
}

/** Consecutive blocks of one role form one message: the API wants alternating roles. */
function assemble(entries: Entry[]): TranscriptMessage[] {
  const messages: TranscriptMessage[] = [];
  for (const e of entries) {
    const last = messages[messages.length - 1];
    if (last && last.role === e.role) last.content.push(e.block);
    else messages.push({ role: e.role, content: [e.block] });
  }
  return messages;
}

function isReplayable(b: ContentBlock): boolean {
  return b.type === 'text' || b.type === 'tool_use';
}
