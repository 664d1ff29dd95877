/** Configuration: one validated environment per process role. */
export { loadConfig, ConfigError } from './load.js';
export type { BotConfig, HawkConfig, SentinelConfig, AdminConfig, CommonConfig } from './env.js';
export { bedrockRegion } from './llm-provider.js';
