import { describe, expect, it } from 'vitest';
import { buildTranscript } from '../src/agents/transcript.js';
import { collectSources, groundText } from '../src/grounding/index.js';
import { parseAuditRow, type AuditEvent } from '../src/audit/index.js';

let id = 0;
/** A trail row as readTrail returns it: parsed against the event catalogue (steps default to 0). */
const row = (kind: string, payload: Record<string, unknown>): AuditEvent => {
  const parsed = parseAuditRow({
    id: ++id,
    createdAt: new Date(),
    conversationId: 'c',
    actor: 'sentinel',
    kind,
    stepKey: null,
    payload: { step: 0, ...payload },
  });
  if (!parsed.ok) throw new Error(parsed.invalid.problems);
  return parsed.event;
};

describe('transcript from the audit trail', () => {
  it('pairs every tool_use with its result and carries earlier turns into a follow-up', () => {
    const q1 = row('message_in', { text: 'cost?', user: 'U1' });
    const t1 = String(q1.id);
    const rows = [
      q1,
      row('llm_request', { turnId: t1 }),
      row('llm_response', { turnId: t1, content: [{ type: 'tool_use', id: 'a', name: 'aws_query', input: {} }] }),
      row('tool_call', { turnId: t1, toolUseId: 'a' }),
      row('tool_result', { turnId: t1, toolUseId: 'a', forModel: '{"x":1}' }),
      row('llm_response', { turnId: t1, content: [{ type: 'text', text: 'It was $1.' }] }),
      row('message_out', { turnId: t1 }),
    ];
    const q2 = row('message_in', { text: 'and last month?', user: 'U1' });
    rows.push(q2);
    const { messages, pendingToolUses } = buildTranscript(rows, q2.id);
    expect(pendingToolUses).toEqual([]);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages[2]!.content).toEqual([{ type: 'tool_result', tool_use_id: 'a', content: '{"x":1}', is_error: false }]);
    expect(messages[4]!.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('and last month?') });
  });

  it('reports missing results for the current step, and closes an abandoned one as an error', () => {
    const q1 = row('message_in', { text: 'q1', user: 'U1' });
    const resp = row('llm_response', { turnId: String(q1.id), content: [{ type: 'tool_use', id: 'b', name: 'aws_query', input: {} }] });
    expect(buildTranscript([q1, resp], q1.id).pendingToolUses).toEqual(['b']);
    const q2 = row('message_in', { text: 'q2', user: 'U1' });
    const { messages } = buildTranscript([q1, resp, q2], q2.id);
    // The abandoned tool_use gets an error result, and the new question joins that user message.
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[2]!.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'b', is_error: true });
    expect(messages[2]!.content[1]).toMatchObject({ type: 'text' });
  });

  it('ignores later turns when rebuilding an earlier one', () => {
    const q1 = row('message_in', { text: 'first', user: 'U1' });
    const q2 = row('message_in', { text: 'second', user: 'U1' });
    expect(buildTranscript([q1, q2], q1.id).messages).toHaveLength(1);
  });
});

describe('transcript limits', () => {
  /** A finished turn: question, a tool call on `account`, its result, and the answer. */
  const turn = (account: string, resultChars: number, answer: string) => {
    const q = row('message_in', { text: `about ${account}`, user: 'U1' });
    const tId = String(q.id);
    const use = `use_${q.id}`;
    return [
      q,
      row('llm_response', {
        turnId: tId,
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: use, name: 'aws_query', input: { account } },
        ],
      }),
      row('tool_result', { turnId: tId, toolUseId: use, account, result: { data: 'x'.repeat(resultChars) } }),
      row('llm_response', { turnId: tId, content: [{ type: 'text', text: answer }] }),
    ];
  };

  it('withholds results of accounts out of scope and every model text written after them, keeping prior text', () => {
    const rows = [...turn('prod', 10, 'prod: $1'), ...turn('partner', 10, 'partner: $2'), ...turn('prod', 10, 'prod again: $3')];
    const q = row('message_in', { text: 'now?', user: 'U1' });
    const { messages, trimmed } = buildTranscript([...rows, q], q.id, { scope: ['prod'] });
    const json = JSON.stringify(messages);
    expect(json).toContain('prod: $1');
    expect(json).not.toContain('partner: $2');
    // Written after reading partner's data: it may quote it.
    expect(json).not.toContain('prod again: $3');
    expect(trimmed.withheld).toEqual({ results: 1, texts: 3 }); // partner's answer, then turn 3's two texts
    // The pairing survives: every tool_use still has its tool_result.
    const uses = messages
      .flatMap((m) => m.content)
      .filter((b) => b.type === 'tool_use')
      .map((b) => b.id);
    const results = messages
      .flatMap((m) => m.content)
      .filter((b) => b.type === 'tool_result')
      .map((b) => b.tool_use_id);
    expect(results).toEqual(uses);
  });

  it('past the budget, summarises older results first, then leaves out whole older turns; never the newest results or question', () => {
    const rows = Array.from({ length: 6 }, (_, i) => turn('prod', 4_000, `answer ${i} ${'z'.repeat(3_000)}`)).flat();
    const q = row('message_in', { text: 'latest question', user: 'U1' });
    const resp = row('llm_response', { turnId: String(q.id), content: [{ type: 'tool_use', id: 'newest', name: 'aws_query', input: {} }] });
    const res = row('tool_result', { turnId: String(q.id), toolUseId: 'newest', account: 'prod', result: { data: 'n'.repeat(8_000) } });
    const { messages, trimmed } = buildTranscript([...rows, q, resp, res], q.id, { scope: ['prod'], budgetTokens: 2_000 });
    const json = JSON.stringify(messages);
    expect(trimmed.summarised).toBeGreaterThan(0);
    expect(trimmed.droppedTurns).toBeGreaterThan(0);
    expect(json).toContain('n'.repeat(8_000));
    expect(json).toContain('latest question');
    expect(messages[0]!.role).toBe('user');
    expect(JSON.stringify(messages[0]!.content[0])).toMatch(/earlier question\(s\) of this thread left out/);
    expect(messages.map((m) => m.role)).toEqual(messages.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')));
    // Everything but the newest result and question fits the budget.
    expect(trimmed.estimatedTokens).toBeLessThanOrEqual(2_000 + Math.ceil(JSON.stringify(res.payload).length / 4) + 50);
  });
});

describe('numbers in answers (grounding)', () => {
  const sources = collectSources([{ ref: 'toolu_1', data: '{"total":"1234.5612","count":42,"period":"2026-11-01"}' }]);
  it('accepts numbers copied or rounded from tool results', () => {
    expect(groundText('Spend was $1,234.56 ($1,235) over 42 instances since 2026-11-01.', sources).unverified).toEqual([]);
  });
  it('reports invented figures and ignores small list markers', () => {
    expect(groundText('1. Spend rose 12.5% to $9,999.', sources).unverified.map((f) => f.text)).toEqual(['12.5%', '$9,999']);
  });
});
