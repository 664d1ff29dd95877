import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { loadConfig } from '../src/config/index.js';
import { sentinelEnv } from '../src/config/env.js';
import { Enqueuer } from '../src/queues/index.js';
import { checkModelAtStart, createAnthropicLlm, ModelHealth, runTurnStep, sdkDeprecatedModels } from '../src/agents/index.js';
import { runSentinel } from '../src/workers/sentinel.js';
import { startFakeAnthropic, type FakeAnthropic, type Turn } from './fakes/anthropic.js';
import { recordQuestion } from './helpers/questions.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { freePort } from './helpers/processes.js';

/** A model that exists tomorrow: the default, permanent model errors, the SDK's warning, the start check. */

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, flush: () => new Promise((r) => setImmediate(r)) };
}

describe('the default model', () => {
  it('is not in the installed SDK’s deprecation data (read from node_modules at test time)', () => {
    const require = createRequire(import.meta.url);
    const sdkDir = path.dirname(require.resolve('@anthropic-ai/sdk'));
    const file = path.join(sdkDir, 'internal', 'data', 'deprecated-models.js');
    const { DEPRECATED_MODELS } = require(file) as { DEPRECATED_MODELS: Record<string, string> };
    // The file is the SDK's real list (it names models), not an empty stand-in.
    expect(Object.keys(DEPRECATED_MODELS).length).toBeGreaterThan(0);
    const model = sentinelEnv.parse({ DATABASE_URL: 'postgres://x@h/db', ANTHROPIC_API_KEY: 'k' }).PLAINFRA_MODEL;
    expect(Object.keys(DEPRECATED_MODELS), `${model} is deprecated in @anthropic-ai/sdk: pick a current default`).not.toContain(model);
    // The sentinel's start check reads the same data.
    expect(sdkDeprecatedModels()).toEqual(DEPRECATED_MODELS);
    // docker-compose and .env.example name the same default.
    const root = path.join(import.meta.dirname, '..');
    expect(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')).toContain(`PLAINFRA_MODEL:-${model}}`);
    expect(readFileSync(path.join(root, '.env.example'), 'utf8')).toContain(`PLAINFRA_MODEL=${model}`);
  });
});

describe('permanent model errors', () => {
  const TEAM = 'T0MODEL01';
  const CHANNEL = 'C0MODEL01';
  let t: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let replies: Queue;
  let fake: FakeAnthropic;
  let answer: Turn = { text: 'fine' };
  let seq = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    enqueuer = new Enqueuer(redis, prefix);
    replies = new Queue('replies', { connection: redis, prefix });
    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    fake = await startFakeAnthropic({
      apiKey: 'sk-model',
      script: () => answer,
      models: { 'claude-good': {}, 'claude-old': { lifecycle: 'deprecated', retires_at: '2026-11-30T00:00:00Z' } },
    });
  });
  afterAll(async () => {
    await replies.obliterate({ force: true });
    await replies.close();
    await enqueuer.close();
    redis.disconnect();
    await fake.close();
    await t.drop();
    await dropPrefix(prefix);
  });

  async function ask(health: ModelHealth, logger: pino.Logger, model = 'claude-gone') {
    const threadTs = `1764400000.${String(++seq).padStart(6, '0')}`;
    const q = await recordQuestion(t.db, { teamId: TEAM, channelId: CHANNEL, threadTs, user: 'U0A', text: 'what did we spend?' });
    const job = { ...q, step: 0 };
    const llm = createAnthropicLlm({ apiKey: 'sk-model', baseURL: fake.url, maxRetries: 2, logger });
    // Not the final attempt: a retryable error would throw for BullMQ to retry; a permanent one must not.
    await runTurnStep(
      { db: t.db, enqueuer, llm, logger, model, maxSteps: 4, docsBaseUrl: 'https://docs.aws.amazon.com', modelHealth: health },
      job,
      { number: 1, isFinal: false },
    );
    return (await replies.getJob(`r-${job.turnId}`))?.data.text as string | undefined;
  }

  it('a 404 not_found_error: a reply naming PLAINFRA_MODEL, no retry, no call for a minute, one error log line', async () => {
    answer = { error: { status: 404, type: 'not_found_error', message: 'model: claude-gone' } };
    const { logger, lines, flush } = capturedLogger();
    let now = 1_000_000;
    const health = new ModelHealth(logger, 60_000, () => now);
    const before = fake.requests.length;
    const first = await ask(health, logger);
    expect(first).toMatch(/language model is unavailable/);
    expect(first).toMatch(/PLAINFRA_MODEL/);
    expect(fake.requests.length - before).toBe(1); // the SDK did not retry it
    // A second and third question within the minute: answered at once, without a call.
    expect(await ask(health, logger)).toBe(first);
    expect(await ask(health, logger)).toBe(first);
    expect(fake.requests.length - before).toBe(1);
    await flush();
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ model: 'claude-gone', setting: 'PLAINFRA_MODEL', status: 404 });
    // After the minute the model is tried again (and, still failing, not logged again).
    now += 61_000;
    await ask(health, logger);
    expect(fake.requests.length - before).toBe(2);
    await flush();
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
  });

  it('a 400 naming an invalid model names PLAINFRA_MODEL; a 401 or 403 names ANTHROPIC_API_KEY', async () => {
    const { logger } = capturedLogger();
    answer = { error: { status: 400, type: 'invalid_request_error', message: 'model: invalid model name' } };
    expect(await ask(new ModelHealth(logger), logger)).toMatch(/PLAINFRA_MODEL/);
    answer = { error: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' } };
    expect(await ask(new ModelHealth(logger), logger)).toMatch(/ANTHROPIC_API_KEY on the sentinel/);
    answer = { error: { status: 403, type: 'permission_error', message: 'not allowed' } };
    expect(await ask(new ModelHealth(logger), logger)).toMatch(/ANTHROPIC_API_KEY/);
    // A 400 about something else is not an outage: no pause.
    const health = new ModelHealth(logger);
    answer = { error: { status: 400, type: 'invalid_request_error', message: 'messages: too many' } };
    expect(await ask(health, logger)).toMatch(/refused the request as invalid/);
    expect(health.unavailable('claude-gone')).toBeUndefined();
  });

  it('the SDK’s deprecation warning goes to the pino log, once, and not to stderr', async () => {
    const deprecated = Object.keys(sdkDeprecatedModels())[0]!;
    answer = { text: 'ok' };
    const { logger, lines, flush } = capturedLogger();
    const warn = vi.spyOn(console, 'warn');
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      const llm = createAnthropicLlm({ apiKey: 'sk-model', baseURL: fake.url, logger });
      const req = {
        model: deprecated,
        maxTokens: 10,
        system: 's',
        tools: [],
        messages: [{ role: 'user' as const, content: [{ type: 'text', text: 'hi' }] }],
        toolChoice: 'none' as const,
      };
      await llm.create(req);
      await llm.create(req);
      expect(warn).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      stderr.mockRestore();
    }
    await flush();
    const logged = lines.filter((l) => String(l.msg).includes(`The model '${deprecated}' is deprecated`));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 40, component: 'anthropic-sdk' });
    expect(console.warn).toBe(console.warn); // restored (not left swapped)
  });

  it('at start: active is logged as such; deprecated, unknown, a refused key or an unreachable API are clear warnings', async () => {
    const { logger, lines, flush } = capturedLogger();
    const llm = createAnthropicLlm({ apiKey: 'sk-model', baseURL: fake.url, logger });
    expect(await checkModelAtStart('claude-good', llm.checkModel!, logger)).toMatchObject({ status: 'active' });
    expect(await checkModelAtStart('claude-old', llm.checkModel!, logger)).toMatchObject({
      status: 'deprecated',
      retiresAt: '2026-11-30T00:00:00Z',
    });
    expect(await checkModelAtStart('claude-nope', llm.checkModel!, logger)).toMatchObject({ status: 'unknown' });
    const badKey = createAnthropicLlm({ apiKey: 'sk-wrong', baseURL: fake.url, logger });
    expect(await checkModelAtStart('claude-good', badKey.checkModel!, logger)).toMatchObject({ status: 'key_rejected', httpStatus: 401 });
    const nowhere = createAnthropicLlm({ apiKey: 'sk-model', baseURL: `http://127.0.0.1:${await freePort()}`, logger });
    expect(await checkModelAtStart('claude-good', nowhere.checkModel!, logger)).toMatchObject({ status: 'unreachable' });
    const deprecatedInSdk = Object.keys(sdkDeprecatedModels())[0]!;
    await checkModelAtStart(deprecatedInSdk, llm.checkModel!, logger);
    await flush();
    const warnings = lines.filter((l) => l.level === 40).map((l) => String(l.msg));
    expect(warnings).toEqual([
      'PLAINFRA_MODEL claude-old is deprecated and retires 2026-11-30: set PLAINFRA_MODEL to a current model',
      expect.stringMatching(/^PLAINFRA_MODEL claude-nope is unknown to the Anthropic API for this key/),
      'the Anthropic API refused ANTHROPIC_API_KEY (HTTP 401): set a valid key',
      'could not check PLAINFRA_MODEL at start (Anthropic API unreachable); starting anyway',
      expect.stringMatching(
        new RegExp(
          `^PLAINFRA_MODEL ${deprecatedInSdk} is deprecated in the installed Anthropic SDK \\(end of life .+\\): ` +
            'set PLAINFRA_MODEL to a current model$',
        ),
      ),
      expect.stringMatching(new RegExp(`^PLAINFRA_MODEL ${deprecatedInSdk} is unknown`)),
    ]);
  });

  it('plainfra sentinel starts when the API is unreachable, with the warning in its log', async () => {
    const { logger, lines, flush } = capturedLogger();
    const config = loadConfig('sentinel', {
      DATABASE_URL: t.url,
      REDIS_URL,
      PLAINFRA_QUEUE_PREFIX: prefix,
      ANTHROPIC_API_KEY: 'sk-model',
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    });
    const sentinel = await runSentinel(config, logger);
    await sentinel.close();
    await flush();
    const msgs = lines.map((l) => String(l.msg));
    expect(msgs).toContain('could not check PLAINFRA_MODEL at start (Anthropic API unreachable); starting anyway');
    expect(msgs).toContain('sentinel ready');
  });
});
