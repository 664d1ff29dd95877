import { and, eq, sql } from 'drizzle-orm';
import { accountsForChannel, type BoundAccount } from '../accounts/index.js';
import { findByStepKey, recordAudit, stepKey } from '../audit/index.js';
import { conversations, slackEvents, workspaces, type Db } from '../db/index.js';
import type { Enqueuer } from '../queues/index.js';

/**
 * Intake: the one path by which a Slack question becomes work. Mentions and slash commands both
 * come through here, so dedupe, scoping and auditing cannot drift apart between the two.
 *
 * Order of effects (each step safe to repeat):
 *   1. the channel's scope (bindings), read from the signed team and channel;
 *   2. accepted: one statement records conversation, message_in (its id is the turnId) and the
 *      slack_events row, or nothing when the delivery id is known (duplicate: re-enqueue the stored
 *      turn, so a crash between commit and enqueue last time loses nothing; BullMQ ignores a job id
 *      it still holds). Refused: one transaction adds the `refused` row too;
 *   3. enqueue: the sentinel's first step, or (mention refused) the help reply for the replies queue.
 * The ack goes out after 3, so an acked question is always in Postgres and in the queue.
 */

<<<<<<< HEAD
/**
 * `digest`: a scheduled or `plainfra digest --now` report, started without a Slack request.
 * `cli`: `plainfra ask` — the answer goes to the operator's terminal, never to Slack.
 */
export type QuestionSource = 'app_mention' | 'slash_command' | 'digest' | 'cli';
=======
/** The question text of a digest asked without words (`/plainfra-report`, a bare mention, a schedule). */
export const DEFAULT_REPORT_QUESTION = 'Weekly cost and security digest';

/** `digest`: a scheduled or `plainfra digest --now` report, started without a Slack request. */
export type QuestionSource = 'app_mention' | 'slash_command' | 'digest';
>>>>>>> main

export interface IncomingQuestion {
  source: QuestionSource;
  /** `event_id` for events, `trigger_id` for commands: what makes a Slack retry recognisable. */
  deliveryId: string;
  /** From the signed request, never from message text. */
  teamId: string;
  channelId: string;
  userId: string;
  /** The question, bot mention stripped. */
  text: string;
  /** Mention: the message's ts (where the progress reaction goes). */
  ts?: string;
  /** Mention: the thread it was posted in, if any (then it is a follow-up of that conversation). */
  threadTs?: string;
  /** Slack Connect channel shared with another organisation: only explicit bindings count. */
  externallyShared: boolean;
  /** Slash command name, e.g. `/plainfra-report`. */
  command?: string;
  /** The weekly cost + security report rather than a free question (the sentinel computes it). */
  report?: boolean;
}

