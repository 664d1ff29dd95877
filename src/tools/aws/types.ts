/**
 * Public types of hawk's AWS layer. Kept apart from the implementation so the sentinel and the bot
 * can import shapes without pulling in every AWS SDK client.
 */

/** One customer account hawk may read, as stored by `plainfra accounts add`. */
export interface AccountTarget {
  accountName: string;
  roleArn: string;
  externalId: string;
  /**
   * During an ExternalId rotation, the new id: hawk tries it first and falls back to `externalId`
   * (the role's trust policy accepts exactly one of them, whichever the customer's stack has now).
   */
  pendingExternalId?: string;
  /** Regions to fan out to when the model omits `region` for a regional operation. */
  regions: string[];
}

/** Who asked: used for the STS session name/source identity, so CloudTrail in the customer account shows it. */
export interface QueryContext {
  conversationId: string;
  teamId: string;
  userId: string;
  /**
   * The question (turn) within the conversation. Sessions are per question: a follow-up by another
   * user gets its own AssumeRole, so CloudTrail's SourceIdentity names who asked.
   */
  turnId?: string;
  /**
   * What counts as one question for the Cost Explorer budget; default `conversationId:turnId`.
   * A digest counts per account, so each account's fixed bundle fits the per-question budget.
   */
  budgetQuestion?: string;
}

/** What the model asked for through the `aws_query` tool. */
export interface AwsQueryInput {
  region?: string;
  service: string;
  operation: string;
  params?: Record<string, unknown>;
}

export type AwsQueryOutcome =
  | { status: 'ok'; result: unknown; cache: 'hit' | 'miss' | 'none'; pages: number; truncated: boolean; redactions: number }
  /** Not on the allowlist or bad params: `reason` is written for the model to read and correct itself. */
  | { status: 'refused'; reason: string; budget?: BudgetRefusalInfo }
  /** `message` is written for a human (Slack admin) or the model; never contains credentials. */
  | { status: 'error'; kind: 'trust' | 'throttled' | 'aws' | 'timeout'; message: string; retryable: boolean };

/** A refusal because a spend budget is used up. */
export interface BudgetRefusalInfo {
  kind: 'ce';
  which: 'question' | 'day';
  limit: number;
  /** Pages of the refused call already requested before the budget ran out (mid-pagination). */
  pagesSpent: number;
}

export interface Limits {
  /** Pages followed per region before stopping (the rest is reported as truncated). */
  maxPages: number;
  /** List items kept verbatim in a result (top-N); the rest only count towards the summary. */
  maxItems: number;
  /** Upper bound of the result's JSON size: the model's context is the scarce resource. */
  maxResultChars: number;
  /** Regions queried at once when fanning out. */
  regionConcurrency: number;
  /** Wall-clock budget of one `run`, all regions and pages included. */
  timeoutMs: number;
  /** SDK attempts per request (adaptive retry mode); throttling beyond this becomes `kind: 'throttled'`. */
  maxAttempts: number;
  /** Security Hub request rate per account+region (its GetFindings quota is 3 req/s). */
  securityHubRps: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxPages: 15,
  maxItems: 25,
  maxResultChars: 12_000,
  regionConcurrency: 4,
  timeoutMs: 60_000,
  maxAttempts: 4,
  securityHubRps: 3,
};
