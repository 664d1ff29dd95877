import { isKind, recordAudit, stepKey, type AuditEvent, type ContentBlock } from '../audit/index.js';
import { accountsForChannel } from '../accounts/index.js';
import { RetryAfter, type SentinelJob } from '../queues/index.js';
import {
  computeReport,
  DEFAULT_REPORT_REQUEST,
  reportBundle,
  reportForModel,
  REPORT_NARRATIVE_INSTRUCTIONS,
  type BundleResult,
  type Report,
  type ReportRequest,
} from '../reports/index.js';
import { groundNarrative } from './grounding.js';
import { LlmError } from './llm.js';
import type { SentinelDeps } from './deps.js';

/** One Block Kit message and one chart per account; past this a digest says how many it left out. */
const MAX_ACCOUNTS_PER_DIGEST = 20;

/**
 * The weekly digest as a turn: step 0 hands hawk the fixed bundle of reads for every account bound
 * to the channel (no model involved in choosing them); step 1 computes the tables in code and asks
 * the model only for a few sentences around them. Numbers in the reply come from the tables.
 */
export async function runReportStep(
  deps: SentinelDeps,
  job: SentinelJob,
  conv: { teamId: string; channelId: string; externallyShared: boolean },
  attempt: { number: number; isFinal: boolean },
  /** The conversation's trail, as the caller just read it. */
  trail: AuditEvent[],
): Promise<void> {
  const messageIn = trail.filter(isKind('message_in')).find((r) => String(r.id) === job.turnId);
  const today = dayOf(messageIn?.createdAt ?? new Date());
  // What and which period were asked for (`/plainfra-report cost 30d`); rows from before arguments
  // existed were the weekly all-in-one digest.
  const request = messageIn?.payload.report_request ?? DEFAULT_REPORT_REQUEST;
  // The accounts are fixed when the digest is taken (intake records them), so a binding changed
  // between steps, or a sweep resuming the turn later, cannot make step 1 wait for calls never made.
  const recorded = messageIn?.payload.accounts;
  const names = recorded
    ? recorded
    : (await accountsForChannel(deps.db, { teamId: conv.teamId, channelId: conv.channelId, externallyShared: conv.externallyShared })).map(
        (a) => a.name,
      );
  const accounts = names.slice(0, MAX_ACCOUNTS_PER_DIGEST);
  const left = names.length - accounts.length;
  if (accounts.length === 0) {
    await deps.enqueuer.add('replies', {
      ...ids(job),
      text: 'No AWS account is bound to this channel any more, so there is no digest to post.',
      outcome: 'error',
    });
    return;
  }
  if (job.step === 0) {
    const calls = accounts.flatMap((a) => reportBundle(a, today, request).map((c) => ({ toolUseId: callId(a, c.key), input: c.input })));
    await deps.enqueuer.add('hawk', { ...ids(job), step: 0, calls });
    return;
  }

  const reports = accounts.map((a) => computeReport(a, today, bundleResults(trail, job.turnId, a, today, request), request));
  const forModel = reports.map(reportForModel).join('\n\n');
  const drafted = await narrate(deps, job, forModel, attempt, trail);
  // The narrative's figures must come from the tables it was given; anything else is removed.
  const narrative =
    drafted === undefined ? undefined : await groundNarrative(deps, job, drafted, [{ ref: 'digest tables', data: forModel }]);
  await deps.enqueuer.add('replies', {
    ...ids(job),
    text:
      (narrative ?? 'Here is the report (the summary could not be written: the language model was unavailable).') +
      (left > 0 ? `\n\n_${left} more bound account(s) are not included: a digest covers at most ${MAX_ACCOUNTS_PER_DIGEST}._` : ''),
    reports: reports as unknown as Record<string, unknown>[],
    outcome: 'report',
  });
}

function ids(job: SentinelJob) {
  return { conversationId: job.conversationId, turnId: job.turnId };
}

/** Account names are `[A-Za-z0-9_.-]` (accounts add), so they fit a tool-use id as they are. */
function callId(account: string, key: string): string {
  return `report-${account}-${key}`;
}

function dayOf(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** The bundle's results for one account; a missing one means hawk has not finished (retry later). */
function bundleResults(
  trail: AuditEvent[],
  turnId: string,
  account: string,
  today: Date,
  request: Pick<ReportRequest, 'what' | 'period'>,
): Record<string, BundleResult> {
  const out: Record<string, BundleResult> = {};
  for (const { key } of reportBundle(account, today, request)) {
    const id = callId(account, key);
    const row = trail.filter(isKind('tool_result', 'refused')).find((r) => r.payload.turnId === turnId && r.payload.toolUseId === id);
    if (!row) throw new RetryAfter(undefined, { spendsAttempt: true, reason: `digest result ${id} not recorded yet` });
    const p = row.payload;
    // hawk's budget refusal is worded for the model; the digest's reader gets it said plainly.
    const budget = row.kind === 'refused' ? row.payload.budget : undefined;
    const reason = budget
      ? `not fetched: the Cost Explorer budget ${budget.which === 'day' ? `for today (${budget.limit} requests per workspace)` : `(${budget.limit} requests)`} is used up`
      : String(p.message ?? p.reason ?? 'not available');
    out[key] =
      row.kind === 'tool_result' && row.payload.status === 'ok' ? { ok: true, result: row.payload.result } : { ok: false, message: reason };
  }
  return out;
}

/** One LLM call, audited like any other; the digest still goes out if the model is unavailable. */
async function narrate(
  deps: SentinelDeps,
  job: SentinelJob,
  tables: string,
  attempt: { number: number; isFinal: boolean },
  trail: AuditEvent[],
): Promise<string | undefined> {
  const stored = trail.filter(isKind('llm_response')).find((r) => r.stepKey === stepKey.llm(job.turnId, job.step));
  if (stored) return textOf(stored.payload.content);
  // The tables go out without a narrative while the model is known to be unavailable.
  if (deps.modelHealth?.unavailable(deps.model)) return undefined;
  const request = {
    model: deps.model,
    maxTokens: 600,
    system: REPORT_NARRATIVE_INSTRUCTIONS,
    tools: [],
    messages: [{ role: 'user' as const, content: [{ type: 'text', text: tables }] }],
    toolChoice: 'none' as const,
  };
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'llm_request',
    payload: {
      turnId: job.turnId,
      step: job.step,
      attempt: attempt.number,
      model: request.model,
      purpose: 'digest narrative',
      lastMessage: request.messages[0],
    },
  });
  try {
    const response = await deps.llm.create(request);
    deps.modelHealth?.succeeded(deps.model);
    await recordAudit(deps.db, {
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
    return textOf(response.content);
  } catch (err) {
    const e = err instanceof LlmError ? err : new LlmError((err as Error).message, undefined, true);
    await recordAudit(deps.db, {
      conversationId: job.conversationId,
      actor: 'sentinel',
      kind: 'error',
      payload: { turnId: job.turnId, step: job.step, attempt: attempt.number, where: 'llm', status: e.status ?? null, message: e.message },
    });
    if (deps.modelHealth?.failed(deps.model, e)) return undefined;
    if (e.retryable && !attempt.isFinal) throw new RetryAfter(undefined, { spendsAttempt: true, reason: e.message, cause: e });
    return undefined;
  }
}

function textOf(content: ContentBlock[]): string {
  return content
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text ?? ''))
    .join('\n')
    .trim();
}

export type { Report };