export const REFUSAL_REASONS = ['no_accounts', 'channel_not_bound', 'slack_connect_not_bound'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** A refusal code read back from the trail; one this version does not know reads as `no_accounts`. */
function refusalReason(stored: string): RefusalReason {
  return REFUSAL_REASONS.find((r) => r === stored) ?? 'no_accounts';
}

export type IntakeResult =
  | { status: 'accepted'; duplicate: boolean; conversationId: string; turnId: string }
  | { status: 'refused'; duplicate: boolean; conversationId: string; turnId: string; reason: RefusalReason; message: string };

/**
 * Conversations started by a slash command have no thread yet: the answer's ts will start it. Until
 * the replies consumer posts that answer and records the real ts, thread_ts holds this placeholder.
 */
export const PENDING_THREAD_PREFIX = 'cmd:';

/**
 * Conversations started by `plainfra ask` live under this thread key. It is what tells the replies
 * consumer to record the answer (message_out) without posting it: the asker reads it from the audit
 * trail in the terminal, and the channel never sees a question nobody asked there.
 */
export const CLI_THREAD_PREFIX = 'cli:';

/** Slack retries within minutes; BullMQ keeps finished job ids for an hour (catalogue). */
const REENQUEUE_WINDOW_MS = 55 * 60 * 1000;

export interface IntakeDeps {
  db: Db;
  enqueuer: Enqueuer;
}

export function deliveryKey(q: Pick<IncomingQuestion, 'source' | 'deliveryId'>): string {
  if (q.source === 'slash_command') return `trigger:${q.deliveryId}`;
  if (q.source === 'digest') return `digest:${q.deliveryId}`;
  if (q.source === 'cli') return `${CLI_THREAD_PREFIX}${q.deliveryId}`;
  return q.deliveryId;
}

export async function acceptQuestion(deps: IntakeDeps, q: IncomingQuestion): Promise<IntakeResult> {
  const { db, enqueuer } = deps;
  const key = deliveryKey(q);
  const scope = await resolveScope(db, q);
  // Commands and digests start a new thread with their answer; until then the key is a placeholder.
  // A CLI question never gets a Slack thread: its key says so for good.
  const threadKey =
    q.source === 'app_mention' ? (q.threadTs ?? q.ts)! : q.source === 'cli' ? key : `${PENDING_THREAD_PREFIX}${key}`;
  const payload = messageInPayload(q, scope);

  if (!scope.refusal) {
    // The common path in one round trip (see recordAccepted); a duplicate delivery finds its turn.
    const stored = await recordAccepted(db, q, key, threadKey, payload);
    if (!stored) return redeliverStored(deps, q, key);
    await enqueuer.add('sentinel', { ...stored, step: 0 });
    return { status: 'accepted', duplicate: false, ...stored };
  }

  const [seen] = await db.select().from(slackEvents).where(eq(slackEvents.eventId, key)).limit(1);
  if (seen) return redeliver(deps, q, seen);
  const stored = await db.transaction(async (tx) => {
    // recordAudit takes a Db; a transaction has the same query builder (only $client differs).
    const txDb = tx as unknown as Db;
    await tx
      .insert(conversations)
      .values({ teamId: q.teamId, channelId: q.channelId, threadTs: threadKey, startedBy: q.userId, externallyShared: q.externallyShared })
      // Sticky: once a thread is seen as shared with another organisation, hawk and the sentinel
      // only ever use that channel's explicit bindings for it.
      .onConflictDoUpdate({
        target: [conversations.teamId, conversations.channelId, conversations.threadTs],
        set: { externallyShared: sql`${conversations.externallyShared} OR excluded.externally_shared` },
      });
    const [conversation] = await tx
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.teamId, q.teamId), eq(conversations.channelId, q.channelId), eq(conversations.threadTs, threadKey)));
    const conversationId = conversation!.id;
    // The step key makes a concurrent second delivery (Slack retrying while we still commit) land
    // on the same row instead of a second turn.
    const { row } = await recordAudit(txDb, { conversationId, actor: 'bot', kind: 'message_in', stepKey: `in:${key}`, payload });
    const turnId = String(row.id);
    await recordAudit(txDb, {
      conversationId,
      actor: 'bot',
<<<<<<< HEAD
      kind: 'refused',
      stepKey: `refused:${turnId}`,
      payload: { reason: scope.refusal!.reason, message: scope.refusal!.message, channel: q.channelId, team: q.teamId },
    });
=======
      kind: 'message_in',
      stepKey: stepKey.in(key),
      payload: {
        text: q.text,
        user: q.userId,
        channel: q.channelId,
        team: q.teamId,
        ts: q.ts ?? null,
        thread_ts: q.threadTs ?? null,
        event_id: q.source === 'app_mention' ? q.deliveryId : null,
        trigger_id: q.source === 'slash_command' ? q.deliveryId : null,
        source: q.source,
        command: q.command ?? null,
        report: q.report === true,
        externally_shared: q.externallyShared,
        // The accounts this channel may query, as resolved now from the signed team and channel.
        accounts: scope.accounts.map((a) => a.name),
      },
    });
    const turnId = String(row.id);
    if (scope.refusal) {
      await recordAudit(txDb, {
        conversationId,
        actor: 'bot',
        kind: 'refused',
        stepKey: stepKey.refused(turnId),
        payload: { reason: scope.refusal.reason, message: scope.refusal.message, channel: q.channelId, team: q.teamId },
      });
    }
>>>>>>> main
    await tx.insert(slackEvents).values({ eventId: key, conversationId, turnId }).onConflictDoNothing();
    return { conversationId, turnId };
  });
  if (q.source === 'app_mention') await enqueueHelp(enqueuer, stored, scope.refusal.message);
  return { status: 'refused', duplicate: false, ...stored, ...scope.refusal };
}

function messageInPayload(q: IncomingQuestion, scope: Scope): Record<string, unknown> {
  return {
    text: q.text,
    user: q.userId,
    channel: q.channelId,
    team: q.teamId,
    ts: q.ts ?? null,
    thread_ts: q.threadTs ?? null,
    event_id: q.source === 'app_mention' ? q.deliveryId : null,
    trigger_id: q.source === 'slash_command' ? q.deliveryId : null,
    source: q.source,
    command: q.command ?? null,
    report: q.report === true,
    externally_shared: q.externallyShared,
    // The accounts this channel may query, as resolved now from the signed team and channel.
    accounts: scope.accounts.map((a) => a.name),
  };
}

/**
 * An accepted question in ONE statement (one round trip, atomic on its own, no BEGIN/COMMIT): the
 * conversation upsert, the message_in row and the slack_events row, all skipped when the delivery id
 * is already known. Under a burst of mentions the Postgres round trips held per intake are what the
 * ack waits on (pool slots and latency), so this replaced a transaction of six. Returns undefined
 * for a duplicate: a stored delivery, or a concurrent one that committed the same `in:` step key.
 */
