/**
 * hawk's AWS layer: the only door other folders use. Read-only is enforced in layers:
 * allowlist (refusalFor) → per-service STS session policy → response shaping → secret redaction.
 * See docs/hawk.md.
 */
export type { AccountTarget, QueryContext, AwsQueryInput, AwsQueryOutcome, Limits } from './types.js';
export { DEFAULT_LIMITS } from './types.js';
export { refusalFor } from './refusal.js';
export { createAwsQueryRunner, type AwsQueryRunner, type AwsQueryRunnerOptions } from './runner.js';
export { verifyAccount, type VerifyReport, type VerifyCheck, type VerifyOptions } from './verify.js';
