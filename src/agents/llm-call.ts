import { recordAudit, stepKey, type AuditEvent } from '../audit/index.js';
import { RetryAfter, type SentinelJob } from '../queues/index.js';
import { LlmError, type LlmRequest, type LlmResponse } from './llm.js';
import type { SentinelDeps, StepAttempt } from './deps.js';

/** One model call of a step, audit-first: the question turn's and the digest narrative's. */

/** What the llm_request row records about the request besides its turn, step, attempt and model. */
export interface LlmRequestNotes {
  toolChoice?: string;
  messageCount?: number;
  /** What the replay left out (other accounts' results, older results past the size budget). */
  trimmed?: unknown;
  lastMessage?: unknown;
  /** Set when the call is not a question step (`digest narrative`). */
  purpose?: string;
}

export type LlmCallOutcome = { ok: true; response: LlmResponse; row: AuditEvent<'llm_response'> } | { ok: false; error: LlmError };

/**
 * Records the request, makes the call, records what came back: the response under the step's
 * `llm:` key, or the failure as an error row (the caller decides whether to retry or end the turn).
 * No audit row, no LLM call: if the first insert throws, the call never happens.
 */
export async function callLlmAudited(
  deps: SentinelDeps,
  job: SentinelJob,
  attempt: StepAttempt,
  request: LlmRequest,
  notes: LlmRequestNotes,
): Promise<LlmCallOutcome> {
  await recordLlmRequest(deps, job, attempt, request.model, notes);
  let response: LlmResponse;
  try {
    response = await deps.llm.create(request);
  } catch (err) {
    const error = asLlmError(err);
    await recordLlmFailure(deps, job, attempt, error);
    return { ok: false, error };
  }
  deps.modelHealth?.succeeded(request.model);
  return { ok: true, response, row: await recordLlmResponse(deps, job, response) };
}

/** A failure the model may get over (rate limit, overload, network) is retried, unless this was the last attempt. */
export function retryUnlessFinal(error: LlmError, attempt: StepAttempt): void {
  if (error.retryable && !attempt.isFinal) throw new RetryAfter(undefined, { spendsAttempt: true, reason: error.message, cause: error });
}

/** Anything the transport threw that is not an LlmError (a bug, a dropped socket) is worth another try. */
function asLlmError(err: unknown): LlmError {
  return err instanceof LlmError ? err : new LlmError((err as Error).message, undefined, true);
}

async function recordLlmRequest(deps: SentinelDeps, job: SentinelJob, attempt: StepAttempt, model: string, notes: LlmRequestNotes) {
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'llm_request',
    // No step key: every call the model receives gets its own row, retries and re-runs included.
    payload: { turnId: job.turnId, step: job.step, attempt: attempt.number, model, ...notes },
  });
}

async function recordLlmFailure(deps: SentinelDeps, job: SentinelJob, attempt: StepAttempt, e: LlmError) {
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'error',
    payload: { turnId: job.turnId, step: job.step, attempt: attempt.number, where: 'llm', status: e.status ?? null, message: e.message },
  });
}

async function recordLlmResponse(deps: SentinelDeps, job: SentinelJob, response: LlmResponse): Promise<AuditEvent<'llm_response'>> {
  const { row } = await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'llm_response',
    stepKey: stepKey.llm(job.turnId, job.step),
    payload: {
      turnId: job.turnId,
      step: job.step,
      id: response.id,
      model: response.model,
      stopReason: response.stopReason,
      usage: response.usage,
      content: response.content,
    },
  });
  return row;
}
