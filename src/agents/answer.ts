import { isKind, type AuditEvent } from '../audit/index.js';
import type { LlmError } from './llm.js';

/** The words around a turn's answer: notes the reply must carry whatever the model wrote. */

/**
 * A role that cannot be assumed is an admin's problem the model may paraphrase away; hawk's
 * checklist (role, trust principal, ExternalId, deploy command) is appended to the reply verbatim.
 */
export function setupProblemNote(trail: AuditEvent[], turnId: string, externallyShared = false): string {
  const messages = new Set(
    trail
      .filter(isKind('tool_result'))
      .filter((r) => r.payload.turnId === turnId && r.payload.kind === 'trust')
      .map((r) => String(r.payload.message)),
  );
  if (messages.size === 0) return '';
  // A Slack Connect channel includes another organisation: no role ARNs or account ids for them.
  if (externallyShared)
    return (
      '\n\n*Setup problem:* plainfra could not access the AWS account bound to this channel. A plainfra admin ' +
      'can see what to fix with `plainfra audit` or `plainfra accounts verify`.'
    );
  return `\n\n*Setup problem for your AWS admin:*\n${[...messages].join('\n\n')}`;
}

/**
 * When hawk refused a Cost Explorer call over budget this turn, the asker is told whatever the
 * model wrote: the answer may be missing data, and why.
 */
export function budgetNote(trail: AuditEvent[], turnId: string): string {
  const hits = trail
    .filter(isKind('refused'))
    .filter((r) => r.payload.turnId === turnId)
    .flatMap((r) => (typeof r.payload.budget === 'object' ? [r.payload.budget] : []));
  if (hits.length === 0) return '';
  const day = hits.find((b) => b.which === 'day');
  if (day)
    return (
      `\n\n_This workspace hit today's Cost Explorer budget (${day.limit} requests per UTC day), ` +
      'so some cost data could not be fetched; it resets at midnight UTC._'
    );
  return (
    `\n\n_This question hit its Cost Explorer budget (${hits[0]!.limit} requests, pages included), ` +
    'so some cost data could not be fetched; a narrower question (one period, one grouping) needs fewer requests._'
  );
}

export function answerText(text: string, stopReason: string | null): string {
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

export function llmFailureText(e: LlmError): string {
  if (e.status === 429 || e.status === 529 || (e.status ?? 0) >= 500)
    return `Sorry — the language model is overloaded or rate-limited right now (HTTP ${e.status}). Please ask again in a few minutes.`;
  if (e.status === 400) return 'Sorry — the language model refused the request as invalid; this was logged for the plainfra admins.';
  return 'Sorry — I could not reach the language model. Please ask again in a few minutes.';
}
