import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { conversations, type Db } from '../db/index.js';
import { isKind, readTrail, recordAudit, stepKey, type AuditEvent } from '../audit/index.js';
import { resolveScope } from '../accounts/index.js';
import { awsQueryInput, RetryAfter, type Enqueuer, type SentinelJob } from '../queues/index.js';
import { AWS_DOCS, AWS_QUERY, toolDefinitions } from '../tools/index.js';
import { buildTranscript, toolResultOf } from './transcript.js';
import { FINAL_STEP_NOTE, systemPrompt } from './prompt.js';
import { LlmError, type Llm, type LlmResponse } from './llm.js';
import { answerText, budgetNote, llmFailureText, setupProblemNote } from './answer.js';
import { groundAnswer } from './grounding.js';
import { costNote } from './cost-note.js';
import { refuse, runDocs } from './tool-calls.js';
import { runReportStep } from './report-step.js';
import type { SentinelDeps } from './deps.js';
import { permanentCause, unavailableText, type ModelHealth } from './model-health.js';

/** How often a follow-up checks whether the earlier question of its thread has been answered. */
const TURN_WAIT_POLL_MS = 1_500;

export type { SentinelDeps } from './deps.js';

/**
 * AWS calls one model response may ask for. With the step cap this bounds what one question can
 * cost (Cost Explorer bills per request) even if a tool result talks the model into a spree.
 */
export const MAX_AWS_CALLS_PER_STEP = 6;

/** aws_docs pages per question unless PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION says otherwise. */
export const DEFAULT_MAX_DOCS_FETCHES = 10;

/** An earlier turn that never finished stops blocking the thread after this long. */
const MAX_TURN_WAIT_MS = 10 * 60_000;

/**
 * One durable step of the agent loop: rebuild the transcript from the audit log, make (or reuse)
 * one LLM call, then either hand tool calls to hawk / run aws_docs, or enqueue the reply. Nothing
 * blocks waiting for another worker; every write is keyed by step so a retried job resumes.
 */
