import { and, eq, sql } from 'drizzle-orm';
import { REFUSAL_REASONS, resolveScope, type RefusalReason } from '../accounts/index.js';
import { findByStepKey, recordAudit, stepKey } from '../audit/index.js';
import { conversations, slackEvents, type Db } from '../db/index.js';
import type { Enqueuer } from '../queues/index.js';
import { DEFAULT_REPORT_REQUEST, type ReportRequest } from '../reports/index.js';

/**
 * Intake: the one path by which a Slack question becomes work. Mentions and slash commands both
 * come through here, so dedupe, scoping and auditing cannot drift apart between the two.
 *
 * Order of effects (each step safe to repeat):
 *   1. a delivery id already in slack_events → duplicate: re-enqueue the stored turn (a crash between
 *      commit and enqueue last time loses nothing; BullMQ ignores a job id it still holds);
 *   2. one Postgres transaction: conversation for the thread, message_in (its id is the turnId),
 *      `refused` when the channel may not query any account, slack_events row;
 *   3. enqueue: the sentinel's first step, or (mention refused) the help reply for the replies queue.
 */

/** The question text of a digest asked without words (`/plainfra-report`, a bare mention, a schedule). */
export const DEFAULT_REPORT_QUESTION = 'Weekly cost and security digest';

/**
 * `digest`: a scheduled or `plainfra digest --now` report, started without a Slack request.
 * `cli`: `plainfra ask` — the answer goes to the operator's terminal, never to Slack.
 */
export type QuestionSource = 'app_mention' | 'slash_command' | 'digest' | 'cli';

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
  /** A report's scope, period and (optionally) its one account; default all, 7d, every bound account. */
  reportRequest?: ReportRequest;
}

export { REFUSAL_REASONS, resolveScope, type RefusalReason };

/** A refusal code read back from the trail; one this version does not know reads as `no_accounts`. */
function refusalReason(stored: string): RefusalReason {
  return REFUSAL_REASONS.find((r) => r === stored) ?? 'no_accounts';
}

export type IntakeResult =
  | { status: 'accepted'; duplicate: boolean; conversationId: string; turnId: string }
  | { status: 'refused'; duplicate: boolean; conversationId: string; turnId: string; reason: RefusalReason; message: string };

/**
 * A report's `account NAME` is not among the accounts this channel may query. Thrown before
 * anything is recorded or queued: like a typo in the command, it costs no AWS request and no LLM
 * call. The message lists what the channel may query (account names are not secret to it).
 */
export class ReportAccountNotBound extends Error {
  constructor(
    readonly account: string,
    readonly bound: string[],
  ) {
    super(`Account "${account}" is not bound to this channel; it may query: ${[...bound].sort().join(', ')}.`);
    this.name = 'ReportAccountNotBound';
  }
}

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

/** Takes one question through the steps above; see the module comment for why each is safe to repeat. */
export async function acceptQuestion(deps: IntakeDeps, q: IncomingQuestion): Promise<IntakeResult> {
  const key = deliveryKey(q);
  const [seen] = await deps.db.select().from(slackEvents).where(eq(slackEvents.eventId, key)).limit(1);
  if (seen) return redeliver(deps, q, seen);
  const scope = await scopeOf(deps.db, q);
  const stored = await recordQuestion(deps.db, q, key, scope);
  if (scope.refusal) {
    if (q.source === 'app_mention') await enqueueHelp(deps.enqueuer, stored, scope.refusal.message);
    return { status: 'refused', duplicate: false, ...stored, ...scope.refusal };
  }
  await deps.enqueuer.add('sentinel', { ...stored, step: 0 });
  return { status: 'accepted', duplicate: false, ...stored };
}

type Scope = Awaited<ReturnType<typeof resolveScope>>;

/** Where a turn lives once recorded: its conversation and its message_in row's id. */
interface StoredTurn {
  conversationId: string;
  turnId: string;
}

/**
 * The accounts this channel may query, as resolved now from the signed team and channel; a
 * report's `account NAME` narrows them to that one, or throws ReportAccountNotBound.
 */
