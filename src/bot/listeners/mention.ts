import type { App } from '@slack/bolt';
import { acceptQuestion } from '../intake.js';
import { DEFAULT_REPORT_QUESTION } from './command.js';
import { showProgress } from '../progress.js';
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
 * processBeforeResponse the HTTP 200 goes out when this returns, so a failure here answers 500 and
 * Slack retries the delivery (the dedupe makes that safe).
 */
export function registerMention(app: App, deps: ListenerDeps): void {
  app.event('app_mention', async ({ event, body, context, client }) => {
    const e = event as unknown as MentionEvent;
    // Bots (including other apps mentioning us) and edits never start work.
    if (e.bot_id || (e.subtype && IGNORED_SUBTYPES.has(e.subtype)) || e.edited || !e.user) return;
    deps.metrics.eventsReceived.inc({ type: 'app_mention' });
    const envelope = body as unknown as { team_id: string; event_id: string; is_ext_shared_channel?: boolean };
    const teamId = envelope.team_id;
    const foreignUser = [e.user_team, e.source_team].some((t) => t !== undefined && t !== teamId);
    const question = stripMention(e.text ?? '', context.botUserId) || DEFAULT_REPORT_QUESTION;
    const log = deps.logger.child({ eventId: envelope.event_id, team: teamId, channel: e.channel, retry: context.retryNum });

    let result;
    try {
      result = await acceptQuestion(deps, {
        source: 'app_mention',
        deliveryId: envelope.event_id,
        teamId,
        channelId: e.channel,
        userId: e.user,
        text: question,
        ts: e.ts,
        threadTs: e.thread_ts,
        externallyShared: envelope.is_ext_shared_channel === true || foreignUser,
      });
    } catch (err) {
      deps.metrics.intakeErrors.inc();
      log.error({ err: (err as Error).message }, 'intake failed; Slack will retry the delivery');
      throw err;
    }
    if (result.duplicate) {
      deps.metrics.duplicatesDropped.inc({ type: 'app_mention' });
      log.info({ turnId: result.turnId }, 'duplicate delivery; stored turn re-enqueued');
      return;
    }
    if (result.status === 'refused') {
      deps.metrics.questionsRefused.inc({ reason: result.reason });
      log.info({ turnId: result.turnId, reason: result.reason }, 'question refused');
      return;
    }
    log.info({ conversationId: result.conversationId, turnId: result.turnId }, 'question accepted');
    // Not awaited: the ack must not wait on cosmetic calls.
    void showProgress(client, deps.logger, { channel: e.channel, ts: e.ts, threadTs: e.thread_ts ?? e.ts });
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
