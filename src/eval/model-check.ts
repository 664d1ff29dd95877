import { sdkDeprecatedModels, type Llm } from '../agents/index.js';
import { ConfigError } from '../config/index.js';
import type { EvalConfig } from './config.js';
import { anthropicModelOf } from './model-ids.js';

/**
 * A model id the provider does not know, or refused credentials, would fail every question the
 * same way: say so once, before any question runs. A deprecated model is still measured (that is
 * often why the eval is run), with a warning; an unreachable Models API is left to the questions.
 */
export async function checkModelFirst(
  config: EvalConfig,
  llm: Llm,
  progress: { warn: (text: string) => void; quiet: boolean },
): Promise<void> {
  if (config.PLAINFRA_LLM_PROVIDER === 'bedrock') return checkBedrockModelFirst(config, progress);
  return checkAnthropicModelFirst(llm, config.PLAINFRA_MODEL, progress.warn);
}

/** The Models API: the model exists for this key, and its lifecycle. */
async function checkAnthropicModelFirst(llm: Llm, model: string, warn: (text: string) => void): Promise<void> {
  const eol = sdkDeprecatedModels()[model];
  if (eol) warn(`plainfra eval: ${model} is deprecated in the installed Anthropic SDK (end of life ${eol})`);
  if (!llm.checkModel) return;
  const check = await llm.checkModel(model);
  if (check.status === 'unknown') {
    throw new ConfigError(
      `plainfra eval: the Anthropic API does not know model "${model}" for this key: ` +
        'pass --model (or set PLAINFRA_MODEL) to a model the key may use (GET /v1/models lists them)',
    );
  }
  if (check.status === 'key_rejected')
    throw new ConfigError(`plainfra eval: the Anthropic API refused ANTHROPIC_API_KEY (HTTP ${check.httpStatus}): set a valid key`);
  if (check.status === 'deprecated')
    warn(`plainfra eval: ${model} is ${check.lifecycle}${check.retiresAt ? ` and retires ${check.retiresAt.slice(0, 10)}` : ''}`);
}

/**
 * Bedrock Runtime has no Models API (and the sentinel's role may only invoke), so the check is
 * `plainfra doctor sentinel`'s: one InvokeModel call of one output token, with the doctor's fix
 * when it fails. Loaded lazily: the AWS code is imported only on Bedrock.
 */
async function checkBedrockModelFirst(config: EvalConfig, progress: { warn: (text: string) => void; quiet: boolean }): Promise<void> {
  const model = config.PLAINFRA_MODEL;
  const underlying = anthropicModelOf(model);
  const eol = underlying ? sdkDeprecatedModels()[underlying] : undefined;
  if (eol) {
    progress.warn(
      `plainfra eval: ${model} is ${underlying}, deprecated in the installed Anthropic SDK ` +
        `(end of life ${eol}; Bedrock's own dates may differ)`,
    );
  }
  if (!progress.quiet) progress.warn(`plainfra eval: Bedrock has no Models API; trying ${model} with one InvokeModel call`);
  const { checkBedrockModel } = await import('../doctor/bedrock.js');
  const [check] = await checkBedrockModel(config);
  if (!check || check.ok) return;
  throw new ConfigError(`plainfra eval: ${check.detail}: ${check.fix}`);
}
