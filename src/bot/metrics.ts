/**
 * The bot's Prometheus counters, rendered in the text exposition format (version 0.0.4) at
 * GET /metrics (the counter type is shared with hawk's and the sentinel's metrics, src/metrics).
 */

import { Counter } from '../metrics/index.js';

export class BotMetrics {
  /** Verified Slack requests handed to a listener, by `type` (app_mention, slash_command). */
  readonly eventsReceived = new Counter({
    name: 'plainfra_bot_events_received_total',
    help: 'Verified Slack events and slash commands received, by type.',
  });
  /** Deliveries whose event_id / trigger_id was already accepted (Slack retries). */
  readonly retriesReceived = new Counter({
    name: 'plainfra_bot_retries_received_total',
    help: 'Slack redeliveries received (X-Slack-Retry-Num / retry_attempt), by type; each lands on the queued or recorded question.',
  });
  readonly duplicatesDropped = new Counter({
    name: 'plainfra_bot_duplicates_dropped_total',
    help: 'Slack deliveries dropped as duplicates of an already accepted event_id or trigger_id.',
  });
  /** Questions refused before any work (no binding, Slack Connect without explicit binding). */
  readonly questionsRefused = new Counter({
    name: 'plainfra_bot_questions_refused_total',
    help: 'Questions refused at intake, by reason.',
  });
  readonly repliesPosted = new Counter({
    name: 'plainfra_bot_replies_posted_total',
    help: 'Answers posted to Slack (one per turn, however many messages it was split into).',
  });
  /** 401s on /slack/events: `reason` is `timestamp` (outside ±5 min) or `signature`. */
  readonly rejectedRequests = new Counter({
    name: 'plainfra_bot_rejected_requests_total',
    help: 'Requests to /slack/events rejected with 401, by reason.',
  });
  readonly intakeErrors = new Counter({
    name: 'plainfra_bot_intake_errors_total',
    help: 'Events that could not be recorded or enqueued (Slack retries them).',
  });

  render(): string {
    const counters = [
      this.eventsReceived,
      this.retriesReceived,
      this.duplicatesDropped,
      this.questionsRefused,
      this.repliesPosted,
      this.rejectedRequests,
      this.intakeErrors,
    ];
    return `${counters.map((c) => c.render()).join('\n')}\n`;
  }
}