export async function runSentinelStep(deps: SentinelDeps, job: SentinelJob, attempt: { number: number; isFinal: boolean }): Promise<void> {
  const { db, logger } = deps;
  const turn = Number(job.turnId);
  const [conv] = await db.select().from(conversations).where(eq(conversations.id, job.conversationId));
  if (!conv) throw new Error(`conversation ${job.conversationId} not found`);
  const log = logger.child({ conversationId: job.conversationId, turnId: job.turnId, step: job.step });

  // The trail as read before this step's LLM call: every tool result the step can need is in it.
  const rows = await readTrail(db, job.conversationId, (bad) =>
    log.warn({ auditRow: bad.id, kind: bad.kind, problems: bad.problems }, 'audit row left out of the transcript'),
  );
  const trailBefore = rows;
  const messageIn = rows.filter(isKind('message_in')).find((r) => r.id === turn);
  if (messageIn?.payload.report === true) {
    await runReportStep(deps, job, conv, attempt, rows);
    return;
  }
  let response = rows.filter(isKind('llm_response')).find((r) => r.stepKey === stepKey.llm(job.turnId, job.step));
  if (!response) {
    // Scope is read again at every step: a binding removed since the question arrived (or since
    // an earlier turn of the thread) takes effect now, not when the thread ends.
    const scope = await resolveScope(db, { teamId: conv.teamId, channelId: conv.channelId, externallyShared: conv.externallyShared });
    if (scope.refusal) {
      await refuseTurn(deps, job, scope.refusal);
      return;
    }
    const accounts = scope.accounts;
    if (job.step >= deps.maxSteps) {
      await finish(
        deps,
        job,
        'step_cap',
        `I stopped after ${deps.maxSteps} steps without a complete answer. Try a narrower question (one account, one service, one time period).`,
      );
      return;
    }
    const earlier = job.step === 0 ? unfinishedEarlierTurn(rows, turn) : undefined;
    // Turns of one thread run one after the other, so a follow-up sees the earlier answer and the two
    // transcripts never interleave. Waiting is not failing: it spends none of the job's attempts.
    if (earlier)
      throw new RetryAfter(TURN_WAIT_POLL_MS, {
        spendsAttempt: false,
        reason: `waiting for turn ${earlier} of this thread to be answered`,
      });
    const transcript = buildTranscript(rows, turn, { scope: accounts.map((a) => a.name), budgetTokens: deps.transcriptBudgetTokens });
    if (transcript.pendingToolUses.length > 0)
      throw new RetryAfter(undefined, { spendsAttempt: true, reason: `waiting for ${transcript.pendingToolUses.length} tool result(s)` });
    const finalStep = job.step >= deps.maxSteps - 1;
    const system = systemPrompt({
      accounts: accounts.map((a) => ({ name: a.name, regions: a.regions })),
      today: new Date().toISOString().slice(0, 10),
    });
    const request = {
      model: deps.model,
      maxTokens: deps.maxTokens ?? 2048,
      system: finalStep ? `${system}\n${FINAL_STEP_NOTE}` : system,
      tools: toolDefinitions(deps.docsBaseUrl),
      messages: transcript.messages,
      toolChoice: finalStep ? ('none' as const) : ('auto' as const),
    };
    // A model that failed permanently a moment ago is not asked again for a minute.
    const outage = deps.modelHealth?.unavailable(request.model);
    if (outage) {
      await finish(deps, job, 'error', unavailableText(outage.cause, outage.status));
      return;
    }
    // No audit row, no LLM call: if this insert throws, the call below never happens.
    await recordAudit(db, {
      conversationId: job.conversationId,
      actor: 'sentinel',
      kind: 'llm_request',
      // No step key: every call the model receives gets its own row, retries and re-runs included.
      payload: {
        turnId: job.turnId,
        step: job.step,
        attempt: attempt.number,
        model: request.model,
        toolChoice: request.toolChoice,
        messageCount: request.messages.length,
        // What the replay left out (other accounts' results, older results past the size budget).
        trimmed: transcript.trimmed,
        lastMessage: request.messages[request.messages.length - 1] ?? null,
      },
    });
    let llmResponse: LlmResponse;
    try {
      llmResponse = await deps.llm.create(request);
    } catch (err) {
      const e = err instanceof LlmError ? err : new LlmError((err as Error).message, undefined, true);
      await recordAudit(db, {
        conversationId: job.conversationId,
        actor: 'sentinel',
        kind: 'error',
        payload: {
          turnId: job.turnId,
          step: job.step,
          attempt: attempt.number,
          where: 'llm',
          status: e.status ?? null,
          message: e.message,
        },
      });
      const cause = deps.modelHealth ? deps.modelHealth.failed(request.model, e) : permanentCause(e);
      if (cause) {
        await finish(deps, job, 'error', unavailableText(cause, e.status));
        return;
      }
      if (e.retryable && !attempt.isFinal) throw new RetryAfter(undefined, { spendsAttempt: true, reason: e.message, cause: e });
      log.error({ err: e.message }, 'LLM call failed for good');
      await finish(deps, job, 'error', llmFailureText(e));
      return;
    }
    deps.modelHealth?.succeeded(request.model);
    response = (
      await recordAudit(db, {
        conversationId: job.conversationId,
        actor: 'sentinel',
        kind: 'llm_response',
        stepKey: stepKey.llm(job.turnId, job.step),
        payload: {
          turnId: job.turnId,
          step: job.step,
          id: llmResponse.id,
          model: llmResponse.model,
          stopReason: llmResponse.stopReason,
          usage: llmResponse.usage,
          content: llmResponse.content,
        },
      })
    ).row;
  }
  await actOnResponse(deps, job, response, log, conv.externallyShared, trailBefore);
}

/**
 * The aws_docs fetches this question has started, from their tool_call rows: the count survives a
 * crash and a retried step, and a refused fetch (no tool_call) never counts.
 */
function docsFetchedThisTurn(trail: AuditEvent[], turnId: string): Set<string> {
  return new Set(
    trail
      .filter(isKind('tool_call'))
      .filter((r) => r.payload.tool === AWS_DOCS && r.payload.turnId === turnId)
      .map((r) => r.payload.toolUseId),
  );
}

function unfinishedEarlierTurn(rows: AuditEvent[], turn: number): number | undefined {
  const answered = new Set(rows.filter(isKind('message_out')).map((r) => r.stepKey));
  const earlier = rows
    .filter(isKind('message_in'))
    .find((r) => r.id < turn && !answered.has(stepKey.out(r.id)) && Date.now() - r.createdAt.getTime() < MAX_TURN_WAIT_MS);
  return earlier?.id;
}

/**
 * The last resort when a step keeps failing (database down, a bug): record why, if we still can,
 * and tell the asker in the thread, so no question is left hanging.
 */
export async function abandonTurn(deps: SentinelDeps, job: SentinelJob, err: Error): Promise<void> {
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'error',
    stepKey: stepKey.end(job.turnId),
    payload: { turnId: job.turnId, step: job.step, outcome: 'error', message: err.message },
  }).catch((auditErr: Error) => deps.logger.error({ err: auditErr.message }, 'could not audit the abandoned turn'));
  await deps.enqueuer.add('replies', {
    conversationId: job.conversationId,
    turnId: job.turnId,
    text: 'Sorry — something went wrong on my side while answering, and I had to stop. Please ask again in a few minutes; the plainfra admins can see what happened with `plainfra audit`.',
    outcome: 'error',
  });
}

