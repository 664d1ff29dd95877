import { SocketModeReceiver, type App, type ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';

/** Longest `stop()` waits for the WebSocket close handshake before giving up on it. */
const SOCKET_CLOSE_WAIT_MS = 5_000;
/** Backoff while intake fails (Postgres or Redis down): 0.5 s doubling to this cap, until it works. */
const HOLD_RETRY_MAX_MS = 5_000;

type SocketModeReceiverOptions = ConstructorParameters<typeof SocketModeReceiver>[0];

interface SlackEventArgs {
  ack: (response?: unknown) => Promise<void>;
  envelope_id: string;
  type: string;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}

/**
 * Bolt's SocketModeReceiver with three changes.
 *
 * Durable ack: Bolt acks a Socket Mode event before the listener runs, so a question whose intake
 * fails (Postgres down) would be acked and gone. Here the envelope is acked only after Bolt has run
 * the listener to the end, i.e. after intake committed and enqueued (what `processBeforeResponse` does
 * for HTTP). When intake throws, the envelope is held and intake retried with backoff until it
 * succeeds, then acked. Slack redelivers an unacked envelope meanwhile (retry_attempt 1..3): the
 * event_id dedupe makes those land on the same message_in. Held envelopes die with the process; Slack
 * still redelivers those within its retry window.
 *
 * start(): a rejected app token (or an unreachable SLACK_API_URL) fails with a message naming what to
 * check. stop(): resolves once the WebSocket close handshake is done (Bolt's resolves at once, so
 * `close()` would release Postgres and Redis while the socket is still open), or after 5 s.
 */
export class BotSocketModeReceiver extends SocketModeReceiver {
  private boltApp?: App;
  private stopping = false;
  /** Envelopes whose intake failed and is being retried, by envelope_id (health and tests). */
  readonly held = new Map<string, { since: number; attempts: number }>();

  constructor(
    options: SocketModeReceiverOptions,
    private readonly log: Logger,
  ) {
    super(options);
    // Replace Bolt's handler (ack first, listener after) with the durable one.
    this.client.removeAllListeners('slack_event');
    this.client.on('slack_event', (args: SlackEventArgs) => void this.deliver(args));
  }

  override init(app: App): void {
    super.init(app);
    this.boltApp = app;
  }

  private async deliver(args: SlackEventArgs): Promise<void> {
    let response: unknown;
    let acked = false;
    const event: ReceiverEvent = {
      body: args.body,
      // Bolt calls this before the listener (events) or from it (commands): remember, send later.
      ack: async (r?: unknown) => {
        response = r;
      },
      retryNum: args.retry_num,
      retryReason: args.retry_reason,
      customProperties: {},
    };
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.boltApp!.processEvent(event);
        if (!acked) await args.ack(response);
        acked = true;
        if (this.held.delete(args.envelope_id))
          this.log.info({ envelopeId: args.envelope_id, attempts: attempt }, 'held Socket Mode event is durable now; acked');
        return;
      } catch (err) {
        if ((err as { code?: string }).code === 'slack_bolt_authorization_error') {
          // As Bolt: no installation for this workspace, so no retry will help; stop Slack retrying.
          await args.ack().catch(() => undefined);
          return;
        }
        const delay = Math.min(HOLD_RETRY_MAX_MS, 500 * 2 ** Math.min(attempt - 1, 10));
        this.held.set(args.envelope_id, { since: this.held.get(args.envelope_id)?.since ?? Date.now(), attempts: attempt });
        this.log.warn(
          { envelopeId: args.envelope_id, type: args.type, attempt, retryInMs: delay, err: (err as Error).message },
          'Socket Mode event not durable yet (intake failed); holding it unacked and retrying',
        );
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
    // Shutting down with intake still failing: leave it unacked, Slack redelivers it.
    this.held.delete(args.envelope_id);
  }

  override async start(): ReturnType<SocketModeReceiver['start']> {
    this.stopping = false;
    try {
      return await super.start();
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      throw new Error(`Slack Socket Mode could not connect (${code}): check SLACK_APP_TOKEN (connections:write) and SLACK_API_URL`);
    }
  }

  override async stop(): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const disconnected = new Promise<void>((resolve) => {
      this.client.once('disconnected', () => resolve());
      timer = setTimeout(resolve, SOCKET_CLOSE_WAIT_MS);
      timer.unref();
    });
    try {
      await super.stop();
      await disconnected;
    } finally {
      clearTimeout(timer);
    }
  }
}
