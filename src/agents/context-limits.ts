import type { ContentBlock } from '../audit/index.js';

/**
 * What a step may replay to the model. Two limits, applied to the transcript's blocks before they
 * become messages:
 *   - scope: results of accounts the conversation may no longer query are withheld, and so is
 *     everything the model wrote after reading one (it may quote them);
 *   - size: past a token budget, older tool results become a one-line note, then whole older turns
 *     go. The newest step's results and the current question are always kept whole.
 */

/**
 * Default budget in estimated tokens (characters / 4) for the replayed transcript. About 4 full
 * tool results (12 000 characters each) plus the thread's questions and answers.
 */
export const TRANSCRIPT_BUDGET_TOKENS = 16_000;

export interface Entry {
  role: 'user' | 'assistant';
  kind: 'question' | 'text' | 'tool_use' | 'tool_result' | 'note';
  /** The turn (message_in id) the block belongs to. */
  turn: number;
  /** Audit row the block came from: write order across the thread. */
  rowId: number;
  /** For tool results: the AWS account the data came from. */
  account?: string;
  block: ContentBlock;
}

export interface TrimReport {
  withheld: { results: number; texts: number };
  /** Older results replaced by a note to stay within the budget. */
  summarised: number;
  /** Whole older turns left out to stay within the budget. */
  droppedTurns: number;
  /** Estimated tokens of the messages sent. */
  estimatedTokens: number;
}

const WITHHELD_RESULT =
  '[withheld: this result came from an AWS account this conversation may no longer query. Do not use or repeat anything from it.]';
const WITHHELD_TEXT = '[withheld: an earlier answer written after reading data from an AWS account this conversation may no longer query]';

export function withholdOutOfScope(entries: Entry[], scope: readonly string[]): TrimReport['withheld'] {
  const allowed = new Set(scope);
  let firstWithheld = Number.POSITIVE_INFINITY;
  let results = 0;
  for (const e of entries) {
    if (e.kind !== 'tool_result' || e.account === undefined || allowed.has(e.account)) continue;
    e.block = { ...e.block, content: WITHHELD_RESULT, is_error: false };
    firstWithheld = Math.min(firstWithheld, e.rowId);
    results++;
  }
  let texts = 0;
  for (const e of entries) {
    // Model text written after the first withheld result may quote it, in that turn or a later one.
    if (e.kind === 'text' && e.role === 'assistant' && e.rowId > firstWithheld) {
      e.block = { type: 'text', text: WITHHELD_TEXT };
      texts++;
    }
  }
  return { results, texts };
}

/** Characters / 4: the usual rough size of English and JSON in Claude tokens; what the bound is stated in. */
export function estimateTokens(block: unknown): number {
  return Math.ceil(JSON.stringify(block).length / 4);
}

export function fitBudget(entries: Entry[], budgetTokens: number): { entries: Entry[]; report: Omit<TrimReport, 'withheld'> } {
  const lastTurn = entries.reduce((m, e) => Math.max(m, e.turn), Number.NEGATIVE_INFINITY);
  // Always kept: the newest step's results (what the model just asked for) and the current question.
  const kept = new Set<Entry>();
  for (let i = entries.length - 1; i >= 0 && entries[i]!.kind === 'tool_result'; i--) kept.add(entries[i]!);
  for (const e of entries) if (e.kind === 'question' && e.turn === lastTurn) kept.add(e);

  let total = entries.reduce((s, e) => s + (kept.has(e) ? 0 : estimateTokens(e.block)), 0);
  let summarised = 0;
  for (const e of entries) {
    if (total <= budgetTokens) break;
    if (e.kind !== 'tool_result' || kept.has(e)) continue;
    const before = estimateTokens(e.block);
    const chars = String(e.block.content ?? '').length;
    e.block = {
      ...e.block,
      content: leftOutText(chars),
    };
    total -= before - estimateTokens(e.block);
    summarised++;
  }

  let out = entries;
  let droppedTurns = 0;
  if (total > budgetTokens) {
    // Still too big: leave out whole earlier turns, oldest first, so tool_use/tool_result pairs stay intact.
    const turns = [...new Set(entries.map((e) => e.turn))].filter((t) => t !== lastTurn);
    const gone = new Set<number>();
    for (const t of turns) {
      if (total <= budgetTokens) break;
      for (const e of entries) if (e.turn === t && !kept.has(e)) total -= estimateTokens(e.block);
      gone.add(t);
    }
    droppedTurns = gone.size;
    const first = entries.find((e) => !gone.has(e.turn));
    const note: Entry = {
      role: 'user',
      kind: 'note',
      turn: first?.turn ?? lastTurn,
      rowId: first?.rowId ?? 0,
      block: { type: 'text', text: `[${droppedTurns} earlier question(s) of this thread left out to keep it within its size budget]` },
    };
    out = [note, ...entries.filter((e) => !gone.has(e.turn))];
    total += estimateTokens(note.block);
  }
  const estimatedTokens = out.reduce((s, e) => s + estimateTokens(e.block), 0);
  return { entries: out, report: { summarised, droppedTurns, estimatedTokens } };
}

/** What the model reads in place of an older result left out of the replay. */
function leftOutText(chars: number): string {
  return `[older result left out to keep this thread within its size budget (${chars} characters); call the tool again if you need it]`;
}
