import { isKind, recordAudit, stepKey, type AuditEvent } from '../audit/index.js';
import { awsQueryInput, type AwsQueryToolInput, type SentinelJob } from '../queues/index.js';
import { AWS_DOCS, AWS_QUERY, fetchAwsDoc } from '../tools/index.js';
import { toolResultOf, type ContentBlock } from './transcript.js';
import type { SentinelDeps } from './deps.js';

/**
 * The tool calls of one model response: aws_query calls go to hawk; the sentinel settles the rest
 * itself (aws_docs, and refusals of over-limit, malformed or unknown tool calls).
 */

/**
 * AWS calls one model response may ask for. With the step cap this bounds what one question can
 * cost (Cost Explorer bills per request) even if a tool result talks the model into a spree.
 */
export const MAX_AWS_CALLS_PER_STEP = 6;

/** aws_docs pages per question unless PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION says otherwise. */
export const DEFAULT_MAX_DOCS_FETCHES = 10;

const MAX_DOC_CHARS_FOR_MODEL = 12_000;

/** One aws_query call, its input checked, as hawk's job carries it. */
export interface AwsCall {
  toolUseId: string;
  input: AwsQueryToolInput;
}

/** The question's aws_docs fetches so far and how many it may make. */
interface DocsBudget {
  fetched: Set<string>;
  max: number;
}

/**
 * Settles what the sentinel can of one response's tool calls and returns the aws_query calls
 * for hawk. A call whose result the trail already holds (a retried step) is not refused or
 * fetched again.
 */
export async function settleToolCalls(
  deps: SentinelDeps,
  job: SentinelJob,
  toolUses: ContentBlock[],
  trail: AuditEvent[],
): Promise<AwsCall[]> {
  const done = toolUsesWithResults(trail);
  const docs: DocsBudget = { fetched: docsFetchedThisTurn(trail, job.turnId), max: deps.maxDocsFetches ?? DEFAULT_MAX_DOCS_FETCHES };
  const awsCalls: AwsCall[] = [];
  for (const block of toolUses) {
    const toolUseId = String(block.id);
    if (block.name === AWS_QUERY) {
      const call = await takeAwsQuery(deps, job, block, toolUseId, { taken: awsCalls.length, done });
      if (call) awsCalls.push(call);
    } else if (done.has(toolUseId)) continue;
    else if (block.name === AWS_DOCS) await fetchDocsWithinBudget(deps, job, block, toolUseId, docs);
    else await refuse(deps, job, toolUseId, block, `there is no tool named ${String(block.name)}; use aws_query or aws_docs`);
  }
  return awsCalls;
}

/** The tool calls of this conversation whose result (or refusal) is recorded. */
function toolUsesWithResults(trail: AuditEvent[]): Set<string> {
  return new Set(
    trail
      .map(toolResultOf)
      .filter((r) => r !== undefined)
      .map((r) => r.toolUseId),
  );
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

/**
 * A valid aws_query call within the per-step limit, for hawk (which settles repeats itself);
 * otherwise the call is refused, unless that refusal is already recorded.
 */
async function takeAwsQuery(
  deps: SentinelDeps,
  job: SentinelJob,
  block: ContentBlock,
  toolUseId: string,
  so: { taken: number; done: Set<string> },
): Promise<AwsCall | undefined> {
  const parsed = awsQueryInput.safeParse(block.input);
  if (parsed.success && so.taken < MAX_AWS_CALLS_PER_STEP) return { toolUseId, input: parsed.data };
  if (so.done.has(toolUseId)) return undefined;
  const reason = parsed.success
    ? `at most ${MAX_AWS_CALLS_PER_STEP} aws_query calls run per step; ask for the most useful ones first, then continue`
    : `aws_query input is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  await refuse(deps, job, toolUseId, block, reason);
  return undefined;
}

async function fetchDocsWithinBudget(deps: SentinelDeps, job: SentinelJob, block: ContentBlock, toolUseId: string, docs: DocsBudget) {
  // A fetch already audited (its result not yet) is a retry of one that counted: run it again.
  if (!docs.fetched.has(toolUseId) && docs.fetched.size >= docs.max) {
    const reason = `this question has used its ${docs.max} aws_docs fetches; answer from the pages already read`;
    await refuse(deps, job, toolUseId, block, reason, { budget: 'docs', limit: docs.max });
    return;
  }
  docs.fetched.add(toolUseId);
  await runDocs(deps, job, toolUseId, block);
}

export async function refuse(
  deps: SentinelDeps,
  job: SentinelJob,
  toolUseId: string,
  block: ContentBlock,
  reason: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'refused',
    stepKey: stepKey.result(job.turnId, toolUseId),
    payload: {
      turnId: job.turnId,
      step: job.step,
      toolUseId,
      tool: String(block.name),
      input: block.input,
      reason,
      ...extra,
      forModel: `Refused: ${reason}`,
    },
  });
}

export async function runDocs(deps: SentinelDeps, job: SentinelJob, toolUseId: string, block: ContentBlock): Promise<void> {
  const url = (block.input as { url?: unknown } | undefined)?.url;
  const base = { turnId: job.turnId, step: job.step, toolUseId, tool: AWS_DOCS };
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'tool_call',
    stepKey: stepKey.call(job.turnId, toolUseId),
    payload: { ...base, input: block.input },
  });
  const out = await fetchAwsDoc(url, { docsBaseUrl: deps.docsBaseUrl, maxChars: MAX_DOC_CHARS_FOR_MODEL });
  const where = { conversationId: job.conversationId, actor: 'sentinel' as const, stepKey: stepKey.result(job.turnId, toolUseId) };
  if (out.status === 'ok') {
    const payload = { ...base, status: 'ok', url: out.url, chars: out.text.length, truncated: out.truncated, forModel: out.text };
    await recordAudit(deps.db, { ...where, kind: 'tool_result', payload });
  } else {
    const refused = out.status === 'refused';
    const payload = {
      ...base,
      status: out.status,
      reason: out.message,
      isError: true,
      forModel: `${refused ? 'Refused' : 'Error'}: ${out.message}`,
    };
    await recordAudit(deps.db, refused ? { ...where, kind: 'refused', payload } : { ...where, kind: 'tool_result', payload });
  }
}
