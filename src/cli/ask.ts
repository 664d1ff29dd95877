import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Job, Queue } from 'bullmq';
import { and, asc, eq, gt } from 'drizzle-orm';
import { findByStepKey, isKind, parseAuditRow, parsedEvents, stepKey, toolInputOf, type AuditRow } from '../audit/index.js';
// Intake and the terminal answer from their own files: the bot's door loads Bolt, and ask must not.
import { acceptQuestion, type IntakeResult } from '../bot/intake.js';
import { recordTerminalAnswer } from '../bot/terminal-reply.js';
import type { AdminConfig } from '../config/index.js';
import { auditEvents, closeDb, connectDb, type Db } from '../db/index.js';
import { createRedis, Enqueuer, QUEUES, replyJob, waitReady } from '../queues/index.js';

/**
 * `plainfra ask --team T --channel C "question"`: a question through the same intake, audit trail,
 * queues, hawk and sentinel as a Slack mention, scoped by the channel's bindings; the answer is
 * printed here instead of posted.
 *
 * How the answer finds the terminal: intake files the question under a `cli:` thread key, so the
 * bot's replies consumer (if a bot runs) records the answer as message_out without posting it. With
 * no bot running (trying plainfra before the Slack app exists), this command takes the waiting reply
 * job itself: it records the same message_out (one step key, so only one row whoever is first) and
 * removes the job. Either way it then reads the answer from the audit trail.
 */

export interface AskOptions {
  teamId: string;
  channelId: string;
  question: string;
  json: boolean;
  timeoutMs: number;
  /** Recorded as the asker (message_in `user`); default `cli:<login name>`. */
  user?: string;
}

export interface AskIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const POLL_MS = 200;
/**
 * A running bot takes a reply job within milliseconds; one nobody took for this long means no bot
 * runs (or none is free), and this command records the answer itself.
 */
const BOT_GRACE_MS = 2_000;

export async function askCommand(config: AdminConfig, opts: AskOptions, io: AskIo = defaultIo): Promise<number> {
  const db = connectDb(config.DATABASE_URL, 2);
  const producer = createRedis(config.REDIS_URL, 'producer');
  const replies = new Queue(QUEUES.replies.name, { connection: producer, prefix: config.PLAINFRA_QUEUE_PREFIX });
  const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
  try {
    await waitReady(producer);
    const started = Date.now();
    const result = await fileQuestion(db, enqueuer, opts);
    if (result.status === 'refused') return printRefusal(result, opts, io);
    const { conversationId, turnId } = result;
    if (!opts.json) io.err(`asked (conversation ${conversationId}, turn ${turnId}); waiting for hawk and the sentinel…`);
    // `return await`: the finally below must not close the pool while the wait still reads from it.
    return await awaitAnswer({ db, replies, io, opts, config }, { conversationId, turnId, started });
  } finally {
    await enqueuer.close().catch(() => undefined);
    await replies.close().catch(() => undefined);
    producer.disconnect();
    await closeDb(db);
  }
}

/** The question through the same intake as a Slack mention, from a `cli` source. */
function fileQuestion(db: Db, enqueuer: Enqueuer, opts: AskOptions): Promise<IntakeResult> {
  return acceptQuestion(
    { db, enqueuer },
    {
      source: 'cli',
      deliveryId: randomUUID(),
      teamId: opts.teamId,
      channelId: opts.channelId,
      userId: opts.user ?? `cli:${loginName()}`,
      text: opts.question,
      externallyShared: false,
    },
  );
}

function printRefusal(result: Extract<IntakeResult, { status: 'refused' }>, opts: AskOptions, io: AskIo): number {
  if (opts.json) {
    const { reason, message, conversationId, turnId } = result;
    io.out(JSON.stringify({ status: 'refused', reason, message, conversationId, turnId }, null, 2));
  } else io.err(`plainfra: refused (${result.reason}): ${result.message.replace(/`/g, '')}`);
  return 1;
}

/** What the wait for an answer reads from and writes to. */
interface AskSession {
  readonly db: Db;
  readonly replies: Queue;
  readonly io: AskIo;
  readonly opts: AskOptions;
  readonly config: AdminConfig;
}

/**
 * Polls the trail for the turn's message_out, taking the reply job when no bot does and showing
 * progress meanwhile; prints the answer, or a timeout once opts.timeoutMs has passed.
 */
async function awaitAnswer(session: AskSession, turn: { conversationId: string; turnId: string; started: number }): Promise<number> {
  const { db, io, opts } = session;
  const { conversationId, turnId, started } = turn;
  let lastSeen = Number(turnId);
  const deadline = started + opts.timeoutMs;
  for (;;) {
    const out = await findByStepKey(db, conversationId, stepKey.out(turnId));
    if (out) return await print(db, io, opts, out, { conversationId, turnId, elapsedMs: Date.now() - started });
    await takeWaitingReply(db, session.replies, turnId);
    if (!opts.json) lastSeen = await showProgress(db, io, conversationId, lastSeen);
    if (Date.now() > deadline) return printTimeout(session, conversationId, turnId);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function printTimeout({ io, opts, config }: AskSession, conversationId: string, turnId: string): number {
  const msg =
    `no answer within ${Math.round(opts.timeoutMs / 1000)} s. Are \`plainfra sentinel\` and \`plainfra hawk\` running with ` +
    `this DATABASE_URL, REDIS_URL and PLAINFRA_QUEUE_PREFIX (${config.PLAINFRA_QUEUE_PREFIX})? The question stays queued ` +
    `(conversation ${conversationId}); nothing is lost by asking again.`;
  if (opts.json) io.out(JSON.stringify({ status: 'timeout', conversationId, turnId, message: msg }, null, 2));
  else io.err(`plainfra: ${msg}`);
  return 1;
}

