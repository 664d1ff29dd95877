import { recordAudit } from '../audit/index.js';
import type { SentinelJob } from '../queues/index.js';
import { AWS_DOCS, fetchAwsDoc } from '../tools/index.js';
import type { ContentBlock } from './transcript.js';
import type { SentinelDeps } from './step.js';

/** Tool calls the sentinel settles itself: aws_docs, and refusals of malformed or unknown tools. */

const MAX_DOC_CHARS_FOR_MODEL = 12_000;

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
    stepKey: `result:${job.turnId}:${toolUseId}`,
    payload: { turnId: job.turnId, step: job.step, toolUseId, tool: block.name, input: block.input, reason, ...extra, forModel: `Refused: ${reason}` },
  });
}

export async function runDocs(deps: SentinelDeps, job: SentinelJob, toolUseId: string, block: ContentBlock): Promise<void> {
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
