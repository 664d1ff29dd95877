import { describe, expect, it } from 'vitest';
import { bedrockRegion, ConfigError, loadConfig } from '../src/config/index.js';

/** The sentinel's environment per LLM provider: what each must be given, and what each refuses. */
const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', REDIS_URL: 'redis://127.0.0.1:6379' };
const anthropic = { ...base, ANTHROPIC_API_KEY: 'sk-test' };
const bedrock = {
  ...base,
  PLAINFRA_LLM_PROVIDER: 'bedrock',
  AWS_REGION: 'eu-west-1',
  PLAINFRA_MODEL: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
};

function refusal(env: Record<string, string>): string {
  try {
    loadConfig('sentinel', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('sentinel LLM provider configuration', () => {
  it('defaults to the Anthropic API', () => {
    expect(loadConfig('sentinel', anthropic).PLAINFRA_LLM_PROVIDER).toBe('anthropic');
  });

  it('accepts bedrock with a region, a Bedrock model id and the AWS default chain credentials', () => {
    const config = loadConfig('sentinel', {
      ...bedrock,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc',
    });
    expect(config.PLAINFRA_LLM_PROVIDER).toBe('bedrock');
    expect(bedrockRegion(config)).toBe('eu-west-1');
    expect(config.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it.each([
    'anthropic.claude-sonnet-4-5-20250929-v1:0',
    'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6',
  ])('accepts the Bedrock model id %s', (model) => {
    expect(loadConfig('sentinel', { ...bedrock, PLAINFRA_MODEL: model }).PLAINFRA_MODEL).toBe(model);
  });

  it('PLAINFRA_BEDROCK_REGION wins over AWS_REGION', () => {
    expect(bedrockRegion(loadConfig('sentinel', { ...bedrock, PLAINFRA_BEDROCK_REGION: 'us-west-2' }))).toBe('us-west-2');
    expect(bedrockRegion(loadConfig('sentinel', { ...bedrock, AWS_REGION: '', PLAINFRA_BEDROCK_REGION: 'us-west-2' }))).toBe('us-west-2');
  });

  it('refuses bedrock with ANTHROPIC_API_KEY: data could leave the AWS account', () => {
    const message = refusal({ ...bedrock, ANTHROPIC_API_KEY: 'sk-test' });
    expect(message).toContain('ANTHROPIC_API_KEY is set, but the sentinel process must not hold it: with PLAINFRA_LLM_PROVIDER=bedrock');
    expect(message).toContain('Unset ANTHROPIC_API_KEY');
  });

  it.each([
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_PROFILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
  ])('refuses the anthropic provider with %s, and says how to use Bedrock instead', (name) => {
    const message = refusal({ ...anthropic, [name]: 'x' });
    expect(message).toContain(`${name} is set, but the sentinel process must not hold it`);
    expect(message).toContain('set PLAINFRA_LLM_PROVIDER=bedrock');
  });

  it.each([
    ['bedrock', bedrock],
    ['anthropic', anthropic],
  ] as const)('refuses a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) with the %s provider', (_, env) => {
    expect(refusal({ ...env, AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key' })).toContain(
      'AWS_BEARER_TOKEN_BEDROCK is set, but the sentinel process must not hold it',
    );
  });

  it('refuses bedrock without a region, naming both variables that set it', () => {
    const { AWS_REGION: _, ...noRegion } = bedrock;
    expect(refusal(noRegion)).toContain(
      'AWS_REGION: required with PLAINFRA_LLM_PROVIDER=bedrock: set AWS_REGION (or PLAINFRA_BEDROCK_REGION)',
    );
  });

  it('refuses bedrock with an Anthropic API model id (or the default), showing Bedrock ids', () => {
    const { PLAINFRA_MODEL: _, ...noModel } = bedrock;
    expect(refusal(noModel)).toMatch(/PLAINFRA_MODEL: "claude-sonnet-5-5" is not an Amazon Bedrock model id: .*us\.anthropic\./);
    expect(refusal({ ...bedrock, PLAINFRA_MODEL: 'claude-sonnet-5-5' })).toContain('is not an Amazon Bedrock model id');
  });

  it('refuses the anthropic provider with a Bedrock model id', () => {
    expect(refusal({ ...anthropic, PLAINFRA_MODEL: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' })).toContain(
      'is an Amazon Bedrock model id: set PLAINFRA_LLM_PROVIDER=bedrock',
    );
  });

  it('refuses the anthropic provider without its key, offering bedrock', () => {
    expect(refusal(base)).toContain('ANTHROPIC_API_KEY: required with PLAINFRA_LLM_PROVIDER=anthropic (the default)');
  });

  it('refuses an unknown provider, a malformed region and ANTHROPIC_BASE_URL with bedrock, all at once', () => {
    expect(refusal({ ...anthropic, PLAINFRA_LLM_PROVIDER: 'vertex' })).toContain(
      'PLAINFRA_LLM_PROVIDER must be anthropic (the Anthropic API) or bedrock',
    );
    const message = refusal({ ...bedrock, AWS_REGION: 'Ireland', ANTHROPIC_BASE_URL: 'http://127.0.0.1:1' });
    expect(message).toContain('AWS_REGION must be an AWS region name, e.g. us-east-1');
    expect(message).toContain('ANTHROPIC_BASE_URL: applies to PLAINFRA_LLM_PROVIDER=anthropic only');
  });

  it('still refuses Slack secrets with bedrock', () => {
    expect(refusal({ ...bedrock, SLACK_BOT_TOKEN: 'xoxb-1' })).toContain(
      'SLACK_BOT_TOKEN is set, but the sentinel process must not hold it',
    );
  });

  it.each(['bot', 'hawk'] as const)('the %s refuses a Bedrock API key (it is an LLM credential)', (role) => {
    const env = role === 'bot' ? { ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-secret' } : base;
    expect(() => loadConfig(role, { ...env, AWS_BEARER_TOKEN_BEDROCK: 'k' })).toThrow(/AWS_BEARER_TOKEN_BEDROCK is set, but the/);
  });
});
