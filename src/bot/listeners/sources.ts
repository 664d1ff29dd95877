import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { eq } from 'drizzle-orm';
import { readTrail } from '../../audit/index.js';
import { conversations, slackEvents } from '../../db/index.js';
import { buildSourcesView, parseSourcesValue, SOURCES_ACTION, type SourcesRef } from '../sources.js';
import type { ListenerDeps } from './context.js';

/** What the Sources listener reads of Bolt's arguments (all a unit test has to supply). */
export type SourcesActionArgs = Pick<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>, 'ack' | 'body' | 'action'>;

type SourcesClick = SourcesActionArgs['body'];
type Conversation = typeof conversations.$inferSelect;

/**
 * A click on an answer's Sources button: ack at once, then open the modal from the audit trail
 * (no AWS request, no LLM call) with the click's trigger_id, which Slack honours for 3 s. Bolt has
 * verified the signature; a redelivered click (same trigger_id) opens nothing twice. The turn named
 * in the button must belong to the team and channel the click came from.
 */
export function onSourcesAction(deps: ListenerDeps): (args: SourcesActionArgs) => Promise<void> {
  return async ({ ack, body, action }) => {
    await ack();
    const log = deps.logger.child({ action: SOURCES_ACTION, team: body.team?.id, channel: body.channel?.id });
    const ref = parseSourcesValue(action.value);
    if (!ref || !body.trigger_id) {
      log.warn('sources click without a valid turn reference; ignored');
      return;
    }
    if (!(await claimClick(deps, body.trigger_id, ref))) {
      deps.metrics.duplicatesDropped.inc({ type: 'block_actions' });
      return;
    }
    const [conv] = await deps.db.select().from(conversations).where(eq(conversations.id, ref.conversationId)).limit(1);
    // A pruned conversation has no row left: the modal says the records are gone.
    if (conv && !clickedWhereAnswered(conv, body)) {
      log.warn({ conversationId: ref.conversationId }, 'sources click from another team or channel than the answer; ignored');
      return;
    }
    await openSourcesModal(deps, body.trigger_id, ref, conv);
  };
}

/** Records the click's trigger_id; false when a delivery of this click was handled already. */
async function claimClick(deps: ListenerDeps, triggerId: string, ref: SourcesRef): Promise<boolean> {
  const fresh = await deps.db
    .insert(slackEvents)
    .values({ eventId: `action:${triggerId}`, conversationId: ref.conversationId, turnId: ref.turnId })
    .onConflictDoNothing()
    .returning();
  return fresh.length > 0;
}

function clickedWhereAnswered(conv: Conversation, body: SourcesClick): boolean {
  return conv.teamId === body.team?.id && conv.channelId === body.channel?.id;
}

/** The modal for the turn, built from the trail (empty when the conversation was pruned). */
async function openSourcesModal(deps: ListenerDeps, triggerId: string, ref: SourcesRef, conv: Conversation | undefined): Promise<void> {
  const trail = conv ? await readTrail(deps.db, conv.id) : [];
  const view = buildSourcesView(trail, ref.turnId, conv ? { channel: conv.channelId, threadTs: conv.threadTs } : undefined, deps.links);
  await deps.fastClient.views.open({ trigger_id: triggerId, view: view as never });
}
