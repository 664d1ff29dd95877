import { isKind, stepKey, type AuditEvent, type ContentBlock } from '../audit/index.js';
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
import type { LlmRequest } from './llm.js';
import { callLlmAudited, retryUnlessFinal } from './llm-call.js';
import type { SentinelDeps, StepAttempt, TurnConversation } from './deps.js';

/** One Block Kit message and one chart per account; past this a digest says how many it left out. */
const MAX_ACCOUNTS_PER_DIGEST = 20;

/** What a report turn covers: the accounts, the day it was taken, what and which period was asked for. */
interface Digest {
  accounts: string[];
  /** Bound accounts past MAX_ACCOUNTS_PER_DIGEST, left out. */
  left: number;
  today: Date;
  request: ReportRequest;
}

/**
 * The weekly digest as a turn: step 0 hands hawk the fixed bundle of reads for every account bound
 * to the channel (no model involved in choosing them); step 1 computes the tables in code and asks
 * the model only for a few sentences around them. Numbers in the reply come from the tables.
 */
export async function runReportStep(
  deps: SentinelDeps,
  job: SentinelJob,
  conv: TurnConversation,
  attempt: StepAttempt,
  /** The conversation's trail, as the caller just read it. */
  trail: AuditEvent[],
): Promise<void> {
  const digest = await digestOf(deps, job, conv, trail);
  if (digest.accounts.length === 0) {
    await deps.enqueuer.add('replies', {
      ...ids(job),
      text: 'No AWS account is bound to this channel any more, so there is no digest to post.',
      outcome: 'error',
    });
    return;
  }
  if (job.step === 0) await askHawkForBundle(deps, job, digest);
  else await postReport(deps, job, attempt, trail, digest);
}

/** What the turn's message_in asked for, and which accounts the digest covers. */
async function digestOf(deps: SentinelDeps, job: SentinelJob, conv: TurnConversation, trail: AuditEvent[]): Promise<Digest> {
  const messageIn = trail.filter(isKind('message_in')).find((r) => String(r.id) === job.turnId);
  const today = dayOf(messageIn?.createdAt ?? new Date());
  // What and which period were asked for (`/plainfra-report cost 30d`); rows from before arguments
  // existed were the weekly all-in-one digest.
  const request = messageIn?.payload.report_request ?? DEFAULT_REPORT_REQUEST;
  // The accounts are fixed when the digest is taken (intake records them), so a binding changed
  // between steps, or a sweep resuming the turn later, cannot make step 1 wait for calls never made.
  const names = messageIn?.payload.accounts ?? (await accountsForChannel(deps.db, conv)).map((a) => a.name);
  const accounts = names.slice(0, MAX_ACCOUNTS_PER_DIGEST);
  return { accounts, left: names.length - accounts.length, today, request };
}

/** Step 0: the bundle's fixed reads for every account, in one hawk job. */
async function askHawkForBundle(deps: SentinelDeps, job: SentinelJob, { accounts, today, request }: Digest): Promise<void> {
  const calls = accounts.flatMap((a) => reportBundle(a, today, request).map((c) => ({ toolUseId: callId(a, c.key), input: c.input })));
  await deps.enqueuer.add('hawk', { ...ids(job), step: 0, calls });
}

/** Step 1: the tables from hawk's results, the model's few sentences around them, the reply. */
async function postReport(deps: SentinelDeps, job: SentinelJob, attempt: StepAttempt, trail: AuditEvent[], digest: Digest) {
  const { accounts, left, today, request } = digest;
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
    reports,
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
    out[key] =
      row.kind === 'tool_result' && row.payload.status === 'ok'
        ? { ok: true, result: row.payload.result }
        : { ok: false, message: missingReason(row) };
  }
  return out;
}

/** One LLM call, audited like any other; the digest still goes out if the model is unavailable. */
async function narrate(
  deps: SentinelDeps,
  job: SentinelJob,
  tables: string,
  attempt: StepAttempt,
  trail: AuditEvent[],
): Promise<string | undefined> {
  const stored = trail.filter(isKind('llm_response')).find((r) => r.stepKey === stepKey.llm(job.turnId, job.step));
  if (stored) return textOf(stored.payload.content);
  // The tables go out without a narrative while the model is known to be unavailable.
  if (deps.modelHealth?.unavailable(deps.model)) return undefined;
  const request = narrativeRequest(deps.model, tables);
  const outcome = await callLlmAudited(deps, job, attempt, request, { purpose: 'digest narrative', lastMessage: request.messages[0] });
  if (outcome.ok) return textOf(outcome.response.content);
  if (deps.modelHealth?.failed(deps.model, outcome.error)) return undefined;
  retryUnlessFinal(outcome.error, attempt);
  return undefined;
}

/** The tables as the one user message, no tools: the model only writes sentences around them. */
function narrativeRequest(model: string, tables: string): LlmRequest {
  return {
    model,
    maxTokens: 600,
    system: REPORT_NARRATIVE_INSTRUCTIONS,
    tools: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: tables }] }],
    toolChoice: 'none',
  };
}

function textOf(content: ContentBlock[]): string {
  return content
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text ?? ''))
    .join('\n')
    .trim();
}

export type { Report };

/** Why a bundle call has no data. hawk's budget refusal is worded for the model; the digest's reader gets it said plainly. */
function missingReason(row: AuditEvent<'tool_result' | 'refused'>): string {
  const budget = row.kind === 'refused' ? row.payload.budget : undefined;
  if (typeof budget !== 'object') return String(row.payload.message ?? row.payload.reason ?? 'not available');
  const which = budget.which === 'day' ? `for today (${budget.limit} requests per workspace)` : `(${budget.limit} requests)`;
  return `not fetched: the Cost Explorer budget ${which} is used up`;
}