async function actOnResponse(
  deps: SentinelDeps,
  job: SentinelJob,
  row: AuditEvent<'llm_response'>,
  log: Logger,
  externallyShared: boolean,
  trailBefore?: AuditEvent[],
): Promise<void> {
  const payload = row.payload;
  const toolUses = payload.content.filter((b) => b.type === 'tool_use');
  if (payload.stopReason === 'tool_use' && toolUses.length > 0) {
    const awsCalls: { toolUseId: string; input: unknown }[] = [];
    const trail = trailBefore ?? (await readTrail(deps.db, job.conversationId));
    const done = new Set(
      trail
        .map(toolResultOf)
        .filter((r) => r !== undefined)
        .map((r) => r.toolUseId),
    );
    const docs = docsFetchedThisTurn(trail, job.turnId);
    const maxDocs = deps.maxDocsFetches ?? DEFAULT_MAX_DOCS_FETCHES;
    for (const block of toolUses) {
      const toolUseId = String(block.id);
      if (block.name === AWS_QUERY) {
        const parsed = awsQueryInput.safeParse(block.input);
        if (parsed.success && awsCalls.length < MAX_AWS_CALLS_PER_STEP) awsCalls.push({ toolUseId, input: parsed.data });
        else if (parsed.success) {
          if (!done.has(toolUseId))
            await refuse(
              deps,
              job,
              toolUseId,
              block,
              `at most ${MAX_AWS_CALLS_PER_STEP} aws_query calls run per step; ask for the most useful ones first, then continue`,
            );
        } else if (!done.has(toolUseId))
          await refuse(
            deps,
            job,
            toolUseId,
            block,
            `aws_query input is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
      } else if (block.name === AWS_DOCS) {
        if (done.has(toolUseId)) continue;
        // A fetch already audited (its result not yet) is a retry of one that counted: run it again.
        if (!docs.has(toolUseId) && docs.size >= maxDocs) {
          await refuse(
            deps,
            job,
            toolUseId,
            block,
            `this question has used its ${maxDocs} aws_docs fetches; answer from the pages already read`,
            { budget: 'docs', limit: maxDocs },
          );
          continue;
        }
        docs.add(toolUseId);
        await runDocs(deps, job, toolUseId, block);
      } else if (!done.has(toolUseId)) {
        await refuse(deps, job, toolUseId, block, `there is no tool named ${String(block.name)}; use aws_query or aws_docs`);
      }
    }
    if (awsCalls.length > 0)
      await deps.enqueuer.add('hawk', { conversationId: job.conversationId, turnId: job.turnId, step: job.step, calls: awsCalls });
    else await deps.enqueuer.add('sentinel', { ...job, step: job.step + 1 });
    log.info({ awsCalls: awsCalls.length, tools: toolUses.length }, 'step handed on');
    return;
  }
  if (payload.stopReason === 'pause_turn') {
    await deps.enqueuer.add('sentinel', { ...job, step: job.step + 1 });
    return;
  }
  const text = payload.content
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text))
    .join('\n')
    .trim();
  const answer = answerText(text, payload.stopReason ?? null);
  const trail = trailBefore ?? (await readTrail(deps.db, job.conversationId));
  // No figure leaves the sentinel unless the AWS data supports it (src/grounding).
  const grounded = await groundAnswer(deps, job, answer, trail, log);
  if (grounded.sentBack) return;
  await finish(
    deps,
    job,
    payload.stopReason === 'end_turn' || !payload.stopReason ? 'answer' : payload.stopReason,
    grounded.text + costNote(trail, job.turnId) + budgetNote(trail, job.turnId) + setupProblemNote(trail, job.turnId, externallyShared),
  );
}

/**
 * The conversation may not query any account any more (every binding removed, or the thread is
 * now Slack Connect): the asker gets the same reply intake gives, with no LLM call and no AWS request.
 */
async function refuseTurn(deps: SentinelDeps, job: SentinelJob, refusal: { reason: string; message: string }): Promise<void> {
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'refused',
    stepKey: `refused:${job.turnId}:${job.step}`,
    payload: { turnId: job.turnId, step: job.step, reason: refusal.reason, message: refusal.message },
  });
  await deps.enqueuer.add('replies', { conversationId: job.conversationId, turnId: job.turnId, text: refusal.message, outcome: 'refused' });
}

async function finish(deps: SentinelDeps, job: SentinelJob, outcome: string, text: string): Promise<void> {
  if (outcome === 'step_cap' || outcome === 'error') {
    await recordAudit(deps.db, {
      conversationId: job.conversationId,
      actor: 'sentinel',
      kind: 'error',
      stepKey: stepKey.end(job.turnId),
      payload: { turnId: job.turnId, step: job.step, outcome, message: text },
    });
  }
  await deps.enqueuer.add('replies', { conversationId: job.conversationId, turnId: job.turnId, text, outcome });
}
