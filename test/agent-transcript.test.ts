import { describe, expect, it } from 'vitest';
import { buildTranscript } from '../src/agents/index.js';
import { unsupportedNumbers } from '../src/agents/numbers.js';
import { parseAuditRow, type AuditEvent } from '../src/audit/index.js';

let id = 0;
/** A trail row as readTrail returns it: parsed against the event catalogue (steps default to 0). */
const row = (kind: string, payload: Record<string, unknown>): AuditEvent => {
  const parsed = parseAuditRow({ id: ++id, createdAt: new Date(), conversationId: 'c', actor: 'sentinel', kind, stepKey: null, payload: { step: 0, ...payload } });
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

describe('numbers in answers', () => {
  const sources = ['{"total":"1234.5612","count":42,"period":"2026-11-01"}'];
  it('accepts numbers copied or rounded from tool results', () => {
    expect(unsupportedNumbers('Spend was $1,234.56 ($1,235) over 42 instances since 2026-11-01.', sources)).toEqual([]);
  });
  it('reports invented figures and ignores small list markers', () => {
    expect(unsupportedNumbers('1. Spend rose 12.5% to $9,999.', sources)).toEqual(['12.5', '9999']);
  });
});
