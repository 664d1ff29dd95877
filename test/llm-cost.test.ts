import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { formatTrail, readTrail, readTrailRows, recordAudit, type AuditEvent } from '../src/audit/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { createAnthropicLlm, runTurnStep } from '../src/agents/index.js';
import { systemPrompt } from '../src/agents/prompt.js';
import { costNote } from '../src/agents/cost-note.js';
import { ListCollector } from '../src/tools/aws/collector.js';
import { lookupOperation } from '../src/tools/aws/registry.js';
import { byToolResults, startFakeAnthropic, type FakeAnthropic, type Turn } from './fakes/anthropic.js';
import { recordQuestion } from './helpers/questions.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** Cheaper steps (prompt cache on the conversation, usage audited and totalled) and honest cost figures. */

const TEAM = 'T0COST001';
const CHANNEL = 'C0COST001';
const logger = pino({ level: 'silent' });

describe('LLM calls: cache breakpoints and usage', () => {
  let t: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let hawkQueue: Queue;
  let fake: FakeAnthropic;
  let script: Turn[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    enqueuer = new Enqueuer(redis, prefix);
    hawkQueue = new Queue('hawk', { connection: redis, prefix });
    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    fake = await startFakeAnthropic({ apiKey: 'sk-cost', script: (req) => byToolResults(script)(req) });
  });
  afterAll(async () => {
    await hawkQueue.obliterate({ force: true });
    await hawkQueue.close();
    await enqueuer.close();
    redis.disconnect();
    await fake.close();
    await t.drop();
    await dropPrefix(prefix);
  });

  it('marks the last message of every step as a cache breakpoint, besides the tools and the system prompt', async () => {
    script = [{ toolUse: [{ name: 'aws_query', input: { service: 'ec2', operation: 'DescribeInstances' } }] }, { text: 'done' }];
    const llm = createAnthropicLlm({ apiKey: 'sk-cost', baseURL: fake.url, maxRetries: 0 });
    const before = fake.requests.length;
    const tools = [{ name: 'aws_query', description: 'd', input_schema: { type: 'object' as const, properties: {} } }];
    const first = await llm.create({
      model: 'claude-test',
      maxTokens: 100,
      system: 's',
      tools,
      toolChoice: 'auto',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
    });
    const use = first.content[0]!;
    await llm.create({
      model: 'claude-test',
      maxTokens: 100,
      system: 's',
      tools,
      toolChoice: 'auto',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        { role: 'assistant', content: [use] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: String(use.id), content: '{"n":1}' },
            { type: 'text', text: 'and?' },
          ],
        },
      ],
    });
    for (const req of fake.requests.slice(before)) {
      const body = req.body;
      const marked = body
        .messages!.flatMap((m, i) => (Array.isArray(m.content) ? m.content.map((b, j) => ({ i, j, cc: b.cache_control })) : []))
        .filter((b) => b.cc);
      const last = body.messages!.length - 1;
      const lastBlock = (body.messages![last]!.content as unknown[]).length - 1;
      // Exactly one message breakpoint: the last block of the last message.
      expect(marked).toEqual([{ i: last, j: lastBlock, cc: { type: 'ephemeral' } }]);
      expect((body.system as { cache_control?: unknown }[])[0]!.cache_control).toEqual({ type: 'ephemeral' });
      expect(body.tools!.at(-1)!.cache_control).toEqual({ type: 'ephemeral' });
    }
  });

  it('from the second step on, the previous step’s whole request is a cache read (fake API with caching simulated)', async () => {
    const cache = await startFakeAnthropic({ apiKey: 'sk-cost', simulateCache: true, script: () => ({ text: 'ok' }) });
    try {
      const tools = [{ name: 'aws_query', description: 'd'.repeat(2000), input_schema: { type: 'object' as const, properties: {} } }];
      const step1 = [{ role: 'user' as const, content: [{ type: 'text', text: 'q' }] }];
      const step2 = [
        ...step1,
        { role: 'assistant' as const, content: [{ type: 'text', text: 'looking' }] },
        { role: 'user' as const, content: [{ type: 'text', text: 'R'.repeat(8000) }] },
      ];
      const usageOf = async (conversationBreakpoint: boolean) => {
        const llm = createAnthropicLlm({ apiKey: 'sk-cost', baseURL: cache.url, maxRetries: 0, conversationBreakpoint });
        const system = `s${conversationBreakpoint}`; // a fresh cache per variant
        const a = await llm.create({ model: 'claude-test', maxTokens: 10, system, tools, toolChoice: 'auto', messages: step1 });
        const b = await llm.create({ model: 'claude-test', maxTokens: 10, system, tools, toolChoice: 'auto', messages: step2 });
        return [a.usage, b.usage];
      };
      const [first, second] = await usageOf(true);
      expect(first!.cache_read_input_tokens).toBe(0);
      const [, secondWithout] = await usageOf(false);
      // With the breakpoint the whole first request (tools, system, question) is read back; without it only tools and system.
      expect(second!.cache_read_input_tokens).toBeGreaterThan(secondWithout!.cache_read_input_tokens!);
      expect(second!.cache_read_input_tokens).toBe(first!.input_tokens! + first!.cache_creation_input_tokens!);
    } finally {
      await cache.close();
    }
  });

  it('records input, output, cache-read and cache-creation tokens per call, and `plainfra audit` totals them per answer', async () => {
    script = [
      {
        toolUse: [{ name: 'aws_query', input: { service: 'ec2', operation: 'DescribeInstances' } }],
        usage: { input_tokens: 2100, output_tokens: 40, cache_creation_input_tokens: 1800, cache_read_input_tokens: 0 },
      },
      {
        text: 'No instances.',
        usage: { input_tokens: 300, output_tokens: 12, cache_creation_input_tokens: 200, cache_read_input_tokens: 1800 },
      },
    ];
    const job = await recordQuestion(t.db, {
      teamId: TEAM,
      channelId: CHANNEL,
      threadTs: '1764500000.000001',
      user: 'U0A',
      text: 'instances?',
    });
    const deps = {
      db: t.db,
      enqueuer,
      logger,
      llm: createAnthropicLlm({ apiKey: 'sk-cost', baseURL: fake.url, maxRetries: 0 }),
      model: 'claude-test',
      maxSteps: 4,
      docsBaseUrl: 'https://docs.aws.amazon.com',
    };
    await runTurnStep(deps, { ...job, step: 0 }, { number: 1, isFinal: false });
    const toolUseId = (await hawkQueue.getJob(`h-${job.turnId}-0`))!.data.calls[0].toolUseId as string;
    await recordAudit(t.db, {
      conversationId: job.conversationId,
      actor: 'hawk',
      kind: 'tool_result',
      stepKey: `result:${job.turnId}:${toolUseId}`,
      payload: { turnId: job.turnId, step: 0, toolUseId, status: 'ok', result: { Instances: [] } },
    });
    await runTurnStep(deps, { ...job, step: 1 }, { number: 1, isFinal: false });
    await recordAudit(t.db, {
      conversationId: job.conversationId,
      actor: 'bot',
      kind: 'message_out',
      stepKey: `out:${job.turnId}`,
      payload: { turnId: job.turnId, text: 'No instances.' },
    });

    const trail = await readTrail(t.db, job.conversationId);
    const usages = trail.filter((r): r is AuditEvent<'llm_response'> => r.kind === 'llm_response').map((r) => r.payload.usage);
    expect(usages).toEqual([
      { input_tokens: 2100, output_tokens: 40, cache_creation_input_tokens: 1800, cache_read_input_tokens: 0 },
      { input_tokens: 300, output_tokens: 12, cache_creation_input_tokens: 200, cache_read_input_tokens: 1800 },
    ]);
    const text = formatTrail(await readTrailRows(t.db, job.conversationId));
    const lines = text.split('\n');
    const outLine = lines.findIndex((l) => l.includes('message_out'));
    // Right after the answer: 2 calls; cache read 1800 of 6200 input tokens = 29 %.
    expect(lines[outLine + 1]).toBe(
      `  turn ${job.turnId} LLM usage: 2 calls, input 2400 + cache read 1800 + cache write 2000 tokens (29% from cache), output 52 tokens`,
    );
  });
});

