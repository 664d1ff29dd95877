import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import { UnrecoverableError } from 'bullmq';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { findAuditRow, findByStepKey, recordAudit, stepKey as stepKeys } from '../audit/index.js';
import { conversations, type Db } from '../db/index.js';
import type { ReplyJob } from '../queues/index.js';
import { CLI_THREAD_PREFIX, PENDING_THREAD_PREFIX } from './intake.js';
import { recordTerminalAnswer } from './terminal-reply.js';
import { reportMessage } from './report-message.js';
import { costChartPng, type Report } from '../reports/index.js';
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
}

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

export async function deliverReply(deps: ReplyDeps, job: ReplyJob, progress?: ReplyProgress): Promise<ReplyOutcome> {
  const { db, client, logger } = deps;
  const stepKey = stepKeys.out(job.turnId);
  const [conversation] = await db.select().from(conversations).where(eq(conversations.id, job.conversationId)).limit(1);
  if (!conversation) throw new UnrecoverableError(`reply for unknown conversation ${job.conversationId}`);
  if (await findByStepKey(db, conversation.id, stepKey)) {
    logger.info({ conversationId: conversation.id, turnId: job.turnId }, 'answer already posted; skipping');
    return 'already_posted';
  }
  if (conversation.threadTs.startsWith(CLI_THREAD_PREFIX)) {
    // `plainfra ask`: the operator reads the answer in the terminal; the channel never sees it.
    await recordTerminalAnswer(db, job, 'bot');
    return 'terminal';
  }

  const pending = conversation.threadTs.startsWith(PENDING_THREAD_PREFIX);
  let threadTs: string | undefined = pending ? undefined : conversation.threadTs;
  const links = deps.links ?? AWS_LINKS;
  const text = safeSlackText(job.text.trim() ? job.text : EMPTY_ANSWER, links);
  const parts = replyParts(job, text, links);
  const posted: string[] = [];
  try {
    const done = progress?.posted ?? [];
    for (const [i, part] of parts.entries()) {
      if (i < done.length) {
        posted.push(done[i]!);
        if (part.kind === 'message') threadTs ??= done[i]!;
        continue;
      }
      if (part.kind === 'chart') {
        // Charts go into the thread the first message started; a failed upload is not worth a re-post.
        await uploadChart(deps, conversation.channelId, threadTs, part);
        posted.push(`chart:${i}`);
      } else {
        const res = await client.chat.postMessage({
          channel: conversation.channelId,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          text: part.text,
          ...(part.blocks && { blocks: part.blocks as never }),
          mrkdwn: true,
          unfurl_links: false,
          unfurl_media: false,
          // Belt and braces: the text is escaped already; never let Slack resolve @names in it.
          link_names: false,
        });
        posted.push(res.ts!);
        // A slash-command answer is posted in the channel; its first message starts the thread.
        threadTs ??= res.ts!;
      }
      await progress?.save([...posted]);
    }
  } catch (err) {
    const code = err instanceof WebAPIPlatformError ? err.data.error : undefined;
    if (code && PERMANENT.has(code)) {
      await recordAudit(db, {
        conversationId: conversation.id,
        actor: 'bot',
        kind: 'error',
        stepKey: stepKeys.outError(job.turnId),
        payload: { stage: 'post_reply', slack_error: code, channel: conversation.channelId, thread_ts: threadTs ?? null, posted },
      });
      throw new UnrecoverableError(`chat.postMessage failed: ${code}`);
    }
    throw err;
  }

  if (pending && threadTs) await adoptThread(deps, conversation.id, threadTs);
  await recordAudit(db, {
    conversationId: conversation.id,
    actor: 'bot',
    kind: 'message_out',
    stepKey,
    payload: { turnId: job.turnId, channel: conversation.channelId, thread_ts: threadTs ?? null, ts: posted[0] ?? null, ts_all: posted, text, outcome: job.outcome },
  });
  deps.metrics.repliesPosted.inc({ outcome: job.outcome });

  const mentionTs = await questionTs(deps, conversation.id, job.turnId);
  if (mentionTs && job.outcome !== 'refused') await clearProgress(client, logger, { channel: conversation.channelId, ts: mentionTs });
  return 'posted';
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

type ReplyPart = { kind: 'message'; text: string; blocks?: object[] } | { kind: 'chart'; png: Buffer; title: string };

/**
 * What one reply posts, in order. A plain answer is its text split into messages; a digest is, per
 * account, a Block Kit message (the model's narrative on the first) followed by its cost chart.
 */
function replyParts(job: ReplyJob, safeText: string, links: LinkPolicy): ReplyPart[] {
  const parts = messageParts(job, safeText, links);
  // Every answer ends with its Sources button (refusals made no call, so they have none).
  if (job.outcome !== 'refused') {
    const last = parts.filter((p): p is Extract<ReplyPart, { kind: 'message' }> => p.kind === 'message').at(-1);
    const blocks = last ? (last.blocks ?? textBlocks(last.text)) : [];
    // Slack allows 50 blocks per message; a digest message already at the limit keeps its tables.
    if (last && blocks.length < MAX_MESSAGE_BLOCKS) last.blocks = [...blocks, sourcesButton({ conversationId: job.conversationId, turnId: job.turnId })];
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

function messageParts(job: ReplyJob, safeText: string, links: LinkPolicy): ReplyPart[] {
  if (!job.reports?.length) return splitMessage(safeText).map((chunk) => ({ kind: 'message' as const, text: chunk }));
  return (job.reports as unknown as Report[]).flatMap((report, i): ReplyPart[] => {
    const message = reportMessage(report, i === 0 ? job.text : '', links);
    const parts: ReplyPart[] = [{ kind: 'message', text: message.text, blocks: message.blocks }];
    if (report.cost && report.cost.rows.length > 0) {
      parts.push({ kind: 'chart', png: costChartPng(report), title: `Cost by service, last week vs this week (${report.account})` });
    }
    return parts;
  });
}

async function uploadChart(deps: ReplyDeps, channel: string, threadTs: string | undefined, part: Extract<ReplyPart, { kind: 'chart' }>) {
  try {
    const file = { file: part.png, filename: 'plainfra-cost-by-service.png', title: safePlainText(part.title, deps.links) };
    await deps.client.files.uploadV2(threadTs ? { ...file, channel_id: channel, thread_ts: threadTs } : { ...file, channel_id: channel });
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'chart upload failed; the digest tables were posted');
  }
}
