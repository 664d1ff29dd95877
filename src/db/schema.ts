import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, jsonb, pgTable, serial, text, timestamp, uniqueIndex, integer, uuid } from 'drizzle-orm/pg-core';

/** A Slack workspace (team) that installed plainfra. */
export const workspaces = pgTable('workspaces', {
  teamId: text('team_id').primaryKey(),
  name: text('name'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A customer AWS account a workspace may query, through the role it deployed from our template. */
export const awsAccounts = pgTable(
  'aws_accounts',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => workspaces.teamId),
    name: text('name').notNull(),
    roleArn: text('role_arn').notNull(),
    regions: text('regions').array().notNull().default(sql`'{us-east-1}'::text[]`),
    /** Crypto-random, unique per account: the confused-deputy guard in the role's trust policy. */
    externalId: text('external_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * A rotation in progress (migration 0005): hawk tries this id first and falls back to
     * `externalId` until `plainfra accounts verify` passes with it; then it replaces `externalId`.
     * Readable by hawk and the owner only, like `externalId`.
     */
    pendingExternalId: text('pending_external_id'),
    pendingSince: timestamp('pending_since', { withTimezone: true }),
    /** When `plainfra accounts verify` last passed for the current ExternalId. */
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('aws_accounts_team_name').on(t.teamId, t.name),
    uniqueIndex('aws_accounts_external_id').on(t.externalId),
    uniqueIndex('aws_accounts_pending_external_id').on(t.pendingExternalId),
    check('aws_accounts_pending_complete', sql`(${t.pendingExternalId} IS NULL) = (${t.pendingSince} IS NULL)`),
    check('aws_accounts_pending_differs', sql`${t.pendingExternalId} IS DISTINCT FROM ${t.externalId}`),
  ],
);

/**
 * Which accounts a channel may query. channel_id '*' is a workspace-wide default that applies to the
 * workspace's own channels only — never to Slack Connect channels shared with another organisation.
 */
export const channelBindings = pgTable(
  'channel_bindings',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => workspaces.teamId),
    channelId: text('channel_id').notNull(),
    accountId: integer('account_id')
      .notNull()
      .references(() => awsAccounts.id),
    digestCron: text('digest_cron'),
    digestTz: text('digest_tz'),
    /** The schedule's report scope (`cost`, `security`, `all`); NULL = all. */
    digestWhat: text('digest_what'),
    /** The schedule's report period (`7d`, `30d`, `mtd`, `last-month`); NULL = 7d. */
    digestPeriod: text('digest_period'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('channel_bindings_unique').on(t.teamId, t.channelId, t.accountId)],
);

/** One Slack thread = one conversation; replies in the thread are follow-ups of it. */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: text('team_id').notNull(),
    channelId: text('channel_id').notNull(),
    threadTs: text('thread_ts').notNull(),
    startedBy: text('started_by').notNull(),
    /** Slack Connect channel shared with another organisation: only explicit bindings apply. */
    externallyShared: boolean('externally_shared').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('conversations_thread').on(t.teamId, t.channelId, t.threadTs)],
);

/**
 * Slack event ids already accepted. Slack retries a delivery it thinks failed; the unique key makes
 * the second delivery a no-op in Postgres, independent of Redis.
 */
export const slackEvents = pgTable('slack_events', {
  eventId: text('event_id').primaryKey(),
  conversationId: uuid('conversation_id').notNull(),
  turnId: text('turn_id').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

/** `admin`: a CLI command run with the owner login (accounts, channels), in the admin chain. */
export const AUDIT_ACTORS = ['bot', 'hawk', 'sentinel', 'admin'] as const;
/** The audit_events_kind CHECK admits these (declared before the table, whose CHECK reads it). */
export const AUDIT_KINDS = [
  'message_in',
  'llm_request',
  'llm_response',
  'tool_call',
  'tool_result',
  'refused',
  'message_out',
  'error',
  'admin',
  'grounding',
] as const;
export type AuditActor = (typeof AUDIT_ACTORS)[number];
export type AuditKind = (typeof AUDIT_KINDS)[number];

/**
 * The append-only trail (a trigger forbids UPDATE and DELETE outside the retention job). It is also
 * the conversation's durable state: the sentinel rebuilds the transcript from it at every step.
 * `step_key` makes each step's writes idempotent: a retried job finds its row instead of redoing it.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    conversationId: uuid('conversation_id').notNull(),
    actor: text('actor').notNull(),
    kind: text('kind').notNull(),
    stepKey: text('step_key'),
    payload: jsonb('payload').notNull().default(sql`'{}'::jsonb`),
    /**
     * The hash chain (migration 0004): set by the `audit_events_chain` trigger inside the insert,
     * never by the application. `plainfra audit verify` recomputes them (src/audit/chain.ts).
     */
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_events_conversation').on(t.conversationId, t.id),
    index('audit_events_created_at').on(t.createdAt),
    uniqueIndex('audit_events_step_key').on(t.conversationId, t.stepKey),
    check('audit_events_actor', sql`${t.actor} IN ('bot', 'hawk', 'sentinel', 'admin')`),
    check('audit_events_kind', sql`${t.kind} IN (${sql.raw(AUDIT_KINDS.map((k) => `'${k}'`).join(', '))})`),
  ],
);

/**
 * Which process login may write which actor (filled by `plainfra migrate`, read only by the
 * SECURITY DEFINER audit trigger and retention function; no process role has any grant on it).
 */
export const roleActors = pgTable('plainfra_role_actors', {
  roleName: text('role_name').primaryKey(),
  actor: text('actor').notNull(),
});
