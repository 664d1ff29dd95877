/**
 * hawk's AWS layer: the only door other folders use. Read-only is enforced in layers:
 * allowlist (refusalFor; ARNs pinned to the bound account) → per-service STS session policy (with an
 * aws:ResourceAccount condition) → response shaping → secret redaction.
 * See docs/hawk.md.
 */
export type { AccountTarget, QueryContext, AwsQueryInput, AwsQueryOutcome, Limits } from './types.js';
export { DEFAULT_LIMITS } from './types.js';
export { refusalFor } from './refusal.js';
export { accountScopeOf, type AccountScope } from './account-pin.js';
export { createAwsQueryRunner, type AwsQueryRunner, type AwsQueryRunnerOptions } from './runner.js';
export { verifyAccount, type VerifyReport, type VerifyCheck, type VerifyOptions } from './verify.js';
