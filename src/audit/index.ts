/** The audit trail: every message, LLM call and tool call, append-only, keyed by conversation. */
export {
  recordAudit,
  readTrail,
  readTrailRows,
  findByStepKey,
  findAuditRow,
  findThreadConversations,
  type AuditInput,
  type InvalidRowReporter,
} from './record.js';
export {
  stepKey,
  stepKeyPrefix,
  payloadField,
  isKind,
  turnIdOf,
  toolInputOf,
  parsedEvents,
  parseAuditRow,
  auditEventSchema,
  auditPayloadSchemas,
  contentBlockSchema,
  llmUsageSchema,
  type LlmUsage,
  ADMIN_ACTIONS,
  type AdminAction,
  type AuditEvent,
  type AuditEventInput,
  type AuditPayload,
  type AuditEnvelope,
  type AuditRow,
  type InvalidAuditRow,
  type ContentBlock,
  type ToolInput,
} from './events.js';
export { formatTrail, trailToJson } from './format.js';
export { usageByTurn, formatUsage, type TurnUsage } from './usage.js';
export { adminConversationId, recordAdminAction, readAdminTrail, currentOperator, type AdminActionInput } from './admin.js';
export { pruneExpired, DEFAULT_RETENTION, type RetentionPolicy, type RetentionResult } from './retention.js';
export { findStrandedTurns, type StrandedTurn } from './stranded.js';
export {
  verifyAuditChains,
  verifyConversation,
  canonicalContent,
  rowHash,
  formatVerifyResult,
  GENESIS_HASH,
  type ChainRow,
  type ChainBreak,
  type VerifyResult,
} from './chain.js';
