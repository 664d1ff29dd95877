import type { App } from '@slack/bolt';
import { registerCommands } from './command.js';
import type { ListenerDeps } from './context.js';
import { registerMention } from './mention.js';
import { registerSources } from './sources.js';

export type { ListenerDeps } from './context.js';
export { REPORT_COMMAND, DEFAULT_REPORT_QUESTION } from './command.js';
export { stripMention } from './mention.js';

/** Every Slack surface the bot listens on. Events: app_mention only; interactions: the Sources button (see docs/bot.md). */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerMention(app, deps);
  registerCommands(app, deps);
  registerSources(app, deps);
}
