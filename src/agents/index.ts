/** The agent loop (ours, no framework): durable steps over the Anthropic Messages API. */
export { runSentinelStep, abandonTurn, type SentinelDeps } from './step.js';
export { createAnthropicLlm, LlmError, type Llm, type LlmRequest, type LlmResponse } from './llm.js';
// The Bedrock client (bedrock-llm.ts) is loaded lazily by this, never exported statically.
export { createConfiguredLlm } from './llm-from-config.js';
export { buildTranscript, toolResultOf, type TranscriptMessage, type ContentBlock } from './transcript.js';
export { systemPrompt } from './prompt.js';
export { ModelHealth, permanentCause, unavailableText, PERMANENT_ERROR_PAUSE_MS } from './model-health.js';
export { checkModel, checkModelAtStart, sdkDeprecatedModels, type ModelCheck } from './model-check.js';
export { groundingSources } from './grounding.js';
