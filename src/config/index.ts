/** Configuration: one validated environment per process role. */
export { loadConfig, ConfigError, type ConfigFor } from './load.js';
export {
  FORBIDDEN,
  AWS_CREDENTIAL_VARS,
  type Role,
  type BotConfig,
  type HawkConfig,
  type SentinelConfig,
  type AdminConfig,
  type CommonConfig,
} from './env.js';
export { bedrockRegion, isBedrockModelId, LLM_PROVIDERS, BEDROCK_API_KEY_VAR, type LlmProvider } from './llm-provider.js';
