import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { byToolResults, startFakeAnthropic, type FakeAnthropic, type Script } from './fakes/anthropic.js';

const MODEL = 'claude-test-model';
const tools: Anthropic.Tool[] = [
  {
    name: 'list_instances',
    description: 'List EC2 instances',
    input_schema: { type: 'object', properties: { region: { type: 'string' } }, required: ['region'] },
  },
];

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(script: Script, extra: { apiKey?: string } = {}) {
  fake = await startFakeAnthropic({ script, ...extra });
  return fake;
}

/** A minimal agent loop, like the real one: run tools until the model stops asking. */
async function agentLoop(client: Anthropic, question: string) {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: question }];
  for (let i = 0; i < 5; i++) {
    const res = await client.messages.create({ model: MODEL, max_tokens: 1024, tools, messages });
    messages.push({ role: 'assistant', content: res.content });
    if (res.stop_reason !== 'tool_use') return { res, messages };
    const results: Anthropic.ToolResultBlockParam[] = res.content
      .filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
      .map((b) => ({ type: 'tool_result', tool_use_id: b.id, content: JSON.stringify({ instances: ['i-123'], input: b.input }) }));
    messages.push({ role: 'user', content: results });
  }
  throw new Error('loop did not finish');
}

describe('fake Anthropic Messages API with the real SDK', () => {
  it('runs a tool_use → text conversation and records requests', async () => {
    const f = await start([
      { text: 'Let me look.', toolUse: [{ name: 'list_instances', input: { region: 'eu-west-1' } }] },
      { text: 'You have 1 instance: i-123.' },
    ]);
    const client = new Anthropic({ apiKey: 'test', baseURL: f.url, maxRetries: 1 });
    const { res, messages } = await agentLoop(client, 'What is running?');

    expect(res).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL,
      stop_reason: 'end_turn',
      stop_sequence: null,
      content: [{ type: 'text', text: 'You have 1 instance: i-123.' }],
    });
    expect(res.id).toMatch(/^msg_/);
    expect(res.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    expect(res.usage.input_tokens).toBeGreaterThan(0);

    const first = messages[1].content as Anthropic.ContentBlock[];
    expect(first[0]).toMatchObject({ type: 'text', text: 'Let me look.' });
    expect(first[1]).toMatchObject({ type: 'tool_use', name: 'list_instances', input: { region: 'eu-west-1' } });
    expect((first[1] as Anthropic.ToolUseBlock).id).toMatch(/^toolu_/);

    expect(f.requests).toHaveLength(2);
    expect(f.requests[0].body).toMatchObject({ model: MODEL, max_tokens: 1024, tools: [{ name: 'list_instances' }] });
    expect(f.requests[1].body.messages?.[2].content).toMatchObject([
      { type: 'tool_result', tool_use_id: (first[1] as Anthropic.ToolUseBlock).id },
    ]);
    // How SDK 1.14 authenticates: Authorization: Bearer <apiKey> (not x-api-key), plus anthropic-version.
    expect(f.requests[0].headers.authorization).toBe('Bearer test');
    expect(f.requests[0].headers['anthropic-version']).toBeTruthy();
    expect(f.requests[0].retryCount).toBe(0);
  });

  it('retries a 429 (honouring retry-after) and then succeeds', async () => {
    const f = await start([{ error: { status: 429, retryAfter: 0.01 } }, { text: 'ok after retry' }]);
    const client = new Anthropic({ apiKey: 'test', baseURL: f.url, maxRetries: 1 });
    const res = await client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.content).toEqual([{ type: 'text', text: 'ok after retry', citations: null }]);
    expect(f.requests.map((r) => [r.status, r.retryCount])).toEqual([
      [429, 0],
      [200, 1],
    ]);
  });

  it('surfaces errors with the real error classes once retries are exhausted', async () => {
    const f = await start([
      { error: { status: 529, retryAfter: 0.01 } },
      { error: { status: 529, retryAfter: 0.01 } },
      { error: { status: 400, message: 'prompt is too long' } },
    ]);
    const client = new Anthropic({ apiKey: 'test', baseURL: f.url, maxRetries: 1 });
    const params = { model: MODEL, max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };
    const overloaded = await client.messages.create(params).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect(overloaded).toMatchObject({ status: 529, type: 'overloaded_error' });
    expect((overloaded as APIError).requestID).toMatch(/^req_/);
    const bad = await client.messages.create(params).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect(bad).toMatchObject({ status: 400, type: 'invalid_request_error', apiMessage: 'prompt is too long' });
    expect(f.requests).toHaveLength(3); // 400 is not retried
  });

  it('byToolResults answers by conversation position, so retries/other processes get the same turn', async () => {
    const f = await start(
      byToolResults([
        // position 0: first attempt rate-limited, the SDK's retry (x-stainless-retry-count: 1) succeeds
        [{ error: { status: 429, retryAfter: 0.01 } }, { toolUse: [{ name: 'list_instances', input: { region: 'us-east-1' } }] }],
        { text: 'done' },
      ]),
    );
    const a = new Anthropic({ apiKey: 'test', baseURL: f.url, maxRetries: 2 });
    const b = new Anthropic({ apiKey: 'test', baseURL: f.url, maxRetries: 2 });
    const [r1, r2] = await Promise.all([agentLoop(a, 'q1'), agentLoop(b, 'q1')]);
    expect(r1.res.content).toMatchObject([{ text: 'done' }]);
    expect(r2.res.content).toMatchObject([{ text: 'done' }]);
    // identical conversations produce identical (deterministic) tool_use ids
    expect((r1.messages[1].content as Anthropic.ToolUseBlock[])[0].id).toBe((r2.messages[1].content as Anthropic.ToolUseBlock[])[0].id);
    expect(f.requests.filter((r) => r.status === 429)).toHaveLength(2);
  });

  it('rejects malformed conversations like the real API (tool_result without tool_use)', async () => {
    const f = await start([{ text: 'never' }]);
    const client = new Anthropic({ apiKey: 'test', baseURL: f.url, maxRetries: 0 });
    const err = await client.messages
      .create({
        model: MODEL,
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_missing', content: 'x' }] },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as APIError).message).toMatch(/unexpected `tool_use_id`/);
  });

  it('returns other stop reasons (max_tokens, refusal)', async () => {
    const f = await start([
      { stopReason: 'max_tokens', text: 'trunc' },
      { stopReason: 'refusal', text: '' },
    ]);
    const client = new Anthropic({ apiKey: 'test', baseURL: f.url, maxRetries: 0 });
    const params = { model: MODEL, max_tokens: 5, messages: [{ role: 'user' as const, content: 'hi' }] };
    expect((await client.messages.create(params)).stop_reason).toBe('max_tokens');
    const refusal = await client.messages.create(params);
    expect(refusal.stop_reason).toBe('refusal');
    expect(refusal.stop_details).toMatchObject({ type: 'refusal' });
  });

  it('streams SSE events that the SDK assembles into the same message', async () => {
    const f = await start([
      {
        text: 'Checking the fleet now, hold on.',
        toolUse: [{ name: 'list_instances', input: { region: 'eu-central-1', extra: [1, 2, 3] } }],
      },
    ]);
    const client = new Anthropic({ apiKey: 'test', baseURL: f.url, maxRetries: 0 });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 100, tools, messages: [{ role: 'user', content: 'hi' }] });
    let streamedText = '';
    stream.on('text', (t) => {
      streamedText += t;
    });
    const msg = await stream.finalMessage();
    expect(streamedText).toBe('Checking the fleet now, hold on.');
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', name: 'list_instances', input: { region: 'eu-central-1', extra: [1, 2, 3] } });
    expect(f.requests[0].body.stream).toBe(true);
  });

  it('checks the API key when configured, and works via ANTHROPIC_BASE_URL', async () => {
    const f = await start([{ text: 'hello' }], { apiKey: 'right' });
    const wrong = new Anthropic({ apiKey: 'wrong', baseURL: f.url, maxRetries: 0 });
    await expect(
      wrong.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const prev = process.env.ANTHROPIC_BASE_URL;
    process.env.ANTHROPIC_BASE_URL = f.url;
    try {
      const viaEnv = new Anthropic({ apiKey: 'right', maxRetries: 0 });
      const res = await viaEnv.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
      expect(res.content[0]).toMatchObject({ text: 'hello' });
    } finally {
      if (prev === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = prev;
    }
  });

  it('requires an auth header and anthropic-version (raw HTTP)', async () => {
    const f = await start([{ text: 'x' }]);
    const body = JSON.stringify({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    const noKey = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body,
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const noVersion = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body,
    });
    expect(noVersion.status).toBe(400);
    const ok = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
    expect(await ok.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'x' }] });
  });
});
