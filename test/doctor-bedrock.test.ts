import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorCommand } from '../src/cli/doctor.js';
import { startFakeBedrock, type FakeBedrock } from './fakes/bedrock.js';
import { controlAwsChainEnv } from './helpers/aws-chain-env.js';
import { REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** `plainfra doctor --role sentinel` with PLAINFRA_LLM_PROVIDER=bedrock: one 1-token InvokeModel, and the fix for each failure. */
const REGION = 'us-west-2';
const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const KEYS = { accessKeyId: 'AKIDDOCTORBEDROCK', secretAccessKey: 'doctor-secret' };
/** The SDK's default chain reads the environment; each test sets exactly what it needs. */
const awsEnv = controlAwsChainEnv();

async function llmLine(env: Record<string, string>) {
  const json: string[] = [];
  await doctorCommand('sentinel', { json: true }, env, (l) => json.push(l));
  return (JSON.parse(json.join('\n')) as { checks: { name: string; ok: boolean; detail: string; fix?: string }[] }).checks.find((c) =>
    c.name.startsWith('llm model'),
  )!;
}

describe('plainfra doctor --role sentinel on Bedrock', () => {
  let bedrock: FakeBedrock;
  let env: Record<string, string>;
  beforeAll(async () => {
    bedrock = await startFakeBedrock({ region: REGION, credentials: KEYS, models: [MODEL], script: () => ({ text: 'p' }) });
    env = {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL,
      PLAINFRA_QUEUE_PREFIX: uniquePrefix(),
      PLAINFRA_LLM_PROVIDER: 'bedrock',
      AWS_REGION: REGION,
      PLAINFRA_MODEL: MODEL,
      PLAINFRA_BEDROCK_ENDPOINT: bedrock.url,
    };
  });
  afterAll(async () => {
    await bedrock.close();
    awsEnv.restore();
  });

  it('✔ when the identity may invoke the model, with a one-token request', async () => {
    awsEnv.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    const line = await llmLine(env);
    expect(line).toMatchObject({ ok: true, name: 'llm model (bedrock)' });
    expect(line.detail).toBe(`${MODEL} answers InvokeModel in ${REGION}`);
    expect(bedrock.requests.at(-1)!.body.max_tokens).toBe(1);
  });

  it('✘ on a refused identity, pointing at the sentinel policy template', async () => {
    awsEnv.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong' });
    const line = await llmLine(env);
    expect(line.ok).toBe(false);
    expect(line.detail).toMatch(/Bedrock refused the sentinel's AWS identity \(HTTP 403\)/);
    expect(line.fix).toContain('deploy/aws/plainfra-sentinel-bedrock.yaml');
  });

  it('✘ on a model Bedrock does not know, saying how to list the ids', async () => {
    awsEnv.set({ AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
    const line = await llmLine({ ...env, PLAINFRA_MODEL: 'us.anthropic.claude-nope-v1:0' });
    expect(line.detail).toMatch(/Bedrock rejected model "us.anthropic.claude-nope-v1:0" in us-west-2 \(HTTP 400\)/);
    expect(line.fix).toContain(`aws bedrock list-inference-profiles --region ${REGION}`);
  });

  it('✘ without credentials, saying where they come from', async () => {
    awsEnv.set({});
    const line = await llmLine(env);
    expect(line.detail).toBe('no AWS credentials found by the default chain');
    expect(line.fix).toContain('ECS task role');
  });
});
