/** Configuration: one validated environment per process role. */
export { loadConfig, ConfigError } from './load.js';
export type { BotConfig, HawkConfig, SentinelConfig, AdminConfig, CommonConfig } from './env.js';
export { bedrockRegion, forbiddenForSentinel } from './llm-provider.js';
// The sentinel's schema and model secrets, for `plainfra eval`, which reads the sentinel's settings.
export { sentinelEnv, LLM_SECRET_VARS } from './env.js';
