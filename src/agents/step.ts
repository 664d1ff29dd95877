import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { conversations, type Db } from '../db/index.js';
import { findByStepKey, readTrail, recordAudit, type AuditRow } from '../audit/index.js';
import { accountsForChannel } from '../accounts/index.js';
import { awsQueryInput, type Enqueuer, type SentinelJob } from '../queues/index.js';
import { AWS_DOCS, AWS_QUERY, fetchAwsDoc, toolDefinitions } from '../tools/index.js';
import { buildTranscript, toolResultOf, type ContentBlock } from './transcript.js';
import { FINAL_STEP_NOTE, systemPrompt } from './prompt.js';
import { LlmError, type Llm, type LlmResponse } from './llm.js';
import { unsupportedNumbers } from './numbers.js';

export interface SentinelDeps {
  db: Db;
  enqueuer: Enqueuer;
  llm: Llm;
  logger: Logger;
  model: string;
  maxSteps: number;
  docsBaseUrl: string;
  maxTokens?: number;
}

/** Thrown when the step must wait (e.g. tool results still missing); BullMQ retries it later. */
export class StepNotReady extends Error {
  override readonly name = 'StepNotReady';
}

/**
 * Thrown when an earlier question in the same thread is still being answered: turns of one
 * conversation run one after the other, so a follow-up sees the earlier answer and the two
 * transcripts never interleave. The worker delays the job without spending an attempt.
 */
export class TurnWaiting extends Error {
  override readonly name = 'TurnWaiting';
}

/** An earlier turn that never finished stops blocking the thread after this long. */
const MAX_TURN_WAIT_MS = 10 * 60_000;

const MAX_DOC_CHARS_FOR_MODEL = 12_000;

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

  let response = await storedResponse(db, job);
  if (!response && job.step === 0) {
    const earlier = unfinishedEarlierTurn(await readTrail(db, job.conversationId), turn);
    if (earlier) throw new TurnWaiting(`waiting for turn ${earlier} of this thread to be answered`);
  }
  if (!response) {
    if (job.step >= deps.maxSteps) {
      await finish(deps, job, 'step_cap', `I stopped after ${deps.maxSteps} steps without a complete answer. Try a narrower question (one account, one service, one time period).`);
      return;
    }
    const rows = await readTrail(db, job.conversationId);
    const transcript = buildTranscript(rows, turn);
    if (transcript.pendingToolUses.length > 0) throw new StepNotReady(`waiting for ${transcript.pendingToolUses.length} tool result(s)`);
    const accounts = await accountsForChannel(db, { teamId: conv.teamId, channelId: conv.channelId, externallyShared: conv.externallyShared });
    const finalStep = job.step >= deps.maxSteps - 1;
    const system = systemPrompt({ accounts: accounts.map((a) => ({ name: a.name, regions: a.regions })), today: new Date().toISOString().slice(0, 10) });
    const request = {
      model: deps.model,
      maxTokens: deps.maxTokens ?? 2048,
      system: finalStep ? `${system}\n${FINAL_STEP_NOTE}` : system,
      tools: toolDefinitions(deps.docsBaseUrl),
      messages: transcript.messages,
      toolChoice: finalStep ? ('none' as const) : ('auto' as const),
    };
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
        payload: { turnId: job.turnId, step: job.step, attempt: attempt.number, where: 'llm', status: e.status ?? null, message: e.message },
      });
      if (e.retryable && !attempt.isFinal) throw e;
      log.error({ err: e.message }, 'LLM call failed for good');
      await finish(deps, job, 'error', llmFailureText(e));
      return;
    }
    response = (
      await recordAudit(db, {
        conversationId: job.conversationId,
        actor: 'sentinel',
        kind: 'llm_response',
        stepKey: `llm:${job.turnId}:${job.step}`,
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
  await actOnResponse(deps, job, response, log);
}

function unfinishedEarlierTurn(rows: AuditRow[], turn: number): number | undefined {
  const answered = new Set(rows.filter((r) => r.kind === 'message_out').map((r) => r.stepKey));
  const earlier = rows.find(
    (r) => r.kind === 'message_in' && r.id < turn && !answered.has(`out:${r.id}`) && Date.now() - r.createdAt.getTime() < MAX_TURN_WAIT_MS,
  );
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
    stepKey: `end:${job.turnId}`,
    payload: { turnId: job.turnId, step: job.step, outcome: 'error', message: err.message },
  }).catch((auditErr: Error) => deps.logger.error({ err: auditErr.message }, 'could not audit the abandoned turn'));
  await deps.enqueuer.add('replies', {
    conversationId: job.conversationId,
    turnId: job.turnId,
    text: 'Sorry — something went wrong on my side while answering, and I had to stop. Please ask again in a few minutes; the plainfra admins can see what happened with `plainfra audit`.',
    outcome: 'error',
  });
}

