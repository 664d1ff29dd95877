import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findByStepKey,
  parseAuditRow,
  parsedEvents,
  readTrail,
  readTrailRows,
  recordAudit,
  stepKey,
  toolInputOf,
  turnIdOf,
} from '../src/audit/index.js';
import { payloadField, stepKeyPrefix, type InvalidAuditRow } from '../src/audit/events.js';
import { usageByTurn } from '../src/audit/usage.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { recordConversation } from './helpers/questions.js';

const stored = (kind: string, payload: unknown, actor = 'sentinel') => ({
  id: 7,
  createdAt: new Date('2026-11-30T00:00:00Z'),
  conversationId: 'c1',
  actor,
  kind,
  stepKey: null,
  payload,
});

describe('audit event catalogue', () => {
  it('spells every step key of the grammar in one place', () => {
    expect(stepKey.in('Ev123')).toBe('in:Ev123');
    expect(stepKey.llm('41', 2)).toBe('llm:41:2');
    expect(stepKey.call(41, 'toolu_1')).toBe('call:41:toolu_1');
    expect(stepKey.result('41', 'toolu_1')).toBe('result:41:toolu_1');
    expect(stepKey.end('41')).toBe('end:41');
    expect(stepKey.out('41')).toBe('out:41');
    expect(stepKey.outError('41')).toBe('out-error:41');
    expect(stepKey.refused('41')).toBe('refused:41');
    // The sweep's SQL appends the turn id to these prefixes: they must be the keys minus the turn.
    expect(`${stepKeyPrefix('out')}41`).toBe(stepKey.out('41'));
    expect(`${stepKeyPrefix('outError')}41`).toBe(stepKey.outError('41'));
  });

  it('parses a row into its kind, keeping fields the catalogue does not name', () => {
    const parsed = parseAuditRow(
      stored('llm_response', { turnId: '3', step: 1, stopReason: 'end_turn', content: [{ type: 'text', text: 'hi' }], cacheHash: 'x' }),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.event.kind !== 'llm_response') throw new Error('expected an llm_response');
    expect(parsed.event.payload.content[0]).toEqual({ type: 'text', text: 'hi' });
    expect(parsed.event.payload.cacheHash).toBe('x');
  });

  it('reports a row that does not match its schema, naming the field', () => {
    const parsed = parseAuditRow(stored('llm_response', { turnId: '3', step: 1, content: 'not a list' }));
    expect(parsed).toEqual({
      ok: false,
      invalid: { id: 7, conversationId: 'c1', kind: 'llm_response', problems: expect.stringContaining('content') },
    });
    const actor = parseAuditRow(stored('message_in', { text: 'q' }, 'intruder'));
    expect(actor.ok ? '' : actor.invalid.problems).toBe('unknown actor intruder');
  });
});

describe('reading fields without casts', () => {
  it('reads a tool call input through a view: mistyped fields read as absent, a non-object as empty', () => {
    expect(toolInputOf({ service: 'ec2', operation: 'DescribeInstances', region: 7, params: 'x', extra: 1 })).toEqual({
      service: 'ec2',
      operation: 'DescribeInstances',
      region: undefined,
      params: undefined,
      extra: 1,
    });
    expect(toolInputOf({ url: 'https://docs.aws.amazon.com/x' }).url).toBe('https://docs.aws.amazon.com/x');
    expect(toolInputOf('not an object')).toEqual({});
    expect(toolInputOf(undefined)).toEqual({});
  });

  it('says which turn an event belongs to, and none for a question or an admin row', () => {
    const events = parsedEvents([
      stored('message_in', { text: 'hi' }),
      stored('llm_response', { turnId: '12', step: 1, content: [] }),
      stored('admin', { action: 'channel_bound', team: 'T1' }, 'admin'),
      stored('tool_result', { toolUseId: 'x' }), // no turnId: does not parse, left out
    ]);
    expect(events.map((e) => [e.kind, turnIdOf(e)])).toEqual([
      ['message_in', undefined],
      ['llm_response', '12'],
      ['admin', undefined],
    ]);
  });

  it('totals token usage per turn from the rows that parse', () => {
    const usage = usageByTurn([
      stored('llm_response', {
        turnId: '3',
        step: 1,
        content: [],
        usage: { input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 90 },
      }),
      stored('llm_response', { turnId: '3', step: 2, content: [], usage: { input_tokens: 5, output_tokens: 1 } }),
      stored('llm_response', { step: 3, content: [] }),
    ]);
    expect([...usage]).toEqual([['3', { calls: 2, input: 15, output: 3, cacheRead: 90, cacheCreation: 0 }]]);
  });

  it('names payload fields for SQL only as the schema declares them', () => {
    expect(payloadField('message_in', 'report')).toBe('report');
    // @ts-expect-error a field the message_in schema does not declare is a compile error, loose object or not
    payloadField('message_in', 'reprot');
  });
});

describe('audit events in Postgres', () => {
  let t: TestDatabase;
  let conversationId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    conversationId = await recordConversation(t.db, { teamId: 'T1', channelId: 'C1', threadTs: '5.000001', startedBy: 'U1' });
  });
  afterAll(() => t.drop());

  it('refuses to write a payload that does not match its kind, and writes nothing', async () => {
    const bad = { conversationId, actor: 'hawk', kind: 'tool_result', stepKey: 'result:1:t', payload: { turnId: 1 } } as const;
    // @ts-expect-error turnId is a string and toolUseId is required: the compiler refuses this too.
    await expect(recordAudit(t.db, bad)).rejects.toThrow(/tool_result does not match its schema: turnId: .*toolUseId/);
    expect(await findByStepKey(t.db, conversationId, 'result:1:t')).toBeUndefined();
  });

  it('reports a stored row that no longer parses and leaves it out of the trail', async () => {
    await recordAudit(t.db, { conversationId, actor: 'bot', kind: 'message_in', payload: { text: 'fine', user: 'U1' } });
    await t.db.execute(
      sql`INSERT INTO audit_events (conversation_id, actor, kind, payload)
        VALUES (${conversationId}, 'bot', 'message_in', '{"txt": 1}'::jsonb)`,
    );
    const reported: InvalidAuditRow[] = [];
    const trail = await readTrail(t.db, conversationId, (row) => reported.push(row));
    expect(trail.map((e) => e.kind === 'message_in' && e.payload.text)).toEqual(['fine']);
    expect(reported).toEqual([{ id: expect.any(Number), conversationId, kind: 'message_in', problems: expect.stringContaining('text') }]);
    // The operator's view shows every row as stored, the malformed one included.
    expect((await readTrailRows(t.db, conversationId)).map((r) => r.payload)).toEqual([{ text: 'fine', user: 'U1' }, { txt: 1 }]);
  });

  it('refuses to reuse a step key for an event of another kind', async () => {
    await recordAudit(t.db, {
      conversationId,
      actor: 'sentinel',
      kind: 'error',
      stepKey: stepKey.end('9'),
      payload: { turnId: '9', outcome: 'error' },
    });
    await expect(
      recordAudit(t.db, { conversationId, actor: 'bot', kind: 'message_out', stepKey: stepKey.end('9'), payload: { turnId: '9' } }),
    ).rejects.toThrow('step key end:9 already holds a error row, not message_out');
  });
});
