/**
 * The Slack bot: intake of mentions and slash commands, the replies consumer, untrusted-text
 * handling, and the HTTP front door (events, health, metrics). `runBot` (src/workers/bot.ts)
 * assembles these into the process; this door exports what it needs and no more.
 *
 * This door loads Bolt. Code that must not — `plainfra ask` and `plainfra digest --now`, and the
 * maintenance worker they share with the bot — takes intake from `./intake.js` and the terminal
 * answer from `./terminal-reply.js` directly: neither reaches a Slack package
 * (test/process-split.test.ts holds the CLI commands to it).
 */
export { createSlackApp, type SlackApp } from './app.js';
export { createBotServer, probe } from './http.js';
export { registerListeners } from './listeners/index.js';
export { BotMetrics } from './metrics.js';
export { BurstGate } from './burst-gate.js';
export { apologiseForLostQuestion, recordQueuedQuestion } from './intake-worker.js';
export { deliverReply } from './replies.js';
export { linkPolicy, type LinkPolicy } from './safe-text.js';
