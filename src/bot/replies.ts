import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { findAuditRow, findByStepKey, recordAudit, stepKey as stepKeys } from '../audit/index.js';
import { conversations, type Db } from '../db/index.js';
import { Permanent, type ReplyJob } from '../queues/index.js';
import { CLI_THREAD_PREFIX, PENDING_THREAD_PREFIX } from './intake.js';
import { recordTerminalAnswer } from './terminal-reply.js';
import { reportMessage } from './report-message.js';
import type { Report } from '../reports/index.js';
import { chartKinds, type ChartFile, type ChartKind, type ChartRenderer } from '../charts/index.js';
import type { BotMetrics } from './metrics.js';
import { clearProgress } from './progress.js';
import { AWS_LINKS, safePlainText, safeSlackText, splitMessage, type LinkPolicy } from './safe-text.js';
import { sourcesButton } from './sources.js';

/**
 * The replies consumer: posts a turn's final answer in its thread, exactly once as far as Slack
 * allows. The `message_out` row (step key `out:<turnId>`) is the record that the answer went out;
 * it is checked before posting and written after, so a retried job after success posts nothing.
 * The window left is a crash between chat.postMessage and the audit write (a second post) — Slack
 * has no idempotency key for chat.postMessage, so that window cannot be closed entirely.
 */

export interface ReplyDeps {
  db: Db;
  client: WebClient;
  logger: Logger;
  metrics: BotMetrics;
  /** Which hosts stay links (AWS's and PLAINFRA_DOCS_URL's); AWS's only when absent. */
  links?: LinkPolicy;
  /** Draws a report's charts off the event loop (src/charts); without it a report posts no chart. */
  charts?: ChartRenderer;
  /**
   * Least time between two parts of one reply in its channel. Slack allows about one message per
   * second per channel (short bursts tolerated); a report is 1 message and up to 2 charts per
   * account, so its parts are spaced rather than burst. Default 1 000 ms.
   */
  channelGapMs?: number;
}

/** See ReplyDeps.channelGapMs. */
export const CHANNEL_GAP_MS = 1_000;

/** Slack errors that no retry will fix: the job fails for good and the failure is audited. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'team_access_not_granted',
  'ekm_access_denied',
  'msg_too_long',
  'no_text',
  'invalid_arguments',
  'thread_not_found',
]);

const EMPTY_ANSWER = "I couldn't put an answer together this time. Please try asking again.";

export type ReplyOutcome = 'posted' | 'already_posted' | 'terminal';

/**
 * Parts of a long answer already posted by an earlier attempt of the same job (kept in the BullMQ
 * job's progress), so a retry after a rate limit on part 2 does not post part 1 again.
 */
export interface ReplyProgress {
  posted: string[];
  save(posted: string[]): Promise<void>;
}

/**
 * Posts one turn's reply: skipped when its `message_out` row says it went out already, recorded
 * for the terminal when `plainfra ask` asked it, otherwise posted part by part and then recorded.
 */
export async function deliverReply(deps: ReplyDeps, job: ReplyJob, progress?: ReplyProgress): Promise<ReplyOutcome> {
  const conversation = await conversationOf(deps.db, job);
  if (await alreadyPosted(deps, conversation, job)) return 'already_posted';
  if (conversation.threadTs.startsWith(CLI_THREAD_PREFIX)) {
    // `plainfra ask`: the operator reads the answer in the terminal; the channel never sees it.
    await recordTerminalAnswer(deps.db, job, 'bot');
    return 'terminal';
  }
  const links = deps.links ?? AWS_LINKS;
  const text = safeSlackText(job.text.trim() ? job.text : EMPTY_ANSWER, links);
  const parts = replyParts(job, text, links, deps.charts !== undefined);
  const pending = conversation.threadTs.startsWith(PENDING_THREAD_PREFIX);
  const attempt: ReplyAttempt = { conversation, job, threadTs: pending ? undefined : conversation.threadTs, posted: [] };
  await postParts(deps, attempt, parts, progress);
  if (pending && attempt.threadTs) await adoptThread(deps, conversation.id, attempt.threadTs);
  await recordReplyOut(deps, attempt, text);
  deps.metrics.repliesPosted.inc({ outcome: job.outcome });
  await clearQuestionProgress(deps, attempt);
  return 'posted';
}

type Conversation = typeof conversations.$inferSelect;

