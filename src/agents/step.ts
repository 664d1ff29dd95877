import { isKind, stepKey, type AuditEvent, type AuditPayload } from '../audit/index.js';
import { resolveScope, type BoundAccount } from '../accounts/index.js';
import { RetryAfter, type SentinelJob } from '../queues/index.js';
import { toolDefinitions } from '../tools/index.js';
import { buildTranscript, type Transcript } from './transcript.js';
import { FINAL_STEP_NOTE, systemPrompt } from './prompt.js';
import type { LlmRequest } from './llm.js';
import { answerText, budgetNote, llmFailureText, setupProblemNote } from './answer.js';
import { groundAnswer } from './grounding.js';
import { costNote } from './cost-note.js';
import { settleToolCalls } from './tool-calls.js';
import { callLlmAudited, retryUnlessFinal } from './llm-call.js';
import { finish, refuseTurn } from './end-turn.js';
import type { LoadedTurn, SentinelDeps, StepAttempt, TurnConversation } from './deps.js';
import { permanentCause, unavailableText } from './model-health.js';

/** How often a follow-up checks whether the earlier question of its thread has been answered. */
const TURN_WAIT_POLL_MS = 1_500;

/** An earlier turn that never finished stops blocking the thread after this long. */
const MAX_TURN_WAIT_MS = 10 * 60_000;

/**
 * One durable step of a question turn: rebuild the transcript from the audit log, make (or reuse)
 * one LLM call, then either hand tool calls to hawk / run aws_docs, or enqueue the reply. Nothing
 * blocks waiting for another worker; every write is keyed by step so a retried job resumes.
 */
export async function runQuestionStep(deps: SentinelDeps, job: SentinelJob, attempt: StepAttempt, turn: LoadedTurn): Promise<void> {
  const response = storedResponse(turn.trail, job) ?? (await askModel(deps, job, attempt, turn));
  // No response: the turn ended before or at the call (refused, step cap, model unavailable).
  if (response) await actOnResponse(deps, job, response, turn);
}

/** The response this step already recorded: a retried job acts on it without asking again. */
function storedResponse(trail: AuditEvent[], job: SentinelJob): AuditEvent<'llm_response'> | undefined {
  return trail.filter(isKind('llm_response')).find((r) => r.stepKey === stepKey.llm(job.turnId, job.step));
}

/**
 * Decides whether this step may ask the model (scope, step cap, earlier turn, pending tool
 * results, model health) and, if so, asks it. Undefined when the turn ended instead.
 */
async function askModel(
  deps: SentinelDeps,
  job: SentinelJob,
  attempt: StepAttempt,
  turn: LoadedTurn,
): Promise<AuditEvent<'llm_response'> | undefined> {
  const accounts = await accountsInScope(deps, job, turn.conv);
  if (!accounts) return undefined;
  if (job.step >= deps.maxSteps) {
    await finish(deps, job, 'step_cap', stepCapText(deps.maxSteps));
    return undefined;
  }
  waitForEarlierTurn(job, turn.trail);
  const transcript = buildTranscript(turn.trail, Number(job.turnId), {
    scope: accounts.map((a) => a.name),
    budgetTokens: deps.transcriptBudgetTokens,
  });
  waitForToolResults(transcript);
  const request = stepRequest(deps, job, accounts, transcript);
  // A model that failed permanently a moment ago is not asked again for a minute.
  const outage = deps.modelHealth?.unavailable(request.model);
  if (outage) {
    await finish(deps, job, 'error', unavailableText(outage.cause, outage.status));
    return undefined;
  }
  return callModel(deps, job, attempt, request, transcript, turn);
}

/**
 * The accounts this step may query. Scope is read again at every step: a binding removed since
 * the question arrived (or since an earlier turn of the thread) takes effect now, not when the
 * thread ends. Undefined when the turn was refused.
 */
async function accountsInScope(deps: SentinelDeps, job: SentinelJob, conv: TurnConversation): Promise<BoundAccount[] | undefined> {
  const scope = await resolveScope(deps.db, conv);
  if (!scope.refusal) return scope.accounts;
  await refuseTurn(deps, job, scope.refusal);
  return undefined;
}

function stepCapText(maxSteps: number): string {
  const advice = 'Try a narrower question (one account, one service, one time period).';
  return `I stopped after ${maxSteps} steps without a complete answer. ${advice}`;
}

/**
 * Turns of one thread run one after the other, so a follow-up sees the earlier answer and the two
 * transcripts never interleave. Waiting is not failing: it spends none of the job's attempts.
 */
function waitForEarlierTurn(job: SentinelJob, trail: AuditEvent[]): void {
  const earlier = job.step === 0 ? unfinishedEarlierTurn(trail, Number(job.turnId)) : undefined;
  if (earlier)
    throw new RetryAfter(TURN_WAIT_POLL_MS, {
      spendsAttempt: false,
      reason: `waiting for turn ${earlier} of this thread to be answered`,
    });
}

