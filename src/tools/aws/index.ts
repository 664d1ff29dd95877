/**
 * hawk's AWS layer: the only door other folders use. Read-only is enforced in layers:
 * allowlist (refusalFor; ARNs pinned to the bound account) → per-service STS session policy (with an
 * aws:ResourceAccount condition) → response shaping → secret redaction.
 * See docs/hawk.md.
 */
export type { AwsQueryOutcome } from './types.js';

export { refusalFor } from './refusal.js';
export { accountScopeOf } from './account-pin.js';
export { createAwsQueryRunner, type AwsQueryRunner } from './runner.js';
export { verifyAccount } from './verify.js';
