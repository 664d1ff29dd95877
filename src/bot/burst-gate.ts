/**
 * Acks first, bookkeeping after. The bot's own intake worker (recording queued questions in
 * Postgres, progress reactions) shares the event loop with the listeners that ack Slack; during a
 * burst of mentions every recording delays the next acks. So the listeners note each delivery here,
 * and the intake worker waits for a short lull before it records — at most `maxWaitMs`, so a steady
 * stream of mentions delays recording by that much and no more.
 */
export class BurstGate {
  private lastDeliveryAt = 0;

  constructor(
    /** The lull that counts as "the burst is over". @defaultValue 50 ms */
    private readonly quietMs = 50,
    /** The most a recording waits for a lull. @defaultValue 2 000 ms */
    private readonly maxWaitMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A Slack delivery is being acked now. */
  noteDelivery(): void {
    this.lastDeliveryAt = this.now();
  }

  /** Resolves once no delivery came for `quietMs`, or after `maxWaitMs`. */
  async lull(): Promise<void> {
    const deadline = this.now() + this.maxWaitMs;
    for (;;) {
      const quietFor = this.now() - this.lastDeliveryAt;
      if (quietFor >= this.quietMs || this.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, Math.min(this.quietMs - quietFor, deadline - this.now()) + 1));
    }
  }
}