/** One attempt at posting a reply: where it goes, and what it has posted so far. */
interface ReplyAttempt {
  conversation: Conversation;
  job: ReplyJob;
  /** The thread the parts go in; a slash-command answer starts it with its first message. */
  threadTs: string | undefined;
  /** Per part, in order: the message's ts, or `chart:<part>` for a chart (posted or not). */
  posted: string[];
}

/** Runs a post once the channel gap since the previous one has passed. */
type Pace = <T>(post: () => Promise<T>) => Promise<T>;

async function conversationOf(db: Db, job: ReplyJob): Promise<Conversation> {
  const [conversation] = await db.select().from(conversations).where(eq(conversations.id, job.conversationId)).limit(1);
  if (!conversation) throw new Permanent(`reply for unknown conversation ${job.conversationId}`);
  return conversation;
}

/** The turn's `message_out` row (`out:<turnId>`) exists: an earlier attempt posted the answer. */
async function alreadyPosted(deps: ReplyDeps, conversation: Conversation, job: ReplyJob): Promise<boolean> {
  if (!(await findByStepKey(deps.db, conversation.id, stepKeys.out(job.turnId)))) return false;
  deps.logger.info({ conversationId: conversation.id, turnId: job.turnId }, 'answer already posted; skipping');
  return true;
}

/**
 * Posts the parts an earlier attempt did not (their ts come back from the job's progress, saved
 * after every part). A Slack error no retry will fix is audited (`out-error:<turnId>`, with what
 * was posted) and fails the job for good; any other error is left for the queue to retry.
 */
async function postParts(deps: ReplyDeps, attempt: ReplyAttempt, parts: ReplyPart[], progress?: ReplyProgress): Promise<void> {
  const done = progress?.posted ?? [];
  const rendered = startRendering(deps, attempt, parts, done.length);
  const pace = channelPacer(deps.channelGapMs ?? CHANNEL_GAP_MS);
  try {
    for (const [i, part] of parts.entries()) {
      if (i < done.length) {
        attempt.posted.push(done[i]!);
        if (part.kind === 'message') attempt.threadTs ??= done[i]!;
        continue;
      }
      if (part.kind === 'chart') await postChart(deps, attempt, part, i, rendered, pace);
      else await postMessage(deps, attempt, part, pace);
      await progress?.save([...attempt.posted]);
    }
  } catch (err) {
    throw await permanentIfSlackSaysSo(deps, attempt, err);
  }
}

/**
 * Every chart still to post is queued for drawing now, so the worker thread draws while this
 * reply posts its messages and waits out the channel gap (renderCharts never rejects).
 */
function startRendering(
  deps: ReplyDeps,
  attempt: ReplyAttempt,
  parts: ReplyPart[],
  alreadyDone: number,
): Map<Report, Promise<ChartFile[] | undefined>> {
  const rendered = new Map<Report, Promise<ChartFile[] | undefined>>();
  for (const [i, part] of parts.entries()) {
    if (part.kind === 'chart' && i >= alreadyDone && !rendered.has(part.report)) {
      rendered.set(part.report, renderCharts(deps, attempt.conversation.id, attempt.job.turnId, part.report));
    }
  }
  return rendered;
}

/**
 * Waits out the channel gap since this attempt's previous post finished (an async wait: the job
 * lock stays renewed), runs the post, and notes when it finished.
 */
