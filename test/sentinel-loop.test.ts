import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail, recordAudit } from '../src/audit/index.js';
import { conversations } from '../src/db/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { abandonTurn, createAnthropicLlm, LlmError, runTurnStep, type Llm } from '../src/agents/index.js';
import type { LlmRequest, LlmResponse } from '../src/agents/llm.js';
import { startFakeAnthropic } from './fakes/anthropic.js';
import { recordQuestion } from './helpers/questions.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropTurnQueues, openTurnQueues, type TurnQueues } from './helpers/queue-probes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** The agent loop, one durable step at a time, with a scripted model in-process. */

const TEAM = 'T0LOOP001';
const CHANNEL = 'C0LOOP001';
const logger = pino({ level: 'silent' });

class ScriptedLlm implements Llm {
  calls: LlmRequest[] = [];
  constructor(private readonly answer: (req: LlmRequest, n: number) => Partial<LlmResponse> | Error) {}
  async create(req: LlmRequest): Promise<LlmResponse> {
    this.calls.push(structuredClone(req));
    const out = this.answer(req, this.calls.length - 1);
    if (out instanceof Error) throw out;
    return { id: `msg_${this.calls.length}`, model: req.model, content: [], stopReason: 'end_turn', usage: {}, ...out };
  }
}

const text = (t: string): Partial<LlmResponse> => ({ content: [{ type: 'text', text: t }], stopReason: 'end_turn' });
const toolUse = (...blocks: { id: string; name: string; input: unknown }[]): Partial<LlmResponse> => ({
  content: blocks.map((b) => ({ type: 'tool_use', ...b })),
  stopReason: 'tool_use',
});

