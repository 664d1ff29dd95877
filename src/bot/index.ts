/**
 * The Slack bot: intake of mentions and slash commands, the replies consumer, untrusted-text
 * handling, and the HTTP front door (events, health, metrics). `runBot` (src/workers/bot.ts)
 * assembles these into the process.
 */
export { createSlackApp, webClientOptions, type SlackApp } from './app.js';
export {
  createBotServer,
  probe,
  EVENTS_PATH,
  MAX_CLOCK_SKEW_SEC,
  MAX_BODY_BYTES,
  MAX_PENDING_BODIES,
  HEALTH_CACHE_MS,
  type BotServerDeps,
  type HealthReport,
} from './http.js';
export {
  acceptQuestion,
  resolveScope,
  deliveryKey,
  PENDING_THREAD_PREFIX,
  CLI_THREAD_PREFIX,
  type IncomingQuestion,
  type IntakeResult,
  type IntakeDeps,
  type QuestionSource,
  type RefusalReason,
} from './intake.js';
export { registerListeners, stripMention, REPORT_COMMAND, DEFAULT_REPORT_QUESTION, type ListenerDeps } from './listeners/index.js';
export { BotMetrics } from './metrics.js';
export { BurstGate } from './burst-gate.js';
export { apologiseForLostQuestion, recordQueuedQuestion, type IntakeWorkerDeps } from './intake-worker.js';
export { showProgress, clearProgress, PROGRESS_REACTION } from './progress.js';
export { deliverReply, type ReplyDeps, type ReplyOutcome } from './replies.js';
export { recordTerminalAnswer } from './terminal-reply.js';
export {
  safeSlackText,
  safePlainText,
  escapeSlack,
  markdownToMrkdwn,
  splitMessage,
  defangLinks,
  linkPolicy,
  AWS_LINKS,
  AWS_LINK_HOSTS,
  MAX_MESSAGE_CHARS,
  MAX_UNTRUSTED_CHARS,
  type LinkPolicy,
} from './safe-text.js';
export { slackLogger } from './slack-logger.js';
