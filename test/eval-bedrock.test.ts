import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCases } from '../src/eval/cases.js';
import { evalMain } from '../src/eval/main.js';
import { estimateCostUsd } from '../src/eval/prices.js';
import { anthropicModelOf } from '../src/eval/model-ids.js';
import { firstUserText, type Turn } from './fakes/anthropic.js';
import { startFakeBedrock, type FakeBedrock } from './fakes/bedrock.js';
import { ADMIN_DATABASE_URL } from './helpers/db.js';
import { scriptedModel } from './eval-scripted.js';
import { controlAwsChainEnv } from './helpers/aws-chain-env.js';

/**
 * `plainfra eval` with PLAINFRA_LLM_PROVIDER=bedrock, as the sentinel runs it: the sentinel's
 * settings and refusals, the real Bedrock SDK against the local InvokeModel server (which recomputes
 * each SigV4 signature), the doctor's one-token check first, and costs priced by the model a
 * Bedrock id names.
 */
const CASES = loadCases();
const REGION = 'eu-central-1';
const MODEL = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
const KEYS = { accessKeyId: 'AKIDEVALBEDROCK', secretAccessKey: 'eval-bedrock-secret' };
const MILLION = { input: 1_000_000, output: 0, cacheRead: 1_000_000, cacheCreation: 0 };

