import { eq } from 'drizzle-orm';
import { isKind, readTrail, type AuditEvent } from '../audit/index.js';
import { conversations } from '../db/index.js';
import type { SentinelJob } from '../queues/index.js';
import { runQuestionStep } from './step.js';
import { runReportStep } from './report-step.js';
import type { LoadedTurn, SentinelDeps, StepAttempt } from './deps.js';

/**
 * One sentinel job: one step of a turn. The turn's message_in says what kind of turn it is: a
 * report (`/plainfra-report`, the scheduled digest) or a question for the agent loop.
 */
export async function runTurnStep(deps: SentinelDeps, job: SentinelJob, attempt: StepAttempt): Promise<void> {
  const turn = await loadTurn(deps, job);
  if (isReportTurn(turn.trail, job.turnId)) await runReportStep(deps, job, turn.conv, attempt, turn.trail);
  else await runQuestionStep(deps, job, attempt, turn);
}

/** The conversation and its audit trail, read once per step: the trail is the conversation's state. */
async function loadTurn(deps: SentinelDeps, job: SentinelJob): Promise<LoadedTurn> {
  const [conv] = await deps.db.select().from(conversations).where(eq(conversations.id, job.conversationId));
  if (!conv) throw new Error(`conversation ${job.conversationId} not found`);
  const log = deps.logger.child({ conversationId: job.conversationId, turnId: job.turnId, step: job.step });
  const trail = await readTrail(deps.db, job.conversationId, (bad) =>
    log.warn({ auditRow: bad.id, kind: bad.kind, problems: bad.problems }, 'audit row left out of the transcript'),
  );
  return { conv, trail, log };
}

function isReportTurn(trail: AuditEvent[], turnId: string): boolean {
  const messageIn = trail.filter(isKind('message_in')).find((r) => r.id === Number(turnId));
  return messageIn?.payload.report === true;
}
