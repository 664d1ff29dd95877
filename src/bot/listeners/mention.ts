import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { IntakeJob } from '../../queues/index.js';
import { DEFAULT_REPORT_QUESTION } from '../intake.js';
import type { ListenerDeps } from './context.js';

/** What the mention listener reads of Bolt's arguments (all a unit test has to supply). */
export type AppMentionArgs = Pick<SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs, 'event' | 'body' | 'context'>;

type MentionEvent = AppMentionArgs['event'];

const IGNORED_SUBTYPES = new Set(['bot_message', 'message_changed', 'message_deleted', 'message_replied']);

/** Slack's own cap on a message; anything longer is not a message Slack sent. */
const MAX_QUESTION_CHARS = 40_000;

/**
 * `@plainfra question` in a channel or thread. Runs after Bolt verified the signature; with
 * processBeforeResponse the HTTP 200 (or, in Socket Mode, the envelope ack) goes out when this
 * returns. It only queues the question in Redis — one round trip — and the bot's intake worker
 * records it in Postgres after the ack (bot/intake-worker.ts): nothing is acked that is not durable,
 * and a burst of mentions is acked at the speed of Redis. If Redis refuses, this throws: HTTP 500
 * (or no ack) and Slack redelivers.
 */
export function onAppMention(deps: ListenerDeps): (args: AppMentionArgs) => Promise<void> {
  return async ({ event, body, context }) => {
    if (!isFromPerson(event)) return;
    deps.metrics.eventsReceived.inc({ type: 'app_mention' });
    deps.burst?.noteDelivery();
    if (context.retryNum) deps.metrics.retriesReceived.inc({ type: 'app_mention' });
    await enqueueIntake(deps, intakeJob(event, body, context.botUserId), context.retryNum);
  };
}

/** Bots (including other apps mentioning us) and edits never start work. */
function isFromPerson(e: MentionEvent): e is MentionEvent & { user: string } {
  return !(e.bot_id || (e.subtype && IGNORED_SUBTYPES.has(e.subtype)) || e.edited || !e.user);
}

/**
 * The intake job for a mention: ids from the signed envelope, the question with our mention
 * stripped (a bare mention asks for the default report). A user from another organisation, or an
 * envelope saying so, marks the channel as shared.
 */
function intakeJob(event: MentionEvent & { user: string }, body: AppMentionArgs['body'], botUserId?: string): IntakeJob {
  const teamId = body.team_id;
  const foreignUser = [event.user_team, event.source_team].some((t) => t !== undefined && t !== teamId);
  const question = stripMention(event.text ?? '', botUserId) || DEFAULT_REPORT_QUESTION;
  return {
    source: 'app_mention',
    deliveryId: body.event_id,
    teamId,
    channelId: event.channel,
    userId: event.user,
    text: question.slice(0, MAX_QUESTION_CHARS),
    ts: event.ts,
    threadTs: event.thread_ts,
    externallyShared: body.is_ext_shared_channel === true || foreignUser,
  };
}

/** Queues the question; a Redis failure is counted, logged and rethrown so Slack redelivers. */
async function enqueueIntake(deps: ListenerDeps, job: IntakeJob, retryNum: number | undefined): Promise<void> {
  try {
    await deps.enqueuer.add('intake', job);
  } catch (err) {
    deps.metrics.intakeErrors.inc();
    deps.logger.error(
      { eventId: job.deliveryId, team: job.teamId, channel: job.channelId, retry: retryNum, err: (err as Error).message },
      'could not queue the question; Slack will retry the delivery',
    );
    throw err;
  }
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