describe('plainfra eval on Amazon Bedrock (fake InvokeModel) with a scripted model', () => {
  let bedrock: FakeBedrock;
  // The SDK's default chain reads process.env, not the eval's env: set what it may see, restore after.
  const chain = controlAwsChainEnv();
  beforeAll(async () => {
    chain.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    bedrock = await startFakeBedrock({ region: REGION, credentials: KEYS, models: [MODEL], script: scriptedModel(CASES, 'right') });
  });
  afterAll(async () => {
    await bedrock.close();
    chain.restore();
  });

  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: ADMIN_DATABASE_URL,
    PLAINFRA_LLM_PROVIDER: 'bedrock',
    AWS_REGION: REGION,
    PLAINFRA_MODEL: MODEL,
    PLAINFRA_BEDROCK_ENDPOINT: bedrock.url,
    LOG_LEVEL: 'silent',
    ...extra,
  });
  async function run(opts: { env?: Record<string, string>; only?: string; json?: boolean; model?: string } = {}) {
    const out: string[] = [];
    const progress: string[] = [];
    const code = await evalMain({
      json: true,
      minScore: 0.9,
      ...opts,
      env: opts.env ?? env(),
      out: (t) => out.push(t),
      progress: (t) => progress.push(t),
    });
    return { code, out: out.join('\n'), progress };
  }

  it('scores 100 % for a model that states the right figures, each call signed for bedrock in the region', async () => {
    const r = await run();
    const report = JSON.parse(r.out);
    expect(r.code).toBe(0);
    expect(
      report.cases
        .filter((c: { pass: boolean }) => !c.pass)
        .map((c: { name: string; missing: string[]; error?: string }) => [c.name, c.missing, c.error]),
    ).toEqual([]);
    expect(report).toMatchObject({ model: MODEL, passed: CASES.length, score: 1 });
    for (const c of report.cases) {
      expect(c.steps).toBeGreaterThanOrEqual(2);
      expect(c.costUsd).toBeGreaterThan(0); // priced as claude-sonnet-4-5
    }
    expect(report.costUsd).toBeGreaterThan(0);
    // First the doctor's check (one output token), then the questions: every request signed and accepted.
    const [check, ...questions] = bedrock.requests;
    expect(check!.body.max_tokens).toBe(1);
    expect(firstUserText(questions[0]!.body)).toContain(CASES[0]!.question);
    for (const req of bedrock.requests) {
      expect(req.status).toBe(200);
      expect(req.modelId).toBe(MODEL);
      expect(req.sigv4).toMatchObject({ accessKeyId: KEYS.accessKeyId, region: REGION, service: 'bedrock' });
    }
    // The model behind the profile is deprecated in the installed SDK: measured anyway, with a warning.
    expect(r.progress).toEqual([
      expect.stringMatching(/is claude-sonnet-4-5-20250929, deprecated in the installed Anthropic SDK \(end of life .*Bedrock's own/),
    ]);
  }, 180_000);

  it('says it tries the model with one InvokeModel call (no Models API on Bedrock), and prints progress', async () => {
    const r = await run({ json: false, only: 'forecast-november' });
    expect(r.code).toBe(0);
    expect(r.progress[1]).toBe(`plainfra eval: Bedrock has no Models API; trying ${MODEL} with one InvokeModel call`);
    expect(r.progress.at(-1)).toMatch(/^\[1\/1\] PASS forecast-november/);
    expect(r.out).toMatch(new RegExp(`model ${MODEL.replace(/\./g, '\\.')}: 1/1 passed`));
  }, 60_000);

  it('stops before any question when Bedrock rejects the model, with the doctor’s fix', async () => {
    const before = bedrock.requests.length;
    const other = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
    await expect(run({ model: other })).rejects.toThrow(
      new RegExp(
        `plainfra eval: Bedrock rejected model "${other.replace(/\./g, '\\.')}" in ${REGION} \\(HTTP 400\\).*list-inference-profiles`,
      ),
    );
    expect(bedrock.requests.length - before).toBe(1);
  });

  it('refuses the settings the sentinel refuses, with the sentinel’s messages', async () => {
    const { AWS_REGION: _, ...noRegion } = env();
    await expect(run({ env: noRegion })).rejects.toThrow(
      /plainfra eval: configuration refused\n {2}- AWS_REGION: required with PLAINFRA_LLM_PROVIDER=bedrock: set AWS_REGION \(or/,
    );
    await expect(run({ env: env({ ANTHROPIC_API_KEY: 'sk-ant-leak' }) })).rejects.toThrow(
      /- ANTHROPIC_API_KEY is set, but the sentinel must not hold it, .*=bedrock.*Unset ANTHROPIC_API_KEY for plainfra eval/,
    );
    await expect(run({ env: env({ ANTHROPIC_BASE_URL: 'https://api.anthropic.com' }) })).rejects.toThrow(
      /- ANTHROPIC_BASE_URL: applies to PLAINFRA_LLM_PROVIDER=anthropic only/,
    );
    await expect(run({ env: env({ PLAINFRA_MODEL: 'claude-sonnet-4-5' }) })).rejects.toThrow(
      /- PLAINFRA_MODEL: "claude-sonnet-4-5" is not an Amazon Bedrock model id/,
    );
    // --model stands for PLAINFRA_MODEL and is checked the same way, named as the flag.
    await expect(run({ model: 'claude-haiku-4-5' })).rejects.toThrow(/- --model: "claude-haiku-4-5" is not an Amazon Bedrock model id/);
    // And the other way round: a Bedrock id with the default provider.
    const anthropic = { DATABASE_URL: ADMIN_DATABASE_URL, ANTHROPIC_API_KEY: 'sk-eval', PLAINFRA_MODEL: MODEL };
    await expect(run({ env: anthropic })).rejects.toThrow(
      /- PLAINFRA_MODEL: .* is an Amazon Bedrock model id: set PLAINFRA_LLM_PROVIDER=bedrock/,
    );
    await expect(run({ env: { ...anthropic, PLAINFRA_MODEL: 'claude-haiku-4-5', AWS_BEARER_TOKEN_BEDROCK: 'b' } })).rejects.toThrow(
      /- AWS_BEARER_TOKEN_BEDROCK is set, but the sentinel must not hold it/,
    );
  });
});

describe('pricing Bedrock model ids', () => {
  it('maps foundation models, inference profiles and their ARNs to the Anthropic model they name', () => {
    expect(anthropicModelOf('anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('claude-sonnet-4-5-20250929');
    expect(anthropicModelOf('us.anthropic.claude-haiku-4-5-20251001-v1:0')).toBe('claude-haiku-4-5-20251001');
    expect(anthropicModelOf('global.anthropic.claude-opus-4-5-20251101-v1:0')).toBe('claude-opus-4-5-20251101');
    expect(anthropicModelOf('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-1-20250805-v1:0')).toBe(
      'claude-opus-4-1-20250805',
    );
    expect(anthropicModelOf('arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-20250514-v1:0')).toBe(
      'claude-sonnet-4-20250514',
    );
    expect(anthropicModelOf('claude-sonnet-4-5')).toBe('claude-sonnet-4-5');
  });

  it('prices them as the Anthropic model, and unknown ones not at all', () => {
    const sonnet = estimateCostUsd('claude-sonnet-4-5-20250929', MILLION);
    expect(sonnet).toBeCloseTo(3.3);
    for (const id of [
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
    ])
      expect(estimateCostUsd(id, MILLION), id).toBe(sonnet);
    expect(estimateCostUsd('us.anthropic.claude-haiku-4-5-20251001-v1:0', MILLION)).toBeCloseTo(1.1);
    for (const id of [
      // An application inference profile or a provisioned throughput names no model (and the latter is billed by the hour).
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6',
      'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456',
      // Known to Bedrock, missing from the price table: n/a, not a guess.
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'anthropic.claude-v2:1',
      'meta.llama3-70b-instruct-v1:0',
    ])
      expect(estimateCostUsd(id, MILLION), id).toBeUndefined();
  });
});

describe("the eval's retries (the SDK's, standing in for the queue's attempts the eval does not have)", () => {
  let bedrock: FakeBedrock;
  /** Failures by request index counted from `base` (0 is the model check, 1 the first question call). */
  let failures: Record<number, Turn> = {};
  let base = 0;
  const right = scriptedModel(CASES, 'right');
  const chain = controlAwsChainEnv();
  beforeAll(async () => {
    chain.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    bedrock = await startFakeBedrock({
      region: REGION,
      credentials: KEYS,
      models: [MODEL],
      script: (req, index) => failures[index - base] ?? right(req),
    });
  });
  afterAll(async () => {
    await bedrock.close();
    chain.restore();
  });

  async function runOne(fail: Record<number, Turn>) {
    failures = fail;
    base = bedrock.requests.length;
    const out: string[] = [];
    const code = await evalMain({
      json: true,
      minScore: 0.9,
      only: 'forecast-november',
      env: {
        DATABASE_URL: ADMIN_DATABASE_URL,
        PLAINFRA_LLM_PROVIDER: 'bedrock',
        AWS_REGION: REGION,
        PLAINFRA_MODEL: MODEL,
        PLAINFRA_BEDROCK_ENDPOINT: bedrock.url,
        LOG_LEVEL: 'silent',
      },
      out: (t) => out.push(t),
      progress: () => undefined,
    });
    return { code, report: JSON.parse(out.join('\n')), statuses: bedrock.requests.slice(base + 1).map((r) => r.status) };
  }
  const overloaded: Turn = { error: { status: 529 } };

  it('retries an overloaded or unavailable model twice, then the question goes on', async () => {
    const r = await runOne({ 1: overloaded, 2: { error: { status: 503 } } });
    expect(r.code).toBe(0);
    expect(r.report.passed).toBe(1);
    expect(r.statuses.slice(0, 3)).toEqual([529, 503, 200]);
  }, 60_000);

  it('gives up after the third overloaded answer: the question fails, with no further call', async () => {
    const r = await runOne({ 1: overloaded, 2: overloaded, 3: overloaded });
    expect(r.code).toBe(1);
    expect(r.report.cases[0].pass).toBe(false);
    expect(r.statuses).toEqual([529, 529, 529]);
  }, 60_000);

  it('does not retry a refusal', async () => {
    const r = await runOne({ 1: { error: { status: 400, message: 'bad request' } } });
    expect(r.code).toBe(1);
    expect(r.report.cases[0].pass).toBe(false);
    expect(r.statuses).toEqual([400]);
  }, 60_000);
});
