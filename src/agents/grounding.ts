import type { Logger } from 'pino';
import { isKind, recordAudit, stepKey, type AuditEvent } from '../audit/index.js';
import {
  collectSources,
  describeFigures,
  groundText,
  removeFigures,
  type CheckedFigure,
  type SourceInput,
  type SourcePool,
} from '../grounding/index.js';
import type { SentinelJob } from '../queues/index.js';
import type { SentinelDeps } from './deps.js';
import { toolResultOf } from './transcript.js';

/**
 * The sentinel's gate on figures: an answer whose figures the AWS data does not support is sent
 * back to the model once (a step like any other: audited, within the step cap); what is still
 * unsupported after that is replaced by a marker, so the number never reaches Slack.
 */

/** Every value this conversation's tool results (and the asker's own words) offer. */
export function groundingSources(trail: AuditEvent[]): SourcePool {
  const inputs: SourceInput[] = [];
  for (const r of trail) {
    if (r.kind === 'message_in') inputs.push({ ref: 'question', data: r.payload.text });
    else if (r.kind === 'tool_result' && r.payload.result !== undefined) inputs.push({ ref: r.payload.toolUseId, data: r.payload.result });
    else {
      const res = toolResultOf(r);
      if (res) inputs.push({ ref: res.toolUseId, data: res.content });
    }
  }
  return collectSources(inputs);
}

export function sendBackText(figures: string): string {
  return [
    'plainfra checks every figure against the tool results of this conversation before an answer is posted.',
    'These figures in your draft appear in no tool result and are not a sum, difference, ratio or percentage change ' +
      `of figures that do: ${figures}.`,
    'Write the answer again using only figures from the tool results, or call a tool to get the data you need. If a ' +
      'figure cannot be supported, leave it out and say what you could not check.',
    'This message comes from plainfra, not from the user; do not mention it in the answer.',
  ].join(' ');
}

function figureRecords(figures: CheckedFigure[]) {
  return figures.map((f) => ({
    text: f.figure.text,
    value: f.figure.value,
    kind: f.figure.kind,
    verified: f.verified,
    ...(f.rule && { rule: f.rule }),
    refs: f.refs,
  }));
}

export type GroundedAnswer = { sentBack: true } | { sentBack: false; text: string; removed: number };

/**
 * Checks a final answer. Returns the text to post (unsupported figures removed), or `sentBack`
 * when the draft went back to the model and the next step is enqueued.
 */
export async function groundAnswer(
  deps: SentinelDeps,
  job: SentinelJob,
  answer: string,
  trail: AuditEvent[],
  log: Logger,
): Promise<GroundedAnswer> {
  const checked = groundText(answer, groundingSources(trail));
  const key = stepKey.grounding(job.turnId, job.step);
  const earlier = trail.filter(isKind('grounding')).filter((r) => r.payload.turnId === job.turnId);
  // A retried job follows the verdict its first attempt recorded.
  const mine = earlier.find((r) => r.stepKey === key);
  const sentBefore = earlier.some((r) => r.payload.verdict === 'sent_back' && r.payload.step < job.step);
  const base = { conversationId: job.conversationId, actor: 'sentinel' as const, kind: 'grounding' as const, stepKey: key };
  const figures = figureRecords(checked.figures);

  if (checked.unverified.length === 0) {
    await recordAudit(deps.db, { ...base, payload: { turnId: job.turnId, step: job.step, verdict: 'grounded', figures } });
    return { sentBack: false, text: answer, removed: 0 };
  }
  const canSendBack = mine ? mine.payload.verdict === 'sent_back' : !sentBefore && job.step + 1 < deps.maxSteps;
  if (canSendBack) {
    const listed = describeFigures(checked.unverified);
    await recordAudit(deps.db, {
      ...base,
      payload: { turnId: job.turnId, step: job.step, verdict: 'sent_back', figures, forModel: sendBackText(listed) },
    });
    await deps.enqueuer.add('sentinel', { ...job, step: job.step + 1 });
    log.info({ unverified: checked.unverified.length }, 'draft answer sent back: figures not in the AWS data');
    return { sentBack: true };
  }
  await recordAudit(deps.db, { ...base, payload: { turnId: job.turnId, step: job.step, verdict: 'removed', figures } });
  // The figures themselves stay out of the log line: counts only (the audit row has them).
  log.warn({ removed: checked.unverified.length }, 'figures not in the AWS data removed from the answer');
  return { sentBack: false, text: removeFigures(answer, checked.unverified), removed: checked.unverified.length };
}

/** The digest's narrative: checked against the tables it was written from; no second chance (one call). */
export async function groundNarrative(deps: SentinelDeps, job: SentinelJob, narrative: string, sources: SourceInput[]): Promise<string> {
  const checked = groundText(narrative, collectSources(sources));
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'grounding',
    stepKey: stepKey.grounding(job.turnId, job.step),
    payload: {
      turnId: job.turnId,
      step: job.step,
      verdict: checked.unverified.length ? 'removed' : 'grounded',
      figures: figureRecords(checked.figures),
      purpose: 'digest narrative',
    },
  });
  return checked.unverified.length ? removeFigures(narrative, checked.unverified) : narrative;
}
