/**
 * What answers to the eval set cost in LLM input: input tokens per step (max and median), the
 * share of input read from the prompt cache, and LLM calls per answer. Every bundled question
 * (eval/cases) runs through `plainfra eval`'s loop — real sentinel steps (transcript, prompt,
 * tools, grounding), hawk's real job code and shapers over the recorded AWS data — with the real
 * Anthropic SDK against the fake Messages server, prompt caching simulated (test/fakes/anthropic.ts
 * `simulateCache`: tokens ≈ characters / 4). The scripted model asks for every recorded call of
 * the question (six per step at most) and then states the expected figures, as test/eval.test.ts
 * does. Run with the breakpoint on each step's last message (what plainfra sends) and without it.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/eval-tokens.ts [--only a,b]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createAnthropicLlm } from '../src/agents/index.js';
import { loadCases } from '../src/eval/cases.js';
import { createEvalDatabase } from '../src/eval/database.js';
import { selectCases } from '../src/eval/main.js';
import { estimateCostUsd } from '../src/eval/prices.js';
import { runEval } from '../src/eval/run.js';
import { startFakeAnthropic } from '../test/fakes/anthropic.js';
import { scriptedModel } from '../test/eval-scripted.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, model: { type: 'string', default: 'claude-sonnet-5-5' } } });
const cases = selectCases(loadCases(), values.only);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function run(conversationBreakpoint: boolean) {
  const fake = await startFakeAnthropic({ apiKey: 'sk-bench', script: scriptedModel(cases, 'right'), simulateCache: true });
  const database = await createEvalDatabase(DATABASE_URL);
  try {
    const llm = createAnthropicLlm({ apiKey: 'sk-bench', baseURL: fake.url, conversationBreakpoint });
    const report = await runEval(cases, {
      db: database.db,
      llm,
      model: values.model!,
      logger: pino({ level: 'silent' }),
      maxSteps: 8,
      docsBaseUrl: 'https://docs.aws.amazon.com',
    });
    type U = { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number };
    const usage = fake.requests.filter((r) => r.status === 200).map((r) => (r.response as { usage: U }).usage);
    const allIn = usage.map((u) => u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens);
    const notCached = usage.map((u) => u.input_tokens + u.cache_creation_input_tokens);
    const read = usage.reduce((a, u) => a + u.cache_read_input_tokens, 0);
    const answers = report.cases.length;
    return {
      breakpoint: conversationBreakpoint ? 'system + tools + last message' : 'system + tools only',
      passed: `${report.passed}/${answers}`,
      callsPerAnswer: usage.length / answers,
      maxCalls: Math.max(...report.cases.map((c) => c.steps)),
      inputPerStep: { median: median(allIn), max: Math.max(...allIn) },
      notCached: { median: median(notCached), max: Math.max(...notCached) },
      cacheReadShare: read / allIn.reduce((a, b) => a + b, 0),
      costPerAnswer: (estimateCostUsd(values.model!, report.tokens) ?? NaN) / answers,
    };
  } finally {
    await database.drop();
    await fake.close();
  }
}

const rows = [await run(true), await run(false)];
console.log(`${cases.length} eval questions, scripted model (estimated tokens = characters / 4; cost at ${values.model} list prices)`);
console.log(
  '| breakpoints | passed | LLM calls / answer (max) | input tokens / step median / max | ' +
    'not from cache median / max | cache-read share | est. cost / answer |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.breakpoint} | ${r.passed} | ${r.callsPerAnswer.toFixed(1)} (${r.maxCalls}) | ` +
      `${r.inputPerStep.median} / ${r.inputPerStep.max} | ${r.notCached.median} / ${r.notCached.max} | ` +
      `${(r.cacheReadShare * 100).toFixed(0)} % | $${r.costPerAnswer.toFixed(4)} |`,
  );
}
process.exit(0);
