import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LlmError, type LlmRequest } from '../src/agents/llm.js';
import { bedrockRuntimeEndpoint, createBedrockLlm } from '../src/agents/bedrock-llm.js';
import { byToolResults } from './fakes/anthropic.js';
import { startFakeBedrock, type FakeBedrock } from './fakes/bedrock.js';
import { controlAwsChainEnv } from './helpers/aws-chain-env.js';

/**
 * The Bedrock transport of the sentinel's model calls: the real @anthropic-ai/bedrock-sdk against a
 * local server that checks InvokeModel's wire format and recomputes each SigV4 signature.
 */
const REGION = 'eu-west-1';
const MODEL = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
const KEYS = { accessKeyId: 'AKIDSENTINELBEDROCK', secretAccessKey: 'sentinel-bedrock-secret' };

const request: LlmRequest = {
  model: MODEL,
  maxTokens: 512,
  system: 'You answer questions about AWS.',
  tools: [
    {
      name: 'aws_docs',
      description: 'Fetch an AWS docs page',
      input_schema: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
    },
  ],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'What is S3?' }] }],
  toolChoice: 'auto',
};

/** The SDK's default chain reads the environment; each test sets exactly what it needs. */
const awsEnv = controlAwsChainEnv();

describe('Bedrock LLM (InvokeModel over SigV4)', () => {
  let bedrock: FakeBedrock;
  // Each test sets its own script; arrays count from that test's first scripted request.
  let script: Parameters<typeof startFakeBedrock>[0]['script'] = [];
  let calls = 0;
  beforeAll(async () => {
    bedrock = await startFakeBedrock({
      region: REGION,
      credentials: KEYS,
      models: [MODEL],
      script: (r, i) => (typeof script === 'function' ? script(r, i) : script[calls++]!),
    });
  });
  afterEach(() => {
    bedrock.requests.length = 0;
    calls = 0;
  });
  afterAll(async () => {
    await bedrock.close();
    awsEnv.restore();
  });

  it('sends the Messages request to /model/{id}/invoke, signed for bedrock in the region, without model in the body', async () => {
    awsEnv.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    script = [{ text: 'S3 is object storage.' }];
    const llm = createBedrockLlm({ region: REGION, endpoint: bedrock.url, maxRetries: 0 });
    const res = await llm.create(request);
    expect(res.content).toEqual([{ type: 'text', text: 'S3 is object storage.', citations: null }]);
    expect(res.stopReason).toBe('end_turn');
    expect(res.usage.input_tokens).toBeGreaterThan(0);

    const [seen] = bedrock.requests;
    expect(seen!.status).toBe(200); // the fake recomputed the signature and it matched
    expect(seen!.method).toBe('POST');
    expect(decodeURIComponent(seen!.path)).toBe('/model/eu.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke');
    expect(seen!.modelId).toBe(MODEL);
    expect(seen!.sigv4).toMatchObject({ accessKeyId: KEYS.accessKeyId, region: REGION, service: 'bedrock' });
    expect(seen!.body).not.toHaveProperty('model');
    expect(seen!.body).not.toHaveProperty('stream');
    expect(seen!.body).toMatchObject({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 512,
      messages: request.messages,
      tool_choice: { type: 'auto' },
    });
    expect((seen!.body.tools ?? []).map((t) => t.name)).toEqual(['aws_docs']);
    expect(JSON.stringify(seen!.body.system)).toContain('You answer questions about AWS.');
  });

  it('carries a session token (ECS task role credentials) and the tool_use round trip', async () => {
    awsEnv.set({
      AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
      AWS_SESSION_TOKEN: 'task-role-session',
    });
    script = byToolResults([{ toolUse: [{ name: 'aws_docs', input: { url: 'https://docs.aws.amazon.com/s3/' } }] }, { text: 'done' }]);
    const llm = createBedrockLlm({ region: REGION, endpoint: bedrock.url, maxRetries: 0 });
    const first = await llm.create(request);
    expect(first.stopReason).toBe('tool_use');
    const toolUse = first.content.find((b) => b.type === 'tool_use') as unknown as { id: string };
    const second = await llm.create({
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'S3 docs' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'done', citations: null }]);
    expect(bedrock.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(bedrock.requests[0]!.headers['x-amz-security-token']).toBe('task-role-session');
    expect(bedrock.requests[0]!.sigv4!.signedHeaders).toContain('x-amz-security-token');
  });

  it('retries Bedrock throttling itself and then answers', async () => {
    awsEnv.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    script = byToolResults([
      [{ error: { status: 429, message: 'Too many requests, please wait before trying again.' } }, { text: 'after throttling' }],
    ]);
    const llm = createBedrockLlm({ region: REGION, endpoint: bedrock.url, maxRetries: 2 });
    const res = await llm.create(request);
    expect(res.content[0]).toMatchObject({ text: 'after throttling' });
    expect(bedrock.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('a signature with the wrong secret is refused, as a non-retryable 403', async () => {
    awsEnv.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    script = [{ text: 'unreachable' }];
    const err = await createBedrockLlm({ region: REGION, endpoint: bedrock.url, maxRetries: 0 })
      .create(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err).toMatchObject({ status: 403, retryable: false });
    expect((err as Error).message).toMatch(/signature we calculated does not match/);
  });

  it('a client signing for another region is refused (the scope names the region)', async () => {
    awsEnv.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    const err = await createBedrockLlm({ region: 'us-east-1', endpoint: bedrock.url, maxRetries: 0 })
      .create(request)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 403, retryable: false });
    expect(bedrock.requests[0]!.sigv4!.region).toBe('us-east-1');
  });

  it('a model the account may not use is a non-retryable 400 naming the model id', async () => {
    awsEnv.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    const err = await createBedrockLlm({ region: REGION, endpoint: bedrock.url, maxRetries: 0 })
      .create({ ...request, model: 'anthropic.claude-unknown-v1:0' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, retryable: false });
    expect((err as Error).message).toMatch(/model identifier is invalid/);
  });

  it('ignores a Bedrock API key: it signs with IAM credentials only', async () => {
    awsEnv.set({
      AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
      AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key',
    });
    script = [{ text: 'signed' }];
    await createBedrockLlm({ region: REGION, endpoint: bedrock.url, maxRetries: 0 }).create(request);
    expect(bedrock.requests[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDSENTINELBEDROCK\//);
  });

  it('without any AWS credentials the call fails as retryable, naming the credential chain', async () => {
    awsEnv.set({});
    const err = await createBedrockLlm({ region: REGION, endpoint: bedrock.url, maxRetries: 0 })
      .create(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err).toMatchObject({ retryable: true });
    expect((err as Error).message).toMatch(/AWS credentials/);
    expect(bedrock.requests).toHaveLength(0);
  });

  it('uses the public regional endpoint by default', () => {
    expect(bedrockRuntimeEndpoint('us-east-1')).toBe('https://bedrock-runtime.us-east-1.amazonaws.com');
    expect(bedrockRuntimeEndpoint('cn-north-1')).toBe('https://bedrock-runtime.cn-north-1.amazonaws.com.cn');
  });
});