function unfinishedEarlierTurn(rows: AuditEvent[], turn: number): number | undefined {
  const answered = new Set(rows.filter(isKind('message_out')).map((r) => r.stepKey));
  const earlier = rows
    .filter(isKind('message_in'))
    .find((r) => r.id < turn && !answered.has(stepKey.out(r.id)) && Date.now() - r.createdAt.getTime() < MAX_TURN_WAIT_MS);
  return earlier?.id;
}

/** hawk has not recorded every result the model asked for yet: try the step again later. */
function waitForToolResults(transcript: Transcript): void {
  if (transcript.pendingToolUses.length > 0)
    throw new RetryAfter(undefined, { spendsAttempt: true, reason: `waiting for ${transcript.pendingToolUses.length} tool result(s)` });
}

/** The Messages request of this step; the last step allowed gets no tools and is told to answer. */
function stepRequest(deps: SentinelDeps, job: SentinelJob, accounts: BoundAccount[], transcript: Transcript): LlmRequest {
  const finalStep = job.step >= deps.maxSteps - 1;
  const system = systemPrompt({
    accounts: accounts.map((a) => ({ name: a.name, regions: a.regions })),
    today: new Date().toISOString().slice(0, 10),
  });
  return {
    model: deps.model,
    maxTokens: deps.maxTokens ?? 2048,
    system: finalStep ? `${system}\n${FINAL_STEP_NOTE}` : system,
    tools: toolDefinitions(deps.docsBaseUrl),
    messages: transcript.messages,
    toolChoice: finalStep ? 'none' : 'auto',
  };
}

/**
 * The model call, audit row first. A failure is retried while it may pass; a permanent one (or
 * the last attempt) ends the turn with an apology.
 */
async function callModel(
  deps: SentinelDeps,
  job: SentinelJob,
  attempt: StepAttempt,
  request: LlmRequest,
  transcript: Transcript,
  turn: LoadedTurn,
): Promise<AuditEvent<'llm_response'> | undefined> {
  const outcome = await callLlmAudited(deps, job, attempt, request, {
    toolChoice: request.toolChoice,
    messageCount: request.messages.length,
    // What the replay left out (other accounts' results, older results past the size budget).
    trimmed: transcript.trimmed,
    lastMessage: request.messages[request.messages.length - 1] ?? null,
  });
  if (outcome.ok) return outcome.row;
  const e = outcome.error;
  const cause = deps.modelHealth ? deps.modelHealth.failed(request.model, e) : permanentCause(e);
  if (cause) {
    await finish(deps, job, 'error', unavailableText(cause, e.status));
    return undefined;
  }
  retryUnlessFinal(e, attempt);
  turn.log.error({ err: e.message }, 'LLM call failed for good');
  await finish(deps, job, 'error', llmFailureText(e));
  return undefined;
}

/** What the model's response asks for: tool calls run, another step, or the answer. */
async function actOnResponse(deps: SentinelDeps, job: SentinelJob, row: AuditEvent<'llm_response'>, turn: LoadedTurn): Promise<void> {
  const { stopReason, content } = row.payload;
  const toolUses = content.filter((b) => b.type === 'tool_use');
  if (stopReason === 'tool_use' && toolUses.length > 0) {
    const awsCalls = await settleToolCalls(deps, job, toolUses, turn.trail);
    if (awsCalls.length > 0)
      await deps.enqueuer.add('hawk', { conversationId: job.conversationId, turnId: job.turnId, step: job.step, calls: awsCalls });
    else await deps.enqueuer.add('sentinel', { ...job, step: job.step + 1 });
    turn.log.info({ awsCalls: awsCalls.length, tools: toolUses.length }, 'step handed on');
    return;
  }
  if (stopReason === 'pause_turn') {
    await deps.enqueuer.add('sentinel', { ...job, step: job.step + 1 });
    return;
  }
  await answerTurn(deps, job, row.payload, turn);
}

/**
 * The model's final text, checked (no figure leaves the sentinel unless the AWS data supports it,
 * src/grounding) and posted with the notes the reply must carry, unless grounding sent it back.
 */
async function answerTurn(deps: SentinelDeps, job: SentinelJob, response: AuditPayload<'llm_response'>, turn: LoadedTurn): Promise<void> {
  const { trail } = turn;
  const answer = answerText(responseText(response), response.stopReason ?? null);
  const grounded = await groundAnswer(deps, job, answer, trail, turn.log);
  if (grounded.sentBack) return;
  const notes =
    costNote(trail, job.turnId) + budgetNote(trail, job.turnId) + setupProblemNote(trail, job.turnId, turn.conv.externallyShared);
  const outcome = response.stopReason === 'end_turn' || !response.stopReason ? 'answer' : response.stopReason;
  await finish(deps, job, outcome, grounded.text + notes);
}

function responseText(response: AuditPayload<'llm_response'>): string {
  return response.content
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text))
    .join('\n')
    .trim();
}