describe('sentinel agent loop', () => {
  let t: TestDatabase;
  let redis: Redis;
  let enqueuer: Enqueuer;
  let prefix: string;
  let queues: TurnQueues;
  let docs: Server;
  let docsUrl: string;
  let threadSeq = 0;

  const deps = (llm: Llm, over: Partial<Parameters<typeof runTurnStep>[0]> = {}) => ({
    db: t.db,
    enqueuer,
    llm,
    logger,
    model: 'claude-test',
    maxSteps: 4,
    docsBaseUrl: docsUrl,
    ...over,
  });

  /** A conversation with one question, as the bot would have recorded it. */
  async function ask(question: string) {
    const threadTs = `1764000000.${String(++threadSeq).padStart(6, '0')}`;
    return recordQuestion(t.db, { teamId: TEAM, channelId: CHANNEL, threadTs, user: 'U0ASKER', text: question });
  }

  const kinds = async (conversationId: string) => (await readTrail(t.db, conversationId)).map((r) => r.kind);
  const job = async (name: keyof typeof queues, id: string) => queues[name].getJob(id);

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    enqueuer = new Enqueuer(redis, prefix);
    queues = openTurnQueues(redis, prefix);
    await addAccount(t.db, {
      teamId: TEAM,
      name: 'prod',
      roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly',
      regions: ['eu-west-1'],
    });
    await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    docs = createServer((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(302, { location: 'https://evil.example/steal' }).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<html><script>x()</script><h1>GetCostAndUsage</h1><p>End is <b>exclusive</b> &amp; dates are UTC.</p></html>');
    });
    await new Promise<void>((r) => docs.listen(0, '127.0.0.1', r));
    docsUrl = `http://127.0.0.1:${(docs.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await dropTurnQueues(queues);
    await enqueuer.close();
    redis.disconnect();
    docs.close();
    await t.drop();
    await dropPrefix(prefix);
  });

  beforeEach(() => undefined);

  it('hands aws_query calls to hawk in one job, after auditing the LLM request and response', async () => {
    const q = await ask('what did EC2 cost in October?');
    const llm = new ScriptedLlm(() =>
      toolUse({
        id: 'toolu_1',
        name: 'aws_query',
        input: { service: 'ce', operation: 'GetCostAndUsage', params: { Granularity: 'MONTHLY' } },
      }),
    );
    await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false });
    expect(await kinds(q.conversationId)).toEqual(['message_in', 'llm_request', 'llm_response']);
    const hawkJob = await job('hawk', `h-${q.turnId}-0`);
    expect(hawkJob?.data.calls).toEqual([
      { toolUseId: 'toolu_1', input: { service: 'ce', operation: 'GetCostAndUsage', params: { Granularity: 'MONTHLY' } } },
    ]);
    // The model was told which accounts this channel may query, and given exactly two tools.
    expect(llm.calls[0]!.system).toContain('prod (regions: eu-west-1)');
    expect(llm.calls[0]!.tools.map((tool) => tool.name)).toEqual(['aws_query', 'aws_docs']);
  });

  it('resumes a retried step from the audit log without calling the model again', async () => {
    const q = await ask('how many instances?');
    const llm = new ScriptedLlm(() =>
      toolUse({ id: 'toolu_2', name: 'aws_query', input: { service: 'ec2', operation: 'DescribeInstances' } }),
    );
    await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false });
    await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 2, isFinal: false });
    expect(llm.calls).toHaveLength(1);
    expect((await kinds(q.conversationId)).filter((k) => k === 'llm_response')).toHaveLength(1);
  });

  it('does not call the model when the audit write fails (no audit row, no action)', async () => {
    const q = await ask('anything');
    await t.db.execute(sql`CREATE OR REPLACE FUNCTION test_fail_llm_request() RETURNS trigger AS $$
      BEGIN IF NEW.kind = 'llm_request' THEN RAISE EXCEPTION 'audit disk full'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql`);
    await t.db.execute(
      sql`CREATE TRIGGER test_fail_llm_request BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_fail_llm_request()`,
    );
    const llm = new ScriptedLlm(() => text('should never be asked'));
    try {
      await expect(runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false })).rejects.toThrow(
        /Failed query: insert into "audit_events"/,
      );
      expect(llm.calls).toHaveLength(0);
    } finally {
      await t.db.execute(sql`DROP TRIGGER test_fail_llm_request ON audit_events`);
    }
  });

  it('rebuilds the transcript with tool results, then enqueues the final answer as a reply', async () => {
    const q = await ask('what did EC2 cost in October?');
    const llm = new ScriptedLlm((_req, n) =>
      n === 0
        ? toolUse({ id: 'toolu_3', name: 'aws_query', input: { service: 'ce', operation: 'GetCostAndUsage' } })
        : text('EC2 cost *$812.40* in October.'),
    );
    await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false });
    // hawk's part, as the hawk worker records it:
    await recordAudit(t.db, {
      conversationId: q.conversationId,
      actor: 'hawk',
      kind: 'tool_result',
      stepKey: `result:${q.turnId}:toolu_3`,
      payload: { turnId: q.turnId, step: 0, toolUseId: 'toolu_3', forModel: '{"total":{"UnblendedCost":"812.4","unit":"USD"}}' },
    });
    await runTurnStep(deps(llm), { ...q, step: 1 }, { number: 1, isFinal: false });
    const second = llm.calls[1]!;
    expect(second.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(second.messages[2]!.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_3', is_error: false });
    const reply = await job('replies', `r-${q.turnId}`);
    expect(reply?.data).toMatchObject({ text: 'EC2 cost *$812.40* in October.', outcome: 'answer' });
  });

  it('sends an answer with figures no tool result supports back to the model once, naming them', async () => {
    const q = await ask('what did S3 cost?');
    const llm = new ScriptedLlm(() => text('S3 cost $4,321.99 this month, up 17.5% from 2,000 last month.'));
    await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false });
    expect(await job('replies', `r-${q.turnId}`)).toBeUndefined();
    expect(await job('sentinel', `s-${q.turnId}-1`)).toBeDefined();
    await runTurnStep(deps(llm), { ...q, step: 1 }, { number: 1, isFinal: false });
    // The second step read the draft and plainfra's note naming every unsupported figure.
    const note = JSON.stringify(llm.calls[1]!.messages.at(-1));
    expect(note).toContain('$4,321.99, 17.5%, 2,000');
    const reply = await job('replies', `r-${q.turnId}`);
    expect(reply?.data.text).toBe(
      'S3 cost [figure removed: not in the AWS data] this month, ' +
        'up [figure removed: not in the AWS data] from [figure removed: not in the AWS data] last month.',
    );
  });

  it('runs aws_docs only on the docs host, refusing other hosts and off-host redirects', async () => {
    const q = await ask('what does End mean in GetCostAndUsage?');
    const llm = new ScriptedLlm(() =>
      toolUse(
        { id: 'toolu_d1', name: 'aws_docs', input: { url: `${docsUrl}/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html` } },
        { id: 'toolu_d2', name: 'aws_docs', input: { url: 'http://169.254.169.254/latest/meta-data/' } },
        { id: 'toolu_d3', name: 'aws_docs', input: { url: `${docsUrl}/moved` } },
        { id: 'toolu_d4', name: 'shell', input: { cmd: 'rm -rf /' } },
      ),
    );
    await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false });
    const trail = await readTrail(t.db, q.conversationId);
    const result = (id: string) => trail.find((r) => (r.kind === 'tool_result' || r.kind === 'refused') && r.payload.toolUseId === id)!;
    expect(result('toolu_d1').kind).toBe('tool_result');
    expect(result('toolu_d1').payload.forModel).toContain('End is exclusive & dates are UTC.');
    expect(result('toolu_d1').payload.forModel).not.toContain('x()');
    expect(result('toolu_d2').kind).toBe('refused');
    expect(result('toolu_d2').payload.forModel).toMatch(/only http:\/\/127\.0\.0\.1:\d+ documentation pages/);
    expect(result('toolu_d3').kind).toBe('refused');
    expect(result('toolu_d4').payload.forModel).toMatch(/no tool named shell/);
    // No aws_query calls: the sentinel continues itself.
    expect(await job('sentinel', `s-${q.turnId}-1`)).toBeDefined();
    expect(await job('hawk', `h-${q.turnId}-0`)).toBeUndefined();
  });

  it('makes the last allowed step without tools, and stops with an explanation past the cap', async () => {
    const q = await ask('dig deep');
    const llm = new ScriptedLlm(() => text('Here is what I found.'));
    await runTurnStep(deps(llm, { maxSteps: 2 }), { ...q, step: 1 }, { number: 1, isFinal: false });
    expect(llm.calls[0]!.toolChoice).toBe('none');
    expect(llm.calls[0]!.system).toContain('step limit');

    const q2 = await ask('dig deeper');
    await runTurnStep(deps(new ScriptedLlm(() => text('unused')), { maxSteps: 2 }), { ...q2, step: 2 }, { number: 1, isFinal: false });
    const reply = await job('replies', `r-${q2.turnId}`);
    expect(reply?.data).toMatchObject({ outcome: 'step_cap' });
    expect(reply?.data.text).toMatch(/stopped after 2 steps/);
  });

  it('retries a rate-limited model call, and on the last attempt apologises in the thread', async () => {
    const q = await ask('costs?');
    const llm = new ScriptedLlm(() => new LlmError('language model API error (HTTP 529): Overloaded', 529, true));
    await expect(runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false })).rejects.toThrow(/529/);
    expect(await job('replies', `r-${q.turnId}`)).toBeUndefined();
    await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 2, isFinal: true });
    const reply = await job('replies', `r-${q.turnId}`);
    expect(reply?.data.outcome).toBe('error');
    expect(reply?.data.text).toMatch(/overloaded or rate-limited right now \(HTTP 529\)/);
    expect((await kinds(q.conversationId)).filter((k) => k === 'error').length).toBeGreaterThanOrEqual(2);
  });

  it('gives up at once on a rejected API key and says who should fix it', async () => {
    const q = await ask('costs?');
    const llm = new ScriptedLlm(() => new LlmError('language model API error (HTTP 401): invalid x-api-key', 401, false));
    await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false });
    expect((await job('replies', `r-${q.turnId}`))?.data.text).toMatch(/ANTHROPIC_API_KEY on the sentinel/);
  });

  it('talks to the Messages API through the real SDK: tool definitions, cache breakpoints, 529 retried', async () => {
    const fake = await startFakeAnthropic({
      apiKey: 'sk-loop',
      script: [{ error: { status: 529, retryAfter: 0.01 } }, { text: 'fine' }],
    });
    try {
      const llm = createAnthropicLlm({ apiKey: 'sk-loop', baseURL: fake.url, maxRetries: 2 });
      const q = await ask('hello?');
      await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false });
      expect(fake.requests.map((r) => r.status)).toEqual([529, 200]);
      const body = fake.requests[1]!.body;
      expect(body.tools?.map((tool) => tool.name)).toEqual(['aws_query', 'aws_docs']);
      expect(body.tools?.[1]).toHaveProperty('cache_control', { type: 'ephemeral' });
      expect(body.tool_choice).toEqual({ type: 'auto' });
      expect((await job('replies', `r-${q.turnId}`))?.data.text).toBe('fine');
    } finally {
      await fake.close();
    }
  });

  it('makes one HTTP request per attempt with the default client, and audits each (no hidden SDK retries)', async () => {
    const fake = await startFakeAnthropic({ apiKey: 'sk-loop', script: [{ error: { status: 529, retryAfter: 0.01 } }, { text: 'fine' }] });
    try {
      const llm = createAnthropicLlm({ apiKey: 'sk-loop', baseURL: fake.url });
      const q = await ask('hello again?');
      await expect(runTurnStep(deps(llm), { ...q, step: 0 }, { number: 1, isFinal: false })).rejects.toThrow(/529/);
      expect(fake.requests.map((r) => r.status)).toEqual([529]);
      // BullMQ's next attempt is the retry: a second request, a second llm_request row.
      await runTurnStep(deps(llm), { ...q, step: 0 }, { number: 2, isFinal: false });
      expect(fake.requests.map((r) => r.status)).toEqual([529, 200]);
      const requests = (await readTrail(t.db, q.conversationId)).filter((r) => r.kind === 'llm_request');
      expect(requests.map((r) => (r.payload as { attempt: number }).attempt)).toEqual([1, 2]);
    } finally {
      await fake.close();
    }
  });

  it('answers questions of one thread one after the other, each seeing the earlier answer', async () => {
    const a = await ask('what did EC2 cost?');
    const [conv] = await t.db.select().from(conversations).where(sql`id = ${a.conversationId}`);
    // A follow-up arrives in the same thread before the first question is answered.
    const { row: bRow } = await recordAudit(t.db, {
      conversationId: conv!.id,
      actor: 'bot',
      kind: 'message_in',
      payload: { text: 'and S3?', user: 'U0ASKER' },
    });
    const b = { conversationId: conv!.id, turnId: String(bRow.id) };
    const llm = new ScriptedLlm((req) => text(req.messages.length === 1 ? 'EC2: $5.' : 'S3: $3.'));
    await expect(runTurnStep(deps(llm), { ...b, step: 0 }, { number: 1, isFinal: false })).rejects.toMatchObject({
      code: 'retry_after',
      spendsAttempt: false,
      ms: 1_500,
    });
    await runTurnStep(deps(llm), { ...a, step: 0 }, { number: 1, isFinal: false });
    await recordAudit(t.db, {
      conversationId: a.conversationId,
      actor: 'bot',
      kind: 'message_out',
      stepKey: `out:${a.turnId}`,
      payload: { turnId: a.turnId },
    });
    await runTurnStep(deps(llm), { ...b, step: 0 }, { number: 1, isFinal: false });
    // B's transcript: A's question, A's answer, then B — even though B's row was written before A's answer.
    const second = llm.calls[1]!;
    expect(second.messages.map((m) => [m.role, JSON.stringify(m.content)])).toEqual([
      ['user', expect.stringContaining('what did EC2 cost?')],
      ['assistant', expect.stringContaining('EC2: $5.')],
      ['user', expect.stringContaining('and S3?')],
    ]);
  });

  it('apologises in the thread when a step fails for good', async () => {
    const q = await ask('anything');
    await abandonTurn(deps(new ScriptedLlm(() => text('x'))), { ...q, step: 3 }, new Error('database unavailable'));
    const reply = await job('replies', `r-${q.turnId}`);
    expect(reply?.data).toMatchObject({ outcome: 'error' });
    expect(reply?.data.text).toMatch(/something went wrong on my side/);
    expect((await readTrail(t.db, q.conversationId)).find((r) => r.kind === 'error')?.payload.message).toBe('database unavailable');
  });

  it('runs at most six aws_query calls per step and tells the model about the rest', async () => {
    const q = await ask('everything, everywhere');
    const calls = Array.from({ length: 9 }, (_, i) => ({
      id: `toolu_many_${i}`,
      name: 'aws_query',
      input: { service: 'ec2', operation: 'DescribeRegions' },
    }));
    await runTurnStep(deps(new ScriptedLlm(() => toolUse(...calls))), { ...q, step: 0 }, { number: 1, isFinal: false });
    expect((await job('hawk', `h-${q.turnId}-0`))?.data.calls).toHaveLength(6);
    const refused = (await readTrail(t.db, q.conversationId)).filter((r) => r.kind === 'refused');
    expect(refused.map((r) => r.payload.toolUseId)).toEqual(['toolu_many_6', 'toolu_many_7', 'toolu_many_8']);
    expect(String(refused[0]!.payload.forModel)).toMatch(/at most 6 aws_query calls run per step/);
  });
});
