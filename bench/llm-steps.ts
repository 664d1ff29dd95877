/**
 * What one answer costs in LLM input: input tokens per step (max and median), the share of input
 * read from the prompt cache, and LLM calls per answer. Real sentinel steps (transcript, prompt,
 * tools, grounding) and the real Anthropic SDK against the fake Messages server with prompt caching
 * simulated (test/fakes/anthropic.ts `simulateCache`: tokens ≈ characters / 4, cache written at each
 * `cache_control` breakpoint). hawk's part is played by recording shaped Cost Explorer results of
 * realistic size, as hawk records them. Run twice: with the breakpoint on each step's last message
 * (what plainfra sends) and without it (system and tools only), to show what it saves.
 *
 *   npx tsx bench/llm-steps.ts [--questions N] [--steps S]      (defaults: 20, 3 tool steps per question)
 *
 * The questions are generated here, to measure long questions: each asks for S Cost Explorer reads
 * (30 days by service) before answering with figures taken from the results (so grounding passes
 * and no draft is sent back). bench/eval-tokens.ts measures the same over the eval set.
 */
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { recordAudit } from '../src/audit/index.js';
import { conversations } from '../src/db/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { createAnthropicLlm, runTurnStep } from '../src/agents/index.js';
import { lastToolResults, startFakeAnthropic, type ReceivedRequest, type Turn } from '../test/fakes/anthropic.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { costQueryTurn } from '../test/helpers/cost-question.js';

const { values } = parseArgs({ options: { questions: { type: 'string', default: '20' }, steps: { type: 'string', default: '3' } } });
const QUESTIONS = Number(values.questions);
const STEPS = Number(values.steps);
const SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'Amazon Simple Storage Service',
  'Amazon Relational Database Service',
  'AWS Lambda',
  'Amazon CloudFront',
  'Amazon DynamoDB',
  'Amazon CloudWatch',
  'AWS Key Management Service',
  'Amazon Virtual Private Cloud',
  'Amazon Elastic Load Balancing',
];

/** A shaped GetCostAndUsage result, 30 daily periods by service (~9 000 characters, as hawk records it). */
function costResult(seed: number) {
  const days = Array.from({ length: 30 }, (_, d) => {
    const start = new Date(Date.UTC(2026, 9, 1 + d)).toISOString().slice(0, 10);
    const end = new Date(Date.UTC(2026, 9, 2 + d)).toISOString().slice(0, 10);
    return {
      TimePeriod: { Start: start, End: end },
      Groups: SERVICES.slice(0, 4).map((s, i) => ({
        Keys: [s],
        Metrics: { UnblendedCost: { Amount: ((seed + 1) * (i + 1) * 3.17 + d * 0.41).toFixed(4), Unit: 'USD' } },
      })),
      Estimated: d >= 28,
    };
  });
  const totals = SERVICES.map((s, i) => ({ group: s, UnblendedCost: Math.round((seed + 1) * (i + 7) * 91.3) / 100 }));
  return {
    GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    ResultsByTime: days,
    grandTotal: { UnblendedCost: { Amount: totals.reduce((a, t) => a + t.UnblendedCost, 0), Unit: 'USD' } },
    totalsByGroup: totals,
    estimatedPeriods: [{ Start: '2026-10-29', End: '2026-10-31' }],
    chargeTypes: 'not grouped by RECORD_TYPE',
  };
}

