import { recordAudit, stepKey } from '../audit/index.js';
import type { SentinelJob } from '../queues/index.js';
import type { SentinelDeps } from './deps.js';

/** The ways a turn ends: a reply for the bot to post, with an audit row when it ends without an answer. */

/**
 * Ends the turn with `text` as its reply. A turn stopped by the step cap or an error also gets
 * an `end:` row, so the sweep and `plainfra audit` see why it ended.
 */
export async function finish(deps: SentinelDeps, job: SentinelJob, outcome: string, text: string): Promise<void> {
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

/**
 * The conversation may not query any account any more (every binding removed, or the thread is
 * now Slack Connect): the asker gets the same reply intake gives, with no LLM call and no AWS request.
 */
export async function refuseTurn(deps: SentinelDeps, job: SentinelJob, refusal: { reason: string; message: string }): Promise<void> {
  await recordAudit(deps.db, {
    conversationId: job.conversationId,
    actor: 'sentinel',
    kind: 'refused',
    stepKey: stepKey.refusedAt(job.turnId, job.step),
    payload: { turnId: job.turnId, step: job.step, reason: refusal.reason, message: refusal.message },
  });
  await deps.enqueuer.add('replies', { conversationId: job.conversationId, turnId: job.turnId, text: refusal.message, outcome: 'refused' });
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
    text:
      'Sorry — something went wrong on my side while answering, and I had to stop. Please ask again in a few ' +
      'minutes; the plainfra admins can see what happened with `plainfra audit`.',
    outcome: 'error',
  });
}