async function storedResponse(db: Db, job: SentinelJob): Promise<AuditRow | undefined> {
  return findByStepKey(db, job.conversationId, `llm:${job.turnId}:${job.step}`);
}

async function actOnResponse(deps: SentinelDeps, job: SentinelJob, row: AuditRow, log: Logger): Promise<void> {
  const payload = row.payload as { stopReason: string | null; content: ContentBlock[] };
  const toolUses = payload.content.filter((b) => b.type === 'tool_use');
  if (payload.stopReason === 'tool_use' && toolUses.length > 0) {
    const awsCalls: { toolUseId: string; input: unknown }[] = [];
    const trail = await readTrail(deps.db, job.conversationId);
    const done = new Set(trail.map(toolResultOf).filter((r) => r !== undefined).map((r) => r.toolUseId));
    for (const block of toolUses) {
      const toolUseId = String(block.id);
      if (block.name === AWS_QUERY) {
        const parsed = awsQueryInput.safeParse(block.input);
        if (parsed.success) awsCalls.push({ toolUseId, input: parsed.data });
        else if (!done.has(toolUseId)) await refuse(deps, job, toolUseId, block, `aws_query input is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      } else if (block.name === AWS_DOCS) {
        if (!done.has(toolUseId)) await runDocs(deps, job, toolUseId, block);
      } else if (!done.has(toolUseId)) {
        await refuse(deps, job, toolUseId, block, `there is no tool named ${String(block.name)}; use aws_query or aws_docs`);
      }
    }
    if (awsCalls.length > 0) await deps.enqueuer.add('hawk', { conversationId: job.conversationId, turnId: job.turnId, step: job.step, calls: awsCalls });
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
  const answer = answerText(text, payload.stopReason);
  const trail = await readTrail(deps.db, job.conversationId);
  const unsupported = checkNumbers(trail, answer);
  await finish(
    deps,
    job,
    payload.stopReason === 'end_turn' || !payload.stopReason ? 'answer' : payload.stopReason,
    answer + unsupportedNote(unsupported) + setupProblemNote(trail, job.turnId),
    { unsupportedNumbers: unsupported },
  );
}

/**
 * A role that cannot be assumed is an admin's problem the model may paraphrase away; hawk's
 * checklist (role, trust principal, ExternalId, deploy command) is appended to the reply verbatim.
 */
function setupProblemNote(trail: AuditRow[], turnId: string): string {
  const messages = new Set(
    trail
      .filter((r) => r.kind === 'tool_result' && r.payload.turnId === turnId && r.payload.kind === 'trust')
      .map((r) => String(r.payload.message)),
  );
  if (messages.size === 0) return '';
  return `\n\n*Setup problem for your AWS admin:*\n${[...messages].join('\n\n')}`;
}

/** Sources an answer's numbers may come from: this conversation's tool results and questions. */
function checkNumbers(trail: AuditRow[], answer: string): string[] {
  const sources = trail.flatMap((r) => {
    if (r.kind === 'message_in') return [String((r.payload as { text?: string }).text ?? '')];
    const res = toolResultOf(r);
    return res ? [res.content] : [];
  });
  sources.push(new Date().toISOString().slice(0, 10));
  return unsupportedNumbers(answer, sources);
}

function unsupportedNote(numbers: string[]): string {
  if (numbers.length === 0) return '';
  const list = numbers.slice(0, 8).join(', ');
  return `\n\n_Note: ${list} ${numbers.length === 1 ? 'does' : 'do'} not appear in the AWS data I retrieved (it may be derived or mistaken); check before relying on ${numbers.length === 1 ? 'it' : 'them'}._`;
}

function answerText(text: string, stopReason: string | null): string {
  switch (stopReason) {
    case 'max_tokens':
      return `${text}\n\n_(The answer was cut short at the length limit; ask a narrower follow-up for the rest.)_`;
    case 'refusal':
      return text || 'The model declined to answer this question.';
    case 'model_context_window_exceeded':
      return `${text}\n\n_(This thread has grown too long for the model; start a new thread for a fresh question.)_`;
    default:
      return text || 'I have no answer to give for that question.';
  }
}

function llmFailureText(e: LlmError): string {
  if (e.status === 401 || e.status === 403) return 'Sorry — the language model rejected plainfra\'s API key. An admin should check ANTHROPIC_API_KEY on the sentinel.';
  if (e.status === 429 || e.status === 529 || (e.status ?? 0) >= 500)
    return `Sorry — the language model is overloaded or rate-limited right now (HTTP ${e.status}). Please ask again in a few minutes.`;
  if (e.status === 400) return 'Sorry — the language model refused the request as invalid; this was logged for the plainfra admins.';
  return 'Sorry — I could not reach the language model. Please ask again in a few minutes.';
}

async function refuse(deps: SentinelDeps, job: SentinelJob, toolUseId: string, block: ContentBlock, reason: string): Promise<void> {
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'refused',
    stepKey: `result:${job.turnId}:${toolUseId}`,
    payload: { turnId: job.turnId, step: job.step, toolUseId, tool: block.name, input: block.input, reason, forModel: `Refused: ${reason}` },
  });
}

async function runDocs(deps: SentinelDeps, job: SentinelJob, toolUseId: string, block: ContentBlock): Promise<void> {
  const url = (block.input as { url?: unknown } | undefined)?.url;
  const base = { turnId: job.turnId, step: job.step, toolUseId, tool: AWS_DOCS };
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'tool_call',
    stepKey: `call:${job.turnId}:${toolUseId}`,
    payload: { ...base, input: block.input },
  });
  const out = await fetchAwsDoc(url, { docsBaseUrl: deps.docsBaseUrl, maxChars: MAX_DOC_CHARS_FOR_MODEL });
  const refused = out.status === 'refused';
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: refused ? 'refused' : 'tool_result',
    stepKey: `result:${job.turnId}:${toolUseId}`,
    payload:
      out.status === 'ok'
        ? { ...base, status: 'ok', url: out.url, chars: out.text.length, truncated: out.truncated, forModel: out.text }
        : { ...base, status: out.status, reason: out.message, isError: true, forModel: `${refused ? 'Refused' : 'Error'}: ${out.message}` },
  });
}

async function finish(deps: SentinelDeps, job: SentinelJob, outcome: string, text: string, extra: Record<string, unknown> = {}): Promise<void> {
  if (outcome === 'step_cap' || outcome === 'error') {
    await recordAudit(deps.db, {
      conversationId: job.conversationId,
      actor: 'sentinel',
      kind: 'error',
      stepKey: `end:${job.turnId}`,
      payload: { turnId: job.turnId, step: job.step, outcome, message: text },
    });
  }
  if (Array.isArray(extra.unsupportedNumbers) && extra.unsupportedNumbers.length > 0) {
    deps.logger.warn({ conversationId: job.conversationId, turnId: job.turnId, unsupported: extra.unsupportedNumbers }, 'answer has numbers no tool result supports');
  }
  await deps.enqueuer.add('replies', { conversationId: job.conversationId, turnId: job.turnId, text, outcome });
}
