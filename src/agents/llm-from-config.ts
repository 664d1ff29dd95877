import type { Logger } from 'pino';
import { bedrockRegion, type SentinelConfig } from '../config/index.js';
import { createAnthropicLlm, type Llm } from './llm.js';

/**
 * The sentinel's model client for its configured provider. The Bedrock SDK (and the AWS signing
 * code it brings) is imported only when the provider is bedrock, so a sentinel on the Anthropic
 * API never loads any AWS code at all.
 */
export async function createConfiguredLlm(
  config: SentinelConfig,
  logger?: Logger,
  /**
   * HTTP attempts the SDK retries itself (429, 5xx, connection errors, with its backoff).
   * @defaultValue 0: the sentinel's queue retries a failed step, and each attempt is audited.
   */
  opts: { maxRetries?: number } = {},
): Promise<Llm> {
  if (config.PLAINFRA_LLM_PROVIDER === 'bedrock') {
    const region = bedrockRegion(config);
    // loadConfig refuses a bedrock sentinel without a region; this guards callers that skip it.
    if (!region) throw new Error('PLAINFRA_LLM_PROVIDER=bedrock needs AWS_REGION or PLAINFRA_BEDROCK_REGION');
    const { createBedrockLlm } = await import('./bedrock-llm.js');
    return createBedrockLlm({ region, endpoint: config.PLAINFRA_BEDROCK_ENDPOINT, logger, maxRetries: opts.maxRetries });
  }
  if (!config.ANTHROPIC_API_KEY) throw new Error('PLAINFRA_LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY');
  return createAnthropicLlm({ apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL, logger, maxRetries: opts.maxRetries });
}
