import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Db } from '../../db/index.js';
import type { Enqueuer } from '../../queues/index.js';
import type { BurstGate } from '../burst-gate.js';
import type { BotMetrics } from '../metrics.js';
import type { LinkPolicy } from '../safe-text.js';

/** What every listener needs; built once in runBot. */
export interface ListenerDeps {
  db: Db;
  enqueuer: Enqueuer;
  metrics: BotMetrics;
  logger: Logger;
  /**
   * A WebClient for calls made while Slack waits for the ack (conversations.info): no retries and a
   * short timeout, so a slow Slack API cannot push the ack past Slack's 3-second deadline.
   */
  fastClient: WebClient;
  /** Which hosts stay links in what the listeners post (AWS's and PLAINFRA_DOCS_URL's). */
  links?: LinkPolicy;
  /** Told of every mention acked, so the intake worker records after the burst (burst-gate.ts). */
  burst?: BurstGate;
}