async function recordAccepted(
  db: Db,
  q: IncomingQuestion,
  key: string,
  threadKey: string,
  payload: Record<string, unknown>,
): Promise<{ conversationId: string; turnId: string } | undefined> {
  const result = await db.execute(sql`
    WITH conv AS (
      INSERT INTO conversations (team_id, channel_id, thread_ts, started_by, externally_shared)
      SELECT ${q.teamId}, ${q.channelId}, ${threadKey}, ${q.userId}, ${q.externallyShared}
      WHERE NOT EXISTS (SELECT 1 FROM slack_events WHERE event_id = ${key})
      ON CONFLICT (team_id, channel_id, thread_ts)
        DO UPDATE SET externally_shared = conversations.externally_shared OR excluded.externally_shared
      RETURNING id
    ), msg AS (
      INSERT INTO audit_events (conversation_id, actor, kind, step_key, payload)
      SELECT id, 'bot', 'message_in', ${`in:${key}`}, ${JSON.stringify(payload)}::jsonb FROM conv
      ON CONFLICT (conversation_id, step_key) DO NOTHING
      RETURNING id, conversation_id
    ), ev AS (
      INSERT INTO slack_events (event_id, conversation_id, turn_id)
      SELECT ${key}, conversation_id, id::text FROM msg
      ON CONFLICT DO NOTHING
      RETURNING turn_id
    )
    SELECT msg.conversation_id, msg.id::text AS turn_id FROM msg`);
  const row = (result.rows as { conversation_id: string; turn_id: string }[])[0];
  return row ? { conversationId: row.conversation_id, turnId: row.turn_id } : undefined;
}

/** A duplicate found by recordAccepted: its stored slack_events row decides what to re-enqueue. */
async function redeliverStored(deps: IntakeDeps, q: IncomingQuestion, key: string): Promise<IntakeResult> {
  const [seen] = await deps.db.select().from(slackEvents).where(eq(slackEvents.eventId, key)).limit(1);
  if (!seen) throw new Error(`delivery ${key} neither recorded nor found (a concurrent intake rolled back); Slack will retry it`);
  return redeliver(deps, q, seen);
}

async function redeliver(
  deps: IntakeDeps,
  q: IncomingQuestion,
  seen: typeof slackEvents.$inferSelect,
): Promise<IntakeResult> {
  const stored = { conversationId: seen.conversationId, turnId: seen.turnId };
  const refusedRow = await findByStepKey(deps.db, seen.conversationId, stepKey.refused(seen.turnId));
  const fresh = Date.now() - seen.receivedAt.getTime() < REENQUEUE_WINDOW_MS;
  if (refusedRow?.kind === 'refused') {
    const { reason, message = '' } = refusedRow.payload;
    if (fresh && q.source === 'app_mention') await enqueueHelp(deps.enqueuer, stored, message);
    return { status: 'refused', duplicate: true, ...stored, reason: refusalReason(reason), message };
  }
  if (fresh) await deps.enqueuer.add('sentinel', { ...stored, step: 0 });
  return { status: 'accepted', duplicate: true, ...stored };
}

async function enqueueHelp(enqueuer: Enqueuer, stored: { conversationId: string; turnId: string }, message: string) {
  await enqueuer.add('replies', { ...stored, text: message, outcome: 'refused' });
}

interface Scope {
  accounts: BoundAccount[];
  refusal?: { reason: RefusalReason; message: string };
}

/** Which accounts this channel may query; a refusal with an operator-ready fix when none. */
export async function resolveScope(db: Db, q: Pick<IncomingQuestion, 'teamId' | 'channelId' | 'externallyShared'>): Promise<Scope> {
  const accounts = await accountsForChannel(db, q);
  if (accounts.length > 0) return { accounts };
  const bind = `\`plainfra channels bind --team ${q.teamId} --channel ${q.channelId} --account NAME\``;
  const [workspace] = await db.select().from(workspaces).where(eq(workspaces.teamId, q.teamId)).limit(1);
  if (!workspace) {
    return {
      accounts,
      refusal: {
        reason: 'no_accounts',
        message:
          `No AWS account is registered for this Slack workspace yet, so I can't answer. An operator can add one with\n` +
          `\`plainfra accounts add --team ${q.teamId} --name NAME --role-arn ARN\`\nand then allow this channel with\n${bind}`,
      },
    };
  }
  if (q.externallyShared) {
    const defaults = await accountsForChannel(db, { ...q, externallyShared: false });
    if (defaults.length > 0) {
      return {
        accounts,
        refusal: {
          reason: 'slack_connect_not_bound',
          message:
            `This channel is shared with another organisation (Slack Connect), so the workspace's default accounts ` +
            `don't apply here. If people outside your organisation may see answers about an account, an operator can ` +
            `allow it explicitly with\n${bind}`,
        },
      };
    }
  }
  return {
    accounts,
    refusal: {
      reason: 'channel_not_bound',
      message: `This channel isn't allowed to query any AWS account yet. An operator can allow it with\n${bind}`,
    },
  };
}
