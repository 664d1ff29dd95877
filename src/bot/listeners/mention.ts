import type { App } from '@slack/bolt';
import { DEFAULT_REPORT_QUESTION } from './command.js';
import type { ListenerDeps } from './context.js';

/** Fields of an app_mention event (and its envelope) that the typed event omits or makes awkward. */
interface MentionEvent {
  type: 'app_mention';
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  bot_id?: string;
  subtype?: string;
  edited?: unknown;
  user_team?: string;
  source_team?: string;
}

const IGNORED_SUBTYPES = new Set(['bot_message', 'message_changed', 'message_deleted', 'message_replied']);

/**
 * `@plainfra question` in a channel or thread. Runs after Bolt verified the signature; with
 * processBeforeResponse the HTTP 200 (or, in Socket Mode, the envelope ack) goes out when this
 * returns. It only queues the question in Redis — one round trip — and the bot's intake worker
 * records it in Postgres after the ack (bot/intake-worker.ts): nothing is acked that is not durable,
 * and a burst of mentions is acked at the speed of Redis. If Redis refuses, this throws: HTTP 500
 * (or no ack) and Slack redelivers.
 */
export function registerMention(app: App, deps: ListenerDeps): void {
  app.event('app_mention', async ({ event, body, context }) => {
    const e = event as unknown as MentionEvent;
    // Bots (including other apps mentioning us) and edits never start work.
    if (e.bot_id || (e.subtype && IGNORED_SUBTYPES.has(e.subtype)) || e.edited || !e.user) return;
    deps.metrics.eventsReceived.inc({ type: 'app_mention' });
    deps.burst?.noteDelivery();
    if (context.retryNum) deps.metrics.retriesReceived.inc({ type: 'app_mention' });
    const envelope = body as unknown as { team_id: string; event_id: string; is_ext_shared_channel?: boolean };
    const teamId = envelope.team_id;
    const foreignUser = [e.user_team, e.source_team].some((t) => t !== undefined && t !== teamId);
    const question = stripMention(e.text ?? '', context.botUserId) || DEFAULT_REPORT_QUESTION;
    try {
      await deps.enqueuer.add('intake', {
        source: 'app_mention',
        deliveryId: envelope.event_id,
        teamId,
        channelId: e.channel,
        userId: e.user,
        // Slack's own cap; anything longer is not a message Slack sent.
        text: question.slice(0, 40_000),
        ts: e.ts,
        threadTs: e.thread_ts,
        externallyShared: envelope.is_ext_shared_channel === true || foreignUser,
      });
    } catch (err) {
      deps.metrics.intakeErrors.inc();
      deps.logger.error(
        { eventId: envelope.event_id, team: teamId, channel: e.channel, retry: context.retryNum, err: (err as Error).message },
        'could not queue the question; Slack will retry the delivery',
      );
      throw err;
    }
  });
}

/**
 * Removes `<@BOT>` / `<@BOT|name>` mentions of this app; without the id, a leading mention. The label
 * stops at the next `<` as well as at `>`: with `[^>]*` a flood of unclosed `<@BOT|` made every one
 * scan to the end of the message (quadratic); the id is escaped, never trusted as a pattern.
 */
export function stripMention(text: string, botUserId?: string): string {
  const stripped = botUserId
    ? text.replace(new RegExp(`<@${escapeRegExp(botUserId)}(?:\\|[^<>]*)?>`, 'g'), ' ')
    : text.replace(/^\s*<@[UW][A-Z0-9]+(?:\|[^<>]*)?>/, ' ');
  return stripped.replace(/[ \t]+/g, ' ').trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
