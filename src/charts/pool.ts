/**
 * Renders charts in a worker thread. Rendering a report's two charts takes ~0.3–0.7 s of CPU; done
 * on the bot's event loop it stalls everything else there, including BullMQ's lock renewal of the
 * reply job being posted — an earlier version let that lock lapse, another worker took the job,
 * and the chart was uploaded twice. One worker per bot process is plenty: posting is paced by
 * Slack (~1 message per second per channel), not by rendering.
 *
 * Written by hand rather than with a pool library: one long-lived worker, a FIFO of requests, a
 * timeout that replaces a stuck worker, and a crashed worker replaced on the next request.
 */
import { Worker } from 'node:worker_threads';
import type { Report } from '../reports/index.js';
import type { ChartKind } from './kinds.js';

export interface ChartFile {
  kind: ChartKind;
  filename: string;
  title: string;
  png: Buffer;
}

/** Renders a report's charts (cost by service, daily cost) as PNG files, off the caller's event loop. */
export interface ChartRenderer {
  render(report: Report): Promise<ChartFile[]>;
  close(): Promise<void>;
}

/** Worker protocol (plain data: the report crosses by structured clone, PNGs come back transferred). */
export interface ChartRequest {
  id: number;
  report: unknown;
}
export type ChartResponse =
  | { id: number; ok: true; charts: { kind: ChartKind; filename: string; title: string; png: Uint8Array }[] }
  | { id: number; ok: false; message: string };

export class ChartRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartRenderError';
  }
}

/** The worker entry: the compiled `.js` beside this file, or (under vitest/tsx) the `.ts` source. */
function startWorker(): Worker {
  const self = new URL(import.meta.url);
  const entry = new URL(self.pathname.endsWith('.ts') ? './render-worker.ts' : './render-worker.js', self);
  if (entry.pathname.endsWith('.ts')) {
    // Source run (tests, `tsx`): the worker registers tsx itself before loading the TypeScript entry.
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(entry);
}

interface Pending {
  id: number;
  report: Report;
  resolve: (charts: ChartFile[]) => void;
  reject: (err: Error) => void;
}

export function createChartPool(opts: { timeoutMs?: number } = {}): ChartRenderer {
  const pool = new ChartPool(opts.timeoutMs ?? 30_000);
  return { render: (report) => pool.render(report), close: () => pool.close() };
}

/**
 * One worker, the request it is rendering (`current`) and a FIFO of the rest. Every way a request
 * ends (a reply, a crash, an exit, a timeout) settles `current` and pumps the next one.
 */
class ChartPool {
  private worker: Worker | undefined;
  private current: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly timeoutMs: number) {}

  render(report: Report): Promise<ChartFile[]> {
    if (this.closed) return Promise.reject(new ChartRenderError('chart renderer is closed'));
    return new Promise<ChartFile[]>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, report, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new ChartRenderError('chart renderer is closed'));
    this.fail(new ChartRenderError('chart renderer is closed'));
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  /** Sends the next request to the worker, unless one is in flight; a stuck render is timed out. */
  private pump(): void {
    if (this.current || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    const w = this.ensureWorker();
    const timer = setTimeout(() => {
      this.drop(w);
      this.fail(new ChartRenderError(`chart rendering took longer than ${this.timeoutMs} ms`));
      this.pump();
    }, this.timeoutMs);
    this.current = { ...next, timer };
    w.postMessage({ id: next.id, report: next.report } satisfies ChartRequest);
  }

  /** The live worker, or a new one (the first request, or the one after a crash or a timeout). */
  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker();
    w.on('message', (msg: ChartResponse) => this.settle(msg));
    w.on('error', (err) => {
      this.drop(w);
      this.fail(new ChartRenderError(`chart worker crashed: ${err.message}`));
      this.pump();
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.fail(new ChartRenderError(`chart worker exited (code ${code})`));
      this.pump();
    });
    // The bot's shutdown must not wait for an idle renderer.
    w.unref();
    return (this.worker = w);
  }

  /** The worker's answer to the request in flight (a late answer to a timed-out one is ignored). */
  private settle(msg: ChartResponse): void {
    if (!this.current || msg.id !== this.current.id) return;
    const done = this.current;
    clearTimeout(done.timer);
    this.current = undefined;
    if (msg.ok) done.resolve(msg.charts.map((c) => ({ ...c, png: Buffer.from(c.png.buffer, c.png.byteOffset, c.png.byteLength) })));
    else done.reject(new ChartRenderError(msg.message));
    this.pump();
  }

  /** Rejects the request in flight, if any. */
  private fail(err: Error): void {
    if (!this.current) return;
    clearTimeout(this.current.timer);
    this.current.reject(err);
    this.current = undefined;
  }

  private drop(w: Worker): void {
    if (this.worker === w) this.worker = undefined;
    void w.terminate();
  }
}
