import { and, eq, isNotNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import { findStrandedTurns, pruneExpired } from '../audit/index.js';
// Intake's own file, not the bot's door: the door also carries the Bolt app, and `plainfra digest`
// (which starts a digest through this module) must not load Bolt (test/cli-commands.test.ts).
import { acceptQuestion, DEFAULT_REPORT_QUESTION } from '../bot/intake.js';
import { channelBindings, type Db } from '../db/index.js';
import type { Enqueuer, MaintenanceJob } from '../queues/index.js';
import { describeReportRequest, parseReportFlags, type ReportRequest } from '../reports/index.js';

/** A question unanswered this long is presumed lost, not slow (jobs retry for about a minute). */
const STRANDED_AFTER_MS = 5 * 60_000;
/** Older than this, a late answer would confuse more than help. */
const GIVE_UP_AFTER_MS = 24 * 3600_000;

export interface MaintenanceDeps {
  db: Db;
  enqueuer: Enqueuer;
  logger: Logger;
}

/**
 * Re-enqueues the sentinel step each stranded question stopped at. Every step is idempotent
 * (stored LLM responses are reused, finished tool calls skipped, a posted answer is not posted
 * again), and a job id still held by BullMQ makes the add a no-op.
 */
export async function resumeStrandedTurns(db: Db, enqueuer: Enqueuer, logger: Logger): Promise<number> {
  const stranded = await findStrandedTurns(db, { minAgeMs: STRANDED_AFTER_MS, maxAgeMs: GIVE_UP_AFTER_MS });
  for (const t of stranded) await enqueuer.add('sentinel', { conversationId: t.conversationId, turnId: t.turnId, step: t.resumeStep });
  if (stranded.length > 0) logger.warn({ turns: stranded.map((t) => t.turnId) }, 'resumed unanswered questions');
  return stranded.length;
}

/** The channels with a digest schedule, as `channels bind --digest CRON --tz TZ` stored them. */
export async function syncDigestSchedules(deps: MaintenanceDeps): Promise<void> {
  const rows = await deps.db
    .selectDistinct({
      teamId: channelBindings.teamId,
      channelId: channelBindings.channelId,
      cron: channelBindings.digestCron,
      tz: channelBindings.digestTz,
    })
    .from(channelBindings)
    .where(isNotNull(channelBindings.digestCron));
  const problems = await deps.enqueuer.syncDigestSchedules(
    rows.map((r) => ({ teamId: r.teamId, channelId: r.channelId, cron: r.cron!, tz: r.tz ?? 'UTC' })),
  );
  if (problems.length > 0)
    deps.logger.error({ problems }, 'some digest schedules are invalid; fix them with plainfra channels bind --digest');
}

/**
 * Starts a digest turn for a channel. `runId` identifies this run (the scheduler's job id, or a
 * fresh id for `plainfra digest --now`), so a retried run never posts a second digest. Digests
 * cover the accounts bound to that channel explicitly: no Slack request tells us here whether the
 * channel is shared with another organisation, so the workspace default never applies.
 */
export async function startDigest(deps: MaintenanceDeps, teamId: string, channelId: string, runId: string, request?: ReportRequest) {
  return acceptQuestion(deps, {
    source: 'digest',
    deliveryId: `${teamId}:${channelId}:${runId}`,
    teamId,
    channelId,
    userId: 'plainfra',
    text: request ? `${DEFAULT_REPORT_QUESTION}: ${describeReportRequest(request)}` : DEFAULT_REPORT_QUESTION,
    externallyShared: true,
    report: true,
    ...(request && { reportRequest: request }),
  });
}

/**
 * The report a channel's schedule asks for (`channels bind … --what --period`), read when it fires
 * so a re-bind with other words applies from the next run. Stored words go through the same parser
 * as the command; a value the parser refuses (an edited row) falls back to the default and says so.
 */
export async function scheduledRequest(deps: MaintenanceDeps, teamId: string, channelId: string): Promise<ReportRequest | undefined> {
  const [row] = await deps.db
    .select({ what: channelBindings.digestWhat, period: channelBindings.digestPeriod })
    .from(channelBindings)
    .where(and(eq(channelBindings.teamId, teamId), eq(channelBindings.channelId, channelId), isNotNull(channelBindings.digestCron)))
    .limit(1);
  if (!row) return undefined;
  const parsed = parseReportFlags({ what: row.what ?? undefined, period: row.period ?? undefined });
  if (parsed.ok) return parsed.request;
  deps.logger.error({ channel: channelId, problem: parsed.problem }, 'digest schedule has an invalid report; posting the default (all 7d)');
  return undefined;
}

export async function runMaintenance(job: MaintenanceJob, deps: MaintenanceDeps, runId: string): Promise<void> {
  switch (job.task) {
    case 'retention':
      deps.logger.info(await pruneExpired(deps.db), 'retention applied');
      return;
    case 'sweep':
      await resumeStrandedTurns(deps.db, deps.enqueuer, deps.logger);
      await syncDigestSchedules(deps);
      return;
    case 'digest': {
      const request = await scheduledRequest(deps, job.teamId, job.channelId);
      const result = await startDigest(deps, job.teamId, job.channelId, runId, request);
      if (result.status === 'refused') deps.logger.warn({ channel: job.channelId, reason: result.reason }, 'scheduled digest refused');
      return;
    }
  }
}
