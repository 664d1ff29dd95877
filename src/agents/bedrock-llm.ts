import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import type { Logger } from 'pino';
import { createAnthropicLlm, type Llm } from './llm.js';

/**
 * The Messages API version Bedrock's InvokeModel takes (in the body, as `anthropic_version`): the
 * only value Bedrock documents for Anthropic models. The SDK moves its `anthropic-version` header
 * into the body, so setting the header here is what puts this value on the wire.
 */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** Bedrock Runtime's public endpoint for a region (China regions live under amazonaws.com.cn). */
export function bedrockRuntimeEndpoint(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/**
 * The same Messages request as createAnthropicLlm, sent to Amazon Bedrock's InvokeModel
 * (`POST /model/{modelId}/invoke`) and signed with SigV4 for the `bedrock` service. Credentials
 * come only from the AWS default chain (environment, shared config, ECS task role, web identity);
 * `apiKey: null` keeps the SDK from using a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) instead,
 * so the sentinel's identity is always an IAM principal that the shipped policy confines.
 */
export function createBedrockLlm(opts: {
  region: string;
  endpoint?: string;
  maxRetries?: number;
  timeoutMs?: number;
  logger?: Logger;
}): Llm {
  const client = new AnthropicBedrock({
    awsRegion: opts.region,
    // Always explicit, so a stray ANTHROPIC_BEDROCK_BASE_URL in the environment cannot redirect it.
    baseURL: opts.endpoint ?? bedrockRuntimeEndpoint(opts.region),
    apiKey: null,
    // As on the Anthropic API: no SDK retries, each HTTP attempt is a BullMQ attempt of the step.
    maxRetries: opts.maxRetries ?? 0,
    timeout: opts.timeoutMs ?? 120_000,
    defaultHeaders: { 'anthropic-version': BEDROCK_ANTHROPIC_VERSION },
  });
  return createAnthropicLlm({ client, logger: opts.logger });
}
