import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import type { Enqueuer } from '../queues/index.js';
import type { Llm } from './llm.js';
import type { ModelHealth } from './model-health.js';

/**
 * What every part of a sentinel step needs (the question turn, the report turn, tool calls,
 * grounding). Its own module, so those parts depend on it and not on each other: step.ts dispatches
 * to them, nothing imports step.ts back.
 */
export interface SentinelDeps {
  db: Db;
  enqueuer: Enqueuer;
  llm: Llm;
  logger: Logger;
  model: string;
  maxSteps: number;
  docsBaseUrl: string;
  maxTokens?: number;
  /** Estimated-token budget of the replayed thread (PLAINFRA_TRANSCRIPT_TOKEN_BUDGET). */
  transcriptBudgetTokens?: number;
  /** aws_docs fetches per question (PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION). */
  maxDocsFetches?: number;
  /** Models that failed permanently lately (shared by the process's jobs); absent: no pause. */
  modelHealth?: ModelHealth;
}
