import { z } from 'zod';
import type { JobsOptions } from 'bullmq';
import type { Report } from '../reports/index.js';
import { RETRY_BACKOFF } from './errors.js';

/**
 * A computed report travels as plain JSON from the sentinel to the bot. Both sides run the same
 * code, so the check is a sanity check (an object with its account named), not a full schema.
 */
function isReportShaped(v: unknown): v is Report {
  return typeof v === 'object' && v !== null && 'account' in v && typeof v.account === 'string';
}

/**
 * The typed job catalogue: per queue, the payload schema and the job options in one place.
 * Every job is idempotent (BullMQ is at-least-once): its id is derived from the conversation step it
 * performs, and each worker re-checks the audit log for work already done before doing it again.
 */

/**
 * The `aws_query` tool's input, written once: the sentinel and hawk validate with it, and the tool
 * definition the model sees is generated from it (tools/definitions.ts), descriptions included.
 */
export const awsQueryInput = z.object({
  account: z.string().max(128).optional().describe('Account name as listed in the system prompt; omit when only one is bound.'),
  region: z.string().max(32).optional().describe('AWS region, e.g. eu-west-1; omit to use the account regions.'),
  service: z.string().min(1).max(64).describe('IAM service prefix, e.g. ec2, ce, securityhub, s3, iam.'),
  operation: z.string().min(1).max(128).describe('API operation name, e.g. DescribeInstances.'),
  params: z.record(z.string(), z.unknown()).optional().describe('API request parameters.'),
});
export type AwsQueryToolInput = z.infer<typeof awsQueryInput>;

export const sentinelJob = z.object({
  conversationId: z.string().uuid(),
  /** The audit id of the message_in that started this turn. */
  turnId: z.string().min(1),
  /** 0 for the first LLM call of the turn, +1 after each round of tool results. */
  step: z.number().int().min(0),
});

export const hawkJob = z.object({
  conversationId: z.string().uuid(),
  turnId: z.string().min(1),
  step: z.number().int().min(0),
  calls: z.array(z.object({ toolUseId: z.string().min(1), input: z.unknown() })).min(1),
});

export const replyJob = z.object({
  conversationId: z.string().uuid(),
  turnId: z.string().min(1),
  text: z.string(),
  /**
   * A digest: the computed reports (plain data from src/reports) the bot renders as Block Kit and
   * a chart; `text` is then the model's narrative around them.
   */
  reports: z.array(z.custom<Report>(isReportShaped, 'a computed report (src/reports)')).max(20).optional(),
  /** Why the turn ended: 'answer', 'step_cap', 'error' … (shown in the audit row). */
  outcome: z.string().default('answer'),
});

/**
 * A Slack question as the bot received it, queued before the ack so that the ack waits on one Redis
 * round trip instead of the Postgres intake (dedupe, conversation, message_in, scope). The bot's
 * intake worker records it (bot/intake.ts `acceptQuestion`); Redis holds it durably until then.
 */
export const intakeJob = z.object({
  source: z.enum(['app_mention', 'slash_command', 'digest', 'cli']),
  deliveryId: z.string().min(1).max(256),
  teamId: z.string().min(1).max(32),
  channelId: z.string().min(1).max(32),
  userId: z.string().min(1).max(32),
  /** Slack caps a message at 40 000 characters. */
  text: z.string().max(40_000),
  ts: z.string().max(32).optional(),
  threadTs: z.string().max(32).optional(),
  externallyShared: z.boolean(),
  command: z.string().max(64).optional(),
  report: z.boolean().optional(),
});

/** Housekeeping run by the bot on a BullMQ Job Scheduler (one scheduler, upserted by the bot only). */
export const maintenanceJob = z.discriminatedUnion('task', [
  z.object({ task: z.literal('retention') }),
  z.object({ task: z.literal('sweep') }),
  /** A channel's scheduled digest (channels bind --digest CRON --tz TZ). */
  z.object({ task: z.literal('digest'), teamId: z.string().min(1), channelId: z.string().min(1) }),
]);

export type SentinelJob = z.infer<typeof sentinelJob>;
export type MaintenanceJob = z.infer<typeof maintenanceJob>;
export type HawkJob = z.infer<typeof hawkJob>;
export type ReplyJob = z.infer<typeof replyJob>;
export type IntakeJob = z.infer<typeof intakeJob>;

const common: JobsOptions = {
  // Keep finished jobs for an hour so a duplicate add with the same jobId is ignored meanwhile;
  // the audit log (not Redis) is the long-term record.
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export const QUEUES = {
  sentinel: {
    name: 'sentinel',
    schema: sentinelJob,
    jobId: (j: SentinelJob) => `s-${j.turnId}-${j.step}`,
    // 2+4+8+16+32 s: rides out a Postgres failover or an LLM outage of about a minute, then the
    // final attempt apologises in the thread instead of leaving the question unanswered.
    options: { ...common, attempts: 6, backoff: { type: RETRY_BACKOFF, delay: 2_000 } } satisfies JobsOptions,
  },
  hawk: {
    name: 'hawk',
    schema: hawkJob,
    jobId: (j: HawkJob) => `h-${j.turnId}-${j.step}`,
    options: { ...common, attempts: 6, backoff: { type: RETRY_BACKOFF, delay: 2_000 } } satisfies JobsOptions,
  },
  replies: {
    name: 'replies',
    schema: replyJob,
    jobId: (j: ReplyJob) => `r-${j.turnId}`,
    options: { ...common, attempts: 6, backoff: { type: RETRY_BACKOFF, delay: 1_000 } } satisfies JobsOptions,
  },
  intake: {
    name: 'intake',
    schema: intakeJob,
    // A Slack retry of the same delivery is the same job (BullMQ ignores an id it still holds);
    // the slack_events row dedupes for good once the question is recorded. No ':' in BullMQ ids.
    jobId: (j: IntakeJob) => `i-${j.source}-${j.deliveryId.replaceAll(':', '_')}`,
    // 1+2+4+…+1024 s: a Postgres outage of over half an hour loses no question; after that the
    // asker is told in the thread to ask again.
    options: { ...common, attempts: 11, backoff: { type: RETRY_BACKOFF, delay: 1_000 } } satisfies JobsOptions,
  },
  maintenance: {
    name: 'maintenance',
    schema: maintenanceJob,
    jobId: (j: MaintenanceJob) => (j.task === 'digest' ? `m-digest-${j.teamId}-${j.channelId}` : `m-${j.task}`),
    options: { ...common, attempts: 3, backoff: { type: RETRY_BACKOFF, delay: 60_000 } } satisfies JobsOptions,
  },
} as const;

/** Cron patterns (UTC) of the scheduled maintenance tasks. */
export const SCHEDULES = {
  retention: { pattern: '17 3 * * *', data: { task: 'retention' } satisfies MaintenanceJob },
  /** Re-enqueues questions whose queued step was lost (see findStrandedTurns). */
  sweep: { pattern: '*/5 * * * *', data: { task: 'sweep' } satisfies MaintenanceJob },
} as const;

export type QueueName = keyof typeof QUEUES;
