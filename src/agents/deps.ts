import type { Logger } from 'pino';
import type { AuditEvent } from '../audit/index.js';
import type { Db } from '../db/index.js';
import type { Enqueuer } from '../queues/index.js';
import type { Llm } from './llm.js';
import type { ModelHealth } from './model-health.js';

/**
 * What every part of a sentinel step needs (the question turn, the report turn, tool calls,
 * grounding). Its own module, so those parts depend on it and not on each other: turn.ts
 * dispatches to the question step and the report step, and nothing imports turn.ts back.
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

/** Which BullMQ attempt of the job this is: the last one ends the turn instead of retrying. */
export interface StepAttempt {
  number: number;
  isFinal: boolean;
}

/** The conversation a step belongs to: where its question was asked. */
export interface TurnConversation {
  teamId: string;
  channelId: string;
  externallyShared: boolean;
}

/** What a step starts from: its conversation and the audit trail as read before any LLM call. */
export interface LoadedTurn {
  conv: TurnConversation;
  /** The conversation's trail: every tool result the step can need is in it. */
  trail: AuditEvent[];
  /** The process log, with the conversation, turn and step on every line. */
  log: Logger;
}