function channelPacer(gapMs: number): Pace {
  let lastPostAt: number | undefined;
  return async (post) => {
    if (lastPostAt !== undefined) {
      const wait = lastPostAt + gapMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    try {
      return await post();
    } finally {
      lastPostAt = Date.now();
    }
  };
}

/**
 * Charts go into the thread the first message started; drawn in the renderer's worker thread, so
 * this job's lock keeps being renewed while they are drawn. A chart that could not be drawn still
 * counts as its part.
 */
async function postChart(
  deps: ReplyDeps,
  attempt: ReplyAttempt,
  part: ChartPart,
  index: number,
  rendered: Map<Report, Promise<ChartFile[] | undefined>>,
  pace: Pace,
): Promise<void> {
  const { conversation, job } = attempt;
  const file = (await rendered.get(part.report)!)?.find((f) => f.kind === part.chart);
  if (file) {
    await pace(() =>
      uploadChart(
        deps,
        { conversationId: conversation.id, turnId: job.turnId, part: index, channel: conversation.channelId, threadTs: attempt.threadTs },
        file,
      ),
    );
  }
  attempt.posted.push(`chart:${index}`);
}

/** One message of the reply; a slash-command answer is posted in the channel and starts the thread. */
async function postMessage(deps: ReplyDeps, attempt: ReplyAttempt, part: MessagePart, pace: Pace): Promise<void> {
  const res = await pace(() =>
    deps.client.chat.postMessage({
      channel: attempt.conversation.channelId,
      ...(attempt.threadTs ? { thread_ts: attempt.threadTs } : {}),
      text: part.text,
      ...(part.blocks && { blocks: part.blocks as never }),
      mrkdwn: true,
      unfurl_links: false,
      unfurl_media: false,
      // Belt and braces: the text is escaped already; never let Slack resolve @names in it.
      link_names: false,
    }),
  );
  attempt.posted.push(res.ts!);
  attempt.threadTs ??= res.ts!;
}

/** What to throw for a failed post: a permanent Slack error is audited and becomes `Permanent`. */
async function permanentIfSlackSaysSo(deps: ReplyDeps, attempt: ReplyAttempt, err: unknown): Promise<unknown> {
  const code = err instanceof WebAPIPlatformError ? err.data.error : undefined;
  if (!code || !PERMANENT.has(code)) return err;
  const { conversation, job, threadTs, posted } = attempt;
  await recordAudit(deps.db, {
    conversationId: conversation.id,
    actor: 'bot',
    kind: 'error',
    stepKey: stepKeys.outError(job.turnId),
    payload: { stage: 'post_reply', slack_error: code, channel: conversation.channelId, thread_ts: threadTs ?? null, posted },
  });
  return new Permanent(`chat.postMessage failed: ${code}`);
}

/** The record that the answer went out (`out:<turnId>`): a retried job finds it and posts nothing. */
async function recordReplyOut(deps: ReplyDeps, attempt: ReplyAttempt, text: string): Promise<void> {
  const { conversation, job, threadTs, posted } = attempt;
  await recordAudit(deps.db, {
    conversationId: conversation.id,
    actor: 'bot',
    kind: 'message_out',
    stepKey: stepKeys.out(job.turnId),
    payload: {
      turnId: job.turnId,
      channel: conversation.channelId,
      thread_ts: threadTs ?? null,
      ts: posted[0] ?? null,
      ts_all: posted,
      text,
      outcome: job.outcome,
    },
  });
}

/** Takes the progress reaction off the mention that asked (a refusal never put one there). */
async function clearQuestionProgress(deps: ReplyDeps, { conversation, job }: ReplyAttempt): Promise<void> {
  const mentionTs = await questionTs(deps, conversation.id, job.turnId);
  if (mentionTs && job.outcome !== 'refused')
    await clearProgress(deps.client, deps.logger, { channel: conversation.channelId, ts: mentionTs });
}

/**
 * Points a slash-command conversation at the thread its answer started, so mentions in that thread
 * continue it and `plainfra audit --thread CHANNEL:TS` finds it. If a mention in the new thread
 * already opened its own conversation (a race of seconds), that one keeps the thread.
 */
async function adoptThread(deps: ReplyDeps, conversationId: string, threadTs: string): Promise<void> {
  try {
    await deps.db.update(conversations).set({ threadTs }).where(eq(conversations.id, conversationId));
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      deps.logger.warn({ conversationId, threadTs }, 'thread already has a conversation; keeping the placeholder');
      return;
    }
    throw err;
  }
}

/** The mention's ts from the turn's message_in row (commands have none). */
async function questionTs(deps: ReplyDeps, conversationId: string, turnId: string): Promise<string | undefined> {
  if (!/^\d+$/.test(turnId)) return undefined;
  // The answer is posted already: a malformed row costs the reaction clean-up, not the job.
  const row = await findAuditRow(deps.db, conversationId, Number(turnId)).catch((err: Error) => {
    deps.logger.warn({ err: err.message, conversationId, turnId }, 'could not read the question row; progress reaction left');
    return undefined;
  });
  return row?.kind === 'message_in' ? (row.payload.ts ?? undefined) : undefined;
}

type MessagePart = { kind: 'message'; text: string; blocks?: object[] };
type ChartPart = { kind: 'chart'; report: Report; chart: ChartKind };
type ReplyPart = MessagePart | ChartPart;

/**
 * What one reply posts, in order. A plain answer is its text split into messages; a report is, per
 * account, a Block Kit message (the model's narrative on the first) followed by its charts (cost by
 * service, daily cost). Parts are numbered before anything is drawn, so a retry knows what it did.
 */
