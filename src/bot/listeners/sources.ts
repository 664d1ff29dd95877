import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { eq } from 'drizzle-orm';
import { readTrail } from '../../audit/index.js';
import { conversations, slackEvents } from '../../db/index.js';
import { buildSourcesView, parseSourcesValue, SOURCES_ACTION } from '../sources.js';
import type { ListenerDeps } from './context.js';

/**
 * A click on an answer's Sources button: ack at once, then open the modal from the audit trail
 * (no AWS request, no LLM call) with the click's trigger_id, which Slack honours for 3 s. Bolt has
 * verified the signature; a redelivered click (same trigger_id) opens nothing twice. The turn named
 * in the button must belong to the team and channel the click came from.
 */
export function registerSources(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(SOURCES_ACTION, async ({ ack, body, action }) => {
    await ack();
    const log = deps.logger.child({ action: SOURCES_ACTION, team: body.team?.id, channel: body.channel?.id });
    const ref = parseSourcesValue(action.value);
    if (!ref || !body.trigger_id) {
      log.warn('sources click without a valid turn reference; ignored');
      return;
    }
    const fresh = await deps.db
      .insert(slackEvents)
      .values({ eventId: `action:${body.trigger_id}`, conversationId: ref.conversationId, turnId: ref.turnId })
      .onConflictDoNothing()
      .returning();
    if (fresh.length === 0) {
      deps.metrics.duplicatesDropped.inc({ type: 'block_actions' });
      return;
    }
    const [conv] = await deps.db.select().from(conversations).where(eq(conversations.id, ref.conversationId)).limit(1);
    // A pruned conversation has no row left: the modal says the records are gone.
    if (conv && (conv.teamId !== body.team?.id || conv.channelId !== body.channel?.id)) {
      log.warn({ conversationId: ref.conversationId }, 'sources click from another team or channel than the answer; ignored');
      return;
    }
    const trail = conv ? await readTrail(deps.db, conv.id) : [];
    const view = buildSourcesView(trail, ref.turnId, conv ? { channel: conv.channelId, threadTs: conv.threadTs } : undefined, deps.links);
    await deps.fastClient.views.open({ trigger_id: body.trigger_id, view: view as never });
  });
}
