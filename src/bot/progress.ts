import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

/**
 * Progress shown in the thread while the workers think: a reaction on the question and the
 * assistant status line. Both are courtesy only — a missing `reactions:write` scope or a Slack
 * hiccup is logged and never fails an intake or a reply.
 */
export const PROGRESS_REACTION = 'hourglass_flowing_sand';
const STATUS_TEXT = 'is looking into it…';

/** Slack errors that just mean "already in the state you asked for". */
const HARMLESS = new Set(['already_reacted', 'no_reaction', 'message_not_found']);

export async function showProgress(
  client: WebClient,
  logger: Logger,
  where: { channel: string; ts: string; threadTs: string },
): Promise<void> {
  await Promise.all([
    quietly(logger, 'reactions.add', () => client.reactions.add({ channel: where.channel, timestamp: where.ts, name: PROGRESS_REACTION })),
    quietly(logger, 'assistant.threads.setStatus', () =>
      client.assistant.threads.setStatus({ channel_id: where.channel, thread_ts: where.threadTs, status: STATUS_TEXT }),
    ),
  ]);
}

/** The status line clears itself when the answer is posted; the reaction has to be taken off. */
export async function clearProgress(client: WebClient, logger: Logger, where: { channel: string; ts: string }): Promise<void> {
  await quietly(logger, 'reactions.remove', () =>
    client.reactions.remove({ channel: where.channel, timestamp: where.ts, name: PROGRESS_REACTION }),
  );
}

async function quietly(logger: Logger, method: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code && HARMLESS.has(code)) return;
    logger.warn({ method, error: code ?? (err as Error).message }, 'progress indicator failed (ignored)');
  }
}
