/**
 * The bot's Prometheus counters, rendered in the text exposition format (version 0.0.4) at
 * GET /metrics. A handful of monotonic counters do not justify a metrics library.
 */

type Labels = Record<string, string>;

interface CounterDef {
  name: string;
  help: string;
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly def: CounterDef) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  /** Sum over all label sets (tests and logs). */
  total(filter: Labels = {}): number {
    let sum = 0;
    for (const { labels, value } of this.values.values()) {
      if (Object.entries(filter).every(([k, v]) => labels[k] === v)) sum += value;
    }
    return sum;
  }

  render(): string {
    const lines = [`# HELP ${this.def.name} ${this.def.help}`, `# TYPE ${this.def.name} counter`];
    if (this.values.size === 0) lines.push(`${this.def.name} 0`);
    for (const { labels, value } of this.values.values()) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
        .join(',');
      lines.push(`${this.def.name}${l ? `{${l}}` : ''} ${value}`);
    }
    return lines.join('\n');
  }
}

export class BotMetrics {
  /** Verified Slack requests handed to a listener, by `type` (app_mention, slash_command). */
  readonly eventsReceived = new Counter({
    name: 'plainfra_bot_events_received_total',
    help: 'Verified Slack events and slash commands received, by type.',
  });
  /** Deliveries whose event_id / trigger_id was already accepted (Slack retries). */
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
    return (
      [
        this.eventsReceived,
        this.duplicatesDropped,
        this.questionsRefused,
        this.repliesPosted,
        this.rejectedRequests,
        this.intakeErrors,
      ]
        .map((c) => c.render())
        .join('\n') + '\n'
    );
  }
}