function replyParts(job: ReplyJob, safeText: string, links: LinkPolicy, charts: boolean): ReplyPart[] {
  const parts = messageParts(job, safeText, links, charts);
  // Every answer ends with its Sources button (refusals made no call, so they have none).
  if (job.outcome !== 'refused') {
    const last = parts.filter((p): p is MessagePart => p.kind === 'message').at(-1);
    const blocks = last ? (last.blocks ?? textBlocks(last.text)) : [];
    // Slack allows 50 blocks per message; a digest message already at the limit keeps its tables.
    if (last && blocks.length < MAX_MESSAGE_BLOCKS)
      last.blocks = [...blocks, sourcesButton({ conversationId: job.conversationId, turnId: job.turnId })];
  }
  return parts;
}

const MAX_MESSAGE_BLOCKS = 50;

/** Section blocks carrying a message's text (a message with blocks shows them, not its text). */
const SECTION_CHARS = 3_000;
function textBlocks(text: string): object[] {
  const blocks: object[] = [];
  let rest = text;
  while (rest.length > 0) {
    let cut = rest.length <= SECTION_CHARS ? rest.length : rest.lastIndexOf('\n', SECTION_CHARS);
    if (cut <= 0) cut = SECTION_CHARS;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: rest.slice(0, cut) } });
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  return blocks;
}

function messageParts(job: ReplyJob, safeText: string, links: LinkPolicy, charts: boolean): ReplyPart[] {
  if (!job.reports?.length) return splitMessage(safeText).map((chunk) => ({ kind: 'message' as const, text: chunk }));
  return job.reports.flatMap((report, i): ReplyPart[] => {
    const message = reportMessage(report, i === 0 ? job.text : '', links);
    const parts: ReplyPart[] = [{ kind: 'message', text: message.text, blocks: message.blocks }];
    if (charts) for (const chart of chartKinds(report)) parts.push({ kind: 'chart', report, chart });
    return parts;
  });
}

/** A report's charts, or undefined (audited) when they cannot be drawn: the tables go out regardless. */
async function renderCharts(deps: ReplyDeps, conversationId: string, turnId: string, report: Report): Promise<ChartFile[] | undefined> {
  try {
    return await deps.charts!.render(report);
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message, turnId }, 'chart rendering failed; the report tables were posted');
    await recordAudit(deps.db, {
      conversationId,
      actor: 'bot',
      kind: 'error',
      payload: { turnId, stage: 'render_chart', message: (err as Error).message },
    });
    return undefined;
  }
}

/**
 * Uploads one chart at most once. The claim — a `message_out` row under the part's own step key
 * (`upload:<turnId>:<part>`) — is written before the upload: a retried job, or a second worker that
 * took this job after its lock lapsed, finds the claim and skips the upload. So a chart is never
 * posted twice; the price is that a crash between the claim and the upload loses that one image
 * (the report's tables are separate messages and are not affected).
 */
async function uploadChart(
  deps: ReplyDeps,
  at: { conversationId: string; turnId: string; part: number; channel: string; threadTs: string | undefined },
  file: ChartFile,
) {
  const title = safePlainText(file.title, deps.links);
  const claim = await recordAudit(deps.db, {
    conversationId: at.conversationId,
    actor: 'bot',
    kind: 'message_out',
    stepKey: stepKeys.upload(at.turnId, at.part),
    payload: {
      turnId: at.turnId,
      channel: at.channel,
      thread_ts: at.threadTs ?? null,
      text: title,
      outcome: 'chart_upload',
      file: file.filename,
      bytes: file.png.length,
    },
  });
  if (!claim.created) {
    deps.logger.info({ turnId: at.turnId, part: at.part }, 'chart already uploaded (or claimed) by an earlier attempt; skipping');
    return;
  }
  try {
    const upload = { file: file.png, filename: file.filename, title };
    await deps.client.files.uploadV2(
      at.threadTs ? { ...upload, channel_id: at.channel, thread_ts: at.threadTs } : { ...upload, channel_id: at.channel },
    );
  } catch (err) {
    // Not retried: the claim is taken, and a chart is not worth the risk of a second copy.
    deps.logger.warn({ err: (err as Error).message }, 'chart upload failed; the report tables were posted');
    await recordAudit(deps.db, {
      conversationId: at.conversationId,
      actor: 'bot',
      kind: 'error',
      payload: { turnId: at.turnId, stage: 'upload_chart', message: (err as Error).message, channel: at.channel },
    });
  }
}