describe('cost answers: metric, charge types, estimates', () => {
  const call = (turnId: string, toolUseId: string, params: Record<string, unknown>, operation = 'GetCostAndUsage') =>
    ({
      id: 1,
      createdAt: new Date(),
      conversationId: 'c',
      actor: 'hawk',
      stepKey: null,
      kind: 'tool_call',
      payload: { turnId, toolUseId, input: { service: 'ce', operation, params } },
    }) as AuditEvent;
  const result = (turnId: string, toolUseId: string, res: unknown) =>
    ({
      id: 2,
      createdAt: new Date(),
      conversationId: 'c',
      actor: 'hawk',
      stepKey: null,
      kind: 'tool_result',
      payload: { turnId, toolUseId, status: 'ok', result: res },
    }) as AuditEvent;

  /** hawk's real Cost Explorer shaper over one page. */
  function shaped(page: unknown) {
    const spec = lookupOperation('ce', 'GetCostAndUsage')!.spec;
    const c = new ListCollector(spec.list!, 25);
    c.addPage(page);
    return c.result() as Record<string, unknown>;
  }
  const period = (Start: string, End: string, amount: string, Estimated: boolean, Groups?: unknown[]) => ({
    TimePeriod: { Start, End },
    Total: Groups ? {} : { UnblendedCost: { Amount: amount, Unit: 'USD' } },
    Groups: Groups ?? [],
    Estimated,
  });

  it('hawk’s shaper says which periods are estimated and whether charges are split by RECORD_TYPE', () => {
    const net = shaped({
      ResultsByTime: [
        period('2026-11-28', '2026-11-29', '10', false),
        period('2026-11-29', '2026-11-30', '11', true),
        period('2026-11-30', '2026-12-01', '12', true),
      ],
    });
    expect(net.estimatedPeriods).toEqual([{ Start: '2026-11-29', End: '2026-12-01' }]);
    expect(net.chargeTypes).toMatch(/^not grouped by RECORD_TYPE: totals are net/);
    const split = shaped({
      GroupDefinitions: [{ Type: 'DIMENSION', Key: 'RECORD_TYPE' }],
      ResultsByTime: [
        period('2026-11-01', '2026-12-01', '', false, [
          { Keys: ['Usage'], Metrics: { UnblendedCost: { Amount: '500', Unit: 'USD' } } },
          { Keys: ['Credit'], Metrics: { UnblendedCost: { Amount: '-500', Unit: 'USD' } } },
        ]),
      ],
    });
    expect(split.chargeTypes).toMatch(/^grouped by RECORD_TYPE/);
    expect(split.estimatedPeriods).toEqual([]);
    // Usage and credits stay two groups: a month where credits cancel usage is not one "$0" line.
    expect(split.totalsByGroup).toEqual([
      { group: 'Usage', UnblendedCost: 500 },
      { group: 'Credit', UnblendedCost: -500 },
    ]);
  });

  it('the reply names the metric, says credits are netted, and dates the estimates', () => {
    const res = shaped({
      ResultsByTime: [period('2026-11-01', '2026-11-29', '900', false), period('2026-11-29', '2026-12-01', '40', true)],
    });
    const trail = [call('7', 'toolu_a', { Metrics: ['UnblendedCost'], Granularity: 'DAILY' }), result('7', 'toolu_a', res)];
    expect(costNote(trail, '7')).toBe(
      '\n\n_Cost Explorer UnblendedCost; totals are net of credits and refunds (not split by charge type). ' +
        'Figures from 2026-11-29 on are AWS estimates and may still change._',
    );
  });

  it('says usage and credits are apart when grouped by RECORD_TYPE, names every metric, and says nothing without cost calls', () => {
    const trail = [
      call('8', 'toolu_b', { Metrics: ['AmortizedCost', 'UnblendedCost'], GroupBy: [{ Type: 'DIMENSION', Key: 'RECORD_TYPE' }] }),
      result('8', 'toolu_b', { ResultsByTime: [{ TimePeriod: { Start: '2026-10-01', End: '2026-11-01' }, Estimated: false }] }),
      call('8', 'toolu_c', { Metric: 'UNBLENDED_COST' }, 'GetCostForecast'),
      result('8', 'toolu_c', { Total: { Amount: '10' } }),
    ];
    expect(costNote(trail, '8')).toBe(
      '\n\n_Cost Explorer AmortizedCost, UnblendedCost, UNBLENDED_COST (forecast); ' +
        'usage, credits and refunds kept apart (by RECORD_TYPE)._',
    );
    // Another turn's calls, and a turn without Cost Explorer, add nothing.
    expect(costNote(trail, '9')).toBe('');
    expect(costNote([call('9', 'toolu_d', { Metrics: ['UnblendedCost'] })], '9')).toBe(''); // no result: nothing to describe
  });

  it('the prompt asks for RECORD_TYPE grouping, the metric by name and estimates said', () => {
    const p = systemPrompt({ accounts: [{ name: 'prod', regions: ['us-east-1'] }], today: '2026-12-01' });
    expect(p).toContain('"Key":"RECORD_TYPE"');
    expect(p).toMatch(/never call a month whose credits cancel its usage "\$0 spend"/);
    expect(p).toMatch(/Name the cost metric you report/);
    expect(p).toMatch(/say those figures are estimated/);
  });
});