/**
 * The turn's reply job, if it is still waiting for a bot: record it as the terminal answer and take it
 * off the queue. A job a bot holds right now cannot be removed; that bot records the same row.
 */
async function takeWaitingReply(db: Db, replies: Queue, turnId: string): Promise<void> {
  const job = await Job.fromId(replies, QUEUES.replies.jobId({ turnId } as never));
  if (!job) return;
  const state = await job.getState();
  if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized' && state !== 'failed') return;
  if (Date.now() - job.timestamp < BOT_GRACE_MS) return;
  const parsed = replyJob.safeParse(job.data);
  if (!parsed.success) return;
  await recordTerminalAnswer(db, parsed.data, 'cli');
  await job.remove().catch(() => undefined);
}

/** One stderr line per new audit row, so the operator sees hawk and the sentinel at work. */
async function showProgress(db: Db, io: AskIo, conversationId: string, after: number): Promise<number> {
  const rows = (await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.conversationId, conversationId), gt(auditEvents.id, after)))
    .orderBy(asc(auditEvents.id))) as AuditRow[];
  for (const r of rows) io.err(`  ${r.actor.padEnd(8)} ${r.kind.padEnd(12)} ${describe(r)}`);
  return rows.length ? rows[rows.length - 1]!.id : after;
}

function describe(r: AuditRow): string {
  const parsed = parseAuditRow(r);
  if (!parsed.ok) return `(not in the audit catalogue: ${parsed.invalid.problems})`;
  const p = parsed.event.payload;
  const input = toolInputOf(p.input);
  if (input.service) return `${input.service}:${input.operation ?? ''}${typeof p.account === 'string' ? ` (${p.account})` : ''}`;
  if (input.url) return input.url;
  if (typeof p.reason === 'string') return p.reason;
  if (typeof p.step === 'number') return `step ${p.step}`;
  return '';
}

async function print(
  db: Db,
  io: AskIo,
  opts: AskOptions,
  out: AuditRow,
  ids: { conversationId: string; turnId: string; elapsedMs: number },
): Promise<number> {
  const parsed = parseAuditRow(out);
  const p = parsed.ok && parsed.event.kind === 'message_out' ? parsed.event.payload : { turnId: ids.turnId };
  const answer = terminalSafe(p.text ?? '');
  const outcome = p.outcome ?? 'answer';
  const calls = (await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.conversationId, ids.conversationId), eq(auditEvents.kind, 'tool_call')))
    .orderBy(asc(auditEvents.id))) as AuditRow[];
  const sources = parsedEvents(calls)
    .filter(isKind('tool_call'))
    .filter((c) => c.payload.turnId === ids.turnId)
    .map((c) => {
      const input = toolInputOf(c.payload.input);
      return {
        account: c.payload.account ?? null,
        service: input.service ?? null,
        operation: input.operation ?? null,
        region: input.region ?? null,
      };
    });
  if (opts.json) {
    io.out(JSON.stringify({ status: 'answered', outcome, answer, sources, ...(p.reports ? { reports: p.reports } : {}), ...ids }, null, 2));
  } else {
    io.out(answer);
    if (sources.length)
      io.out(`\nSources: ${sources.map((s) => `${s.service}:${s.operation}${s.account ? ` (${s.account})` : ''}`).join(', ')}`);
  }
  // An apology (the turn failed or hit the step cap) is printed, but scripts should know.
  return outcome === 'error' || outcome === 'step_cap' ? 1 : 0;
}

/** Model text must not drive the operator's terminal: drop control characters except newline and tab. */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

function loginName(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

const defaultIo: AskIo = { out: (l) => console.log(l), err: (l) => console.error(l) };