async function scopeOf(db: Db, q: IncomingQuestion): Promise<Scope> {
  const scope = await resolveScope(db, q);
  const wanted = q.reportRequest?.account;
  if (wanted === undefined || scope.refusal) return scope;
  const match = scope.accounts.filter((a) => a.name === wanted);
  if (match.length === 0)
    throw new ReportAccountNotBound(
      wanted,
      scope.accounts.map((a) => a.name),
    );
  return { ...scope, accounts: match };
}

/**
 * Commands and digests start a new thread with their answer; until then the key is a placeholder.
 * A CLI question never gets a Slack thread: its key says so for good.
 */
function threadKeyOf(q: IncomingQuestion, key: string): string {
  if (q.source === 'app_mention') return (q.threadTs ?? q.ts)!;
  return q.source === 'cli' ? key : `${PENDING_THREAD_PREFIX}${key}`;
}

/** One transaction: the thread's conversation, message_in, `refused` if it may not query, slack_events. */
async function recordQuestion(db: Db, q: IncomingQuestion, key: string, scope: Scope): Promise<StoredTurn> {
  return db.transaction(async (tx) => {
    // recordAudit takes a Db; a transaction has the same query builder (only $client differs).
    const txDb = tx as unknown as Db;
    const conversationId = await conversationFor(txDb, q, threadKeyOf(q, key));
    const turnId = await recordMessageIn(txDb, conversationId, q, key, scope);
    if (scope.refusal) {
      await recordAudit(txDb, {
        conversationId,
        actor: 'bot',
        kind: 'refused',
        stepKey: stepKey.refused(turnId),
        payload: { reason: scope.refusal.reason, message: scope.refusal.message, channel: q.channelId, team: q.teamId },
      });
    }
    await txDb.insert(slackEvents).values({ eventId: key, conversationId, turnId }).onConflictDoNothing();
    return { conversationId, turnId };
  });
}

/** The conversation for the thread, created on first sight. */
async function conversationFor(db: Db, q: IncomingQuestion, threadKey: string): Promise<string> {
  await db
    .insert(conversations)
    .values({ teamId: q.teamId, channelId: q.channelId, threadTs: threadKey, startedBy: q.userId, externallyShared: q.externallyShared })
    // Sticky: once a thread is seen as shared with another organisation, hawk and the sentinel
    // only ever use that channel's explicit bindings for it.
    .onConflictDoUpdate({
      target: [conversations.teamId, conversations.channelId, conversations.threadTs],
      set: { externallyShared: sql`${conversations.externallyShared} OR excluded.externally_shared` },
    });
  const [conversation] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.teamId, q.teamId), eq(conversations.channelId, q.channelId), eq(conversations.threadTs, threadKey)));
  return conversation!.id;
}

/**
 * The question's message_in row; its id is the turnId. The step key makes a concurrent second
 * delivery (Slack retrying while we still commit) land on the same row instead of a second turn.
 */
async function recordMessageIn(db: Db, conversationId: string, q: IncomingQuestion, key: string, scope: Scope): Promise<string> {
  const { row } = await recordAudit(db, {
    conversationId,
    actor: 'bot',
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
      ...(q.report && { report_request: { ...(q.reportRequest ?? DEFAULT_REPORT_REQUEST) } }),
      externally_shared: q.externallyShared,
      // The accounts this channel may query, as resolved now from the signed team and channel.
      accounts: scope.accounts.map((a) => a.name),
    },
  });
  return String(row.id);
}

async function redeliver(deps: IntakeDeps, q: IncomingQuestion, seen: typeof slackEvents.$inferSelect): Promise<IntakeResult> {
  const stored: StoredTurn = { conversationId: seen.conversationId, turnId: seen.turnId };
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

async function enqueueHelp(enqueuer: Enqueuer, stored: StoredTurn, message: string) {
  await enqueuer.add('replies', { ...stored, text: message, outcome: 'refused' });
}
