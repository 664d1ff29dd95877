import type { Job, Queue } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import { auditEvents, type Db } from '../../src/db/index.js';
import type { SentinelJob } from '../../src/queues/index.js';
import { REDIS_URL } from './redis.js';

/**
 * What the in-process bot tests share: the bot's environment against the fake Slack, and the reads
 * that tell what the bot did (audit rows, sentinel jobs), polled until they appear.
 */

/** The bot's Slack identity in the fake workspace (the fake Slack's `botUserId` and `botId`). */
export const BOT_USER = 'U0PLAINFRA';
export const BOT_ID = 'B0PLAINFRA';

/** The bot's own environment against the fake Slack at `slackUrl`: any free port, 5 s job locks. */
export function inProcessBotEnv(o: {
  databaseUrl: string;
  prefix: string;
  slackUrl: string;
  botToken: string;
  /** How Slack reaches the bot: SLACK_SIGNING_SECRET (Events API) or SLACK_APP_TOKEN (Socket Mode). */
  transport: { SLACK_SIGNING_SECRET: string } | { SLACK_APP_TOKEN: string };
}): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    REDIS_URL,
    PLAINFRA_QUEUE_PREFIX: o.prefix,
    SLACK_BOT_TOKEN: o.botToken,
    ...o.transport,
    SLACK_API_URL: o.slackUrl,
    SLACK_BOT_ID: BOT_ID,
    SLACK_BOT_USER_ID: BOT_USER,
    PORT: '0',
    PLAINFRA_JOB_LOCK_MS: '5000',
  };
}

/** Polls `probe` every 50 ms until it gives something truthy, and returns that; fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A conversation's audit rows of one kind. */
export async function auditRowsOf(db: Db, conversationId: string, kind: string) {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.conversationId, conversationId), eq(auditEvents.kind, kind)));
}

/** Every job a queue holds in any state (BullMQ's `getJobs` lists only the states it is given). */
export async function jobsIn(queue: Queue): Promise<Job[]> {
  return queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed']);
}

/** The sentinel jobs queued for one conversation. */
export async function sentinelJobsFor(sentinelQueue: Queue, conversationId: string): Promise<SentinelJob[]> {
  return (await jobsIn(sentinelQueue)).map((j) => j.data as SentinelJob).filter((d) => d.conversationId === conversationId);
}
