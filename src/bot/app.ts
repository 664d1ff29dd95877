import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import type { BotConfig } from '../config/index.js';
import { EVENTS_PATH, MAX_BODY_BYTES } from './http.js';
import { slackLogger } from './slack-logger.js';
import { BotSocketModeReceiver } from './socket-receiver.js';

export interface SlackApp {
  app: App;
  /** HTTP mode only; Socket Mode has no inbound HTTP for Slack. */
  receiver?: HTTPReceiver;
  socketMode: boolean;
  botUserId: string;
  botId: string;
  /** No retries, short timeout: for calls made while Slack waits for the ack. */
  fastClient: WebClient;
}

/**
 * Web API client options for everything the bot posts. The WebClient's default (10 retries over
 * ~30 minutes) would outlive a replies job's lock and post after another worker already did; two
 * quick retries cover a blip, and the queue's own backoff covers the rest.
 */
export function webClientOptions(config: BotConfig, logger: Logger): WebClientOptions {
  return {
    slackApiUrl: config.SLACK_API_URL,
    retryConfig: { retries: 2, maxTimeout: 5_000 },
    timeout: 15_000,
    logger: slackLogger(logger, 'slack-web-api'),
    logLevel: LogLevel.WARN,
  };
}

/**
 * Options for Socket Mode's own WebClient, which only calls `apps.connections.open` with the app-level
 * token (at start and on every reconnect) to get the WebSocket URL. Honours SLACK_API_URL like the bot's
 * client. No `retryConfig`: the SocketModeClient then uses its reconnect-friendly default. No `headers`:
 * the client puts the app token in its own `Authorization` header, and any `headers` here would replace
 * it. A fresh object each call, because the SocketModeClient mutates what it is given. The token never
 * reaches our logger: the WebClient redacts `Authorization` from its debug lines.
 */
export function socketModeClientOptions(config: BotConfig, logger: Logger): WebClientOptions {
  return {
    slackApiUrl: config.SLACK_API_URL,
    timeout: 15_000,
    logger: slackLogger(logger, 'slack-socket-mode'),
    logLevel: LogLevel.WARN,
  };
}

/**
 * The Bolt app: HTTP receiver (POST /slack/events, served by our own server, see http.ts) or Socket
 * Mode when SLACK_APP_TOKEN is set. `processBeforeResponse` holds Slack's 200 until the listener has
 * made the question durable — a mention queued in Redis, a command recorded and enqueued — so a failure
 * answers 500 and Slack redelivers instead of the question being lost after an early ack; in Socket
 * Mode BotSocketModeReceiver does the same for the envelope ack (and holds and retries a failed one).
 */
export async function createSlackApp(config: BotConfig, logger: Logger): Promise<SlackApp> {
  const options = webClientOptions(config, logger);
  const fastClient = new WebClient(config.SLACK_BOT_TOKEN, { ...options, retryConfig: { retries: 0 }, timeout: 1_500 });
  const ids = await botIdentity(config, new WebClient(config.SLACK_BOT_TOKEN, options));
  const boltLogger = slackLogger(logger, 'bolt');
  const socketMode = Boolean(config.SLACK_APP_TOKEN);
  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.SLACK_SIGNING_SECRET!,
        endpoints: EVENTS_PATH,
        processBeforeResponse: true,
        // Our server reads the body first with this cap (http.ts); Bolt's own limit is the backstop.
        bodyLimit: MAX_BODY_BYTES,
        logger: boltLogger,
      });
  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    botId: ids.botId,
    botUserId: ids.botUserId,
    clientOptions: options,
    logger: boltLogger,
    // Bolt's default conversation store is an in-memory map nobody here reads.
    convoStore: false,
    ignoreSelf: true,
    ...(receiver
      ? { receiver }
      : {
          receiver: new BotSocketModeReceiver(
            {
              appToken: config.SLACK_APP_TOKEN!,
              logger: boltLogger,
              // Bolt hands `installerOptions.clientOptions` to the SocketModeClient's own WebClient (the
              // one that calls apps.connections.open); no OAuth installer is created without a client id.
              installerOptions: { clientOptions: socketModeClientOptions(config, logger) },
            },
            logger,
          ),
        }),
  });
  return { app, receiver, socketMode, fastClient, ...ids };
}

/**
 * Bot ids from the environment, else one auth.test at start-up. Doing it here (not lazily in Bolt)
 * makes a wrong token fail the start with a clear message instead of failing every event.
 */
async function botIdentity(config: BotConfig, client: WebClient): Promise<{ botId: string; botUserId: string }> {
  if (config.SLACK_BOT_ID && config.SLACK_BOT_USER_ID) return { botId: config.SLACK_BOT_ID, botUserId: config.SLACK_BOT_USER_ID };
  let res: Awaited<ReturnType<WebClient['auth']['test']>>;
  try {
    res = await client.auth.test();
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
    throw new Error(`Slack auth.test failed (${code}): check SLACK_BOT_TOKEN and SLACK_API_URL`);
  }
  return {
    botId: config.SLACK_BOT_ID ?? String(res.bot_id ?? ''),
    botUserId: config.SLACK_BOT_USER_ID ?? String(res.user_id ?? ''),
  };
}
