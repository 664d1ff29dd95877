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
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let worker: Worker | undefined;
  let current: (Pending & { timer: NodeJS.Timeout }) | undefined;
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;

  const fail = (err: Error) => {
    if (!current) return;
    clearTimeout(current.timer);
    current.reject(err);
    current = undefined;
  };
  const drop = (w: Worker) => {
    if (worker === w) worker = undefined;
    void w.terminate();
  };
  const ensureWorker = (): Worker => {
    if (worker) return worker;
    const w = startWorker();
    w.on('message', (msg: ChartResponse) => {
      if (!current || msg.id !== current.id) return;
      const done = current;
      clearTimeout(done.timer);
      current = undefined;
      if (msg.ok) done.resolve(msg.charts.map((c) => ({ ...c, png: Buffer.from(c.png.buffer, c.png.byteOffset, c.png.byteLength) })));
      else done.reject(new ChartRenderError(msg.message));
      pump();
    });
    w.on('error', (err) => {
      drop(w);
      fail(new ChartRenderError(`chart worker crashed: ${err.message}`));
      pump();
    });
    w.on('exit', (code) => {
      if (worker !== w) return;
      worker = undefined;
      fail(new ChartRenderError(`chart worker exited (code ${code})`));
      pump();
    });
    // The bot's shutdown must not wait for an idle renderer.
    w.unref();
    return (worker = w);
  };
  const pump = () => {
    if (current || closed) return;
    const next = queue.shift();
    if (!next) return;
    const w = ensureWorker();
    const timer = setTimeout(() => {
      drop(w);
      fail(new ChartRenderError(`chart rendering took longer than ${timeoutMs} ms`));
      pump();
    }, timeoutMs);
    current = { ...next, timer };
    w.postMessage({ id: next.id, report: next.report } satisfies ChartRequest);
  };

  return {
    render(report) {
      if (closed) return Promise.reject(new ChartRenderError('chart renderer is closed'));
      return new Promise<ChartFile[]>((resolve, reject) => {
        queue.push({ id: nextId++, report, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const p of queue.splice(0)) p.reject(new ChartRenderError('chart renderer is closed'));
      fail(new ChartRenderError('chart renderer is closed'));
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
