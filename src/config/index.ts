/** Configuration: one validated environment per process role. */
export { loadConfig, ConfigError } from './load.js';
export { type BotConfig, type HawkConfig, type SentinelConfig, type AdminConfig, type CommonConfig } from './env.js';
export { bedrockRegion } from './llm-provider.js';
