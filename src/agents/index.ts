/** The agent loop (ours, no framework): durable steps over the Anthropic Messages API. */
export { runTurnStep } from './turn.js';
export { abandonTurn } from './end-turn.js';
export type { SentinelDeps } from './deps.js';
export { createAnthropicLlm, LlmError, type Llm } from './llm.js';
// The Bedrock client (bedrock-llm.ts) is loaded lazily by this, never exported statically.
export { createConfiguredLlm } from './llm-from-config.js';
export { ModelHealth } from './model-health.js';
export { checkModelAtStart, sdkDeprecatedModels } from './model-check.js';
