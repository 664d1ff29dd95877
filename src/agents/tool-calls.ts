import { recordAudit, stepKey } from '../audit/index.js';
import type { SentinelJob } from '../queues/index.js';
import { AWS_DOCS, fetchAwsDoc } from '../tools/index.js';
import type { ContentBlock } from './transcript.js';
import type { SentinelDeps } from './deps.js';

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
