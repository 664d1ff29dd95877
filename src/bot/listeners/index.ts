import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { SOURCES_ACTION } from '../sources.js';
import { onReportCommand, REPORT_COMMAND } from './command.js';
import type { ListenerDeps } from './context.js';
import { onAppMention } from './mention.js';
import { onSourcesAction } from './sources.js';

export type { ListenerDeps } from './context.js';

/**
 * Every Slack surface the bot listens on, wired to its named listener. Events: app_mention only;
 * commands: /plainfra-report; interactions: the Sources button (see docs/bot.md).
 */
export function registerListeners(app: App, deps: ListenerDeps): void {
  app.event('app_mention', onAppMention(deps));
  app.command(REPORT_COMMAND, onReportCommand(deps));
  app.action<BlockAction<ButtonAction>>(SOURCES_ACTION, onSourcesAction(deps));
}
