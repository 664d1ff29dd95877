/** Configuration: one validated environment per process role. */
export { loadConfig, ConfigError, type ConfigFor } from './load.js';
export {
  FORBIDDEN,
  type Role,
  type BotConfig,
  type HawkConfig,
  type SentinelConfig,
  type AdminConfig,
  type CommonConfig,
} from './env.js';
