import { describe, expect, it } from 'vitest';
import { BurstGate } from '../src/bot/index.js';

/** The intake worker records a queued mention only after a lull in deliveries, or after maxWait. */
describe('BurstGate', () => {
  it('lets recording through at once when no mention came lately', async () => {
    const gate = new BurstGate(50, 2_000);
    const t0 = Date.now();
    await gate.lull();
    expect(Date.now() - t0).toBeLessThan(30);
  });

  it('waits for the burst to pause', async () => {
    const gate = new BurstGate(100, 2_000);
    const t0 = Date.now();
    // Deliveries every 40 ms for 400 ms: the lull comes 100 ms after the last.
    const burst = setInterval(() => gate.noteDelivery(), 40);
    gate.noteDelivery();
    setTimeout(() => clearInterval(burst), 400);
    await gate.lull();
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(1_500);
  });

  it('never waits longer than maxWait under a steady stream', async () => {
    const gate = new BurstGate(100, 300);
    const stream = setInterval(() => gate.noteDelivery(), 20);
    gate.noteDelivery();
    const t0 = Date.now();
    await gate.lull();
    clearInterval(stream);
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1_000);
  });
});
