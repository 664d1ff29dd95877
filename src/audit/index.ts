/** The audit trail: every message, LLM call and tool call, append-only, keyed by conversation. */
export { recordAudit, readTrail, readTrailRows, findByStepKey, findAuditRow, findThreadConversations } from './record.js';
export {
  stepKey,
  isKind,
  turnIdOf,
  toolInputOf,
  parsedEvents,
  parseAuditRow,
  type LlmUsage,
  type AuditEvent,
  type AuditEventInput,
  type AuditPayload,
  type AuditRow,
  type ContentBlock,
} from './events.js';
export { formatTrail, trailToJson } from './format.js';
export { readAdminTrail, recordAdminAction } from './admin.js';
export { pruneExpired } from './retention.js';
export { findStrandedTurns } from './stranded.js';
export { verifyAuditChains, formatVerifyResult } from './chain.js';
