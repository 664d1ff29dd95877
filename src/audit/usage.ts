import { isKind, parsedEvents, type AuditRow } from './events.js';

/** Token use per answer (turn), from its llm_response rows: what `plainfra audit` totals. */
export interface TurnUsage {
  calls: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

export function usageByTurn(rows: AuditRow[]): Map<string, TurnUsage> {
  const out = new Map<string, TurnUsage>();
  // Rows that do not parse are left out of the totals (plainfra audit still prints them raw).
  for (const r of parsedEvents(rows).filter(isKind('llm_response'))) {
    const u = r.payload.usage ?? {};
    const key = r.payload.turnId;
    const t = out.get(key) ?? { calls: 0, input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
    t.calls++;
    t.input += u.input_tokens ?? 0;
    t.output += u.output_tokens ?? 0;
    t.cacheRead += u.cache_read_input_tokens ?? 0;
    t.cacheCreation += u.cache_creation_input_tokens ?? 0;
    out.set(key, t);
  }
  return out;
}

/** One line: calls and tokens, with the share of input read from the prompt cache. */
export function formatUsage(turnId: string, u: TurnUsage): string {
  const allInput = u.input + u.cacheRead + u.cacheCreation;
  const share = allInput > 0 ? Math.round((u.cacheRead / allInput) * 100) : 0;
  return (
    `  turn ${turnId} LLM usage: ${u.calls} call${u.calls === 1 ? '' : 's'}, ` +
    `input ${u.input} + cache read ${u.cacheRead} + cache write ${u.cacheCreation} tokens (${share}% from cache), output ${u.output} tokens`
  );
}