function script(req: ReceivedRequest): Turn {
  const step = req.assistantTurns;
  if (step < STEPS)
    return costQueryTurn(
      { Start: '2026-10-01', End: '2026-10-31' },
      {
        Granularity: 'DAILY',
        GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
        Filter: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: [String(step)] } },
      },
    );
  const amount = /"UnblendedCost":(\d+(?:\.\d+)?)/.exec(String(lastToolResults(req.body)[0]?.content ?? ''))?.[1] ?? '0';
  return { text: `The largest service cost *$${Number(amount).toFixed(2)}* in October.` };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function run(conversationBreakpoint: boolean) {
  const t = await createTestDatabase();
  const prefix = uniquePrefix();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const enqueuer = new Enqueuer(redis, prefix);
  const hawk = new Queue('hawk', { connection: redis, prefix });
  const replies = new Queue('replies', { connection: redis, prefix });
  const fake = await startFakeAnthropic({ apiKey: 'sk-bench', script, simulateCache: true });
  try {
    await addAccount(t.db, { teamId: 'T0BENCH', name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: 'T0BENCH', channelId: 'C0BENCH', accountName: 'prod' });
    const deps = {
      db: t.db,
      enqueuer,
      logger: pino({ level: 'silent' }),
      llm: createAnthropicLlm({ apiKey: 'sk-bench', baseURL: fake.url, maxRetries: 0, conversationBreakpoint }),
      model: 'claude-bench',
      maxSteps: 8,
      docsBaseUrl: 'https://docs.aws.amazon.com',
    };
    let answered = 0;
    for (let q = 0; q < QUESTIONS; q++) {
      const [conv] = await t.db
        .insert(conversations)
        .values({ teamId: 'T0BENCH', channelId: 'C0BENCH', threadTs: `1764700000.${String(q).padStart(6, '0')}`, startedBy: 'U0B' })
        .returning();
      const { row } = await recordAudit(t.db, {
        conversationId: conv!.id,
        actor: 'bot',
        kind: 'message_in',
        payload: { text: `what did we spend in October, question ${q}?`, user: 'U0B' },
      });
      const job = { conversationId: conv!.id, turnId: String(row.id) };
      for (let step = 0; step <= STEPS + 2; step++) {
        await runTurnStep(deps, { ...job, step }, { number: 1, isFinal: false });
        if (await replies.getJob(`r-${job.turnId}`)) {
          answered++;
          break;
        }
        const calls = (await hawk.getJob(`h-${job.turnId}-${step}`))?.data.calls ?? [];
        for (const c of calls)
          await recordAudit(t.db, {
            conversationId: job.conversationId,
            actor: 'hawk',
            kind: 'tool_result',
            stepKey: `result:${job.turnId}:${c.toolUseId}`,
            payload: { turnId: job.turnId, step, toolUseId: c.toolUseId, account: 'prod', status: 'ok', result: costResult(q * 10 + step) },
          });
      }
    }
    const usage = fake.requests
      .filter((r) => r.status === 200)
      .map(
        (r) =>
          (r.response as { usage: { input_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } }).usage,
      );
    const totalIn = usage.map((u) => u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens);
    const uncached = usage.map((u) => u.input_tokens + u.cache_creation_input_tokens);
    const read = usage.reduce((a, u) => a + u.cache_read_input_tokens, 0);
    const laterSteps = usage.filter((_, i) => i % (STEPS + 1) !== 0);
    const laterRead =
      laterSteps.reduce((a, u) => a + u.cache_read_input_tokens, 0) /
      laterSteps.reduce((a, u) => a + u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens, 0);
    return {
      breakpoint: conversationBreakpoint ? 'system + tools + last message' : 'system + tools only',
      answered,
      callsPerAnswer: usage.length / Math.max(1, answered),
      inputPerStep: { median: median(totalIn), max: Math.max(...totalIn) },
      notFromCachePerStep: { median: median(uncached), max: Math.max(...uncached) },
      cacheReadShare: read / totalIn.reduce((a, b) => a + b, 0),
      cacheReadShareFromStep2: laterRead,
    };
  } finally {
    await fake.close();
    await Promise.all([hawk, replies].map((q) => q.obliterate({ force: true }).then(() => q.close())));
    await enqueuer.close();
    redis.disconnect();
    await t.drop();
    await dropPrefix(prefix);
  }
}

const rows = [await run(true), await run(false)];
console.log(`${QUESTIONS} questions, ${STEPS} tool steps each (estimated tokens = characters / 4)`);
console.log(
  '| breakpoints | answers | LLM calls / answer | input tokens / step median / max | ' +
    'not from cache median / max | cache-read share (all / steps ≥ 2) |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.breakpoint} | ${r.answered} | ${r.callsPerAnswer.toFixed(1)} | ` +
      `${r.inputPerStep.median} / ${r.inputPerStep.max} | ${r.notFromCachePerStep.median} / ${r.notFromCachePerStep.max} | ` +
      `${(r.cacheReadShare * 100).toFixed(0)} % / ${(r.cacheReadShareFromStep2 * 100).toFixed(0)} % |`,
  );
}
process.exit(0);
