/**
 * The chart worker thread: renders one report's charts per message, so Vega's layout and resvg's
 * rasterising (hundreds of milliseconds of CPU) never run on the bot's event loop.
 */
import { parentPort } from 'node:worker_threads';
import type { Report } from '../reports/index.js';
import { renderReportCharts } from './render.js';
import type { ChartRequest, ChartResponse } from './pool.js';

if (!parentPort) throw new Error('render-worker.ts runs as a worker thread (see pool.ts)');
const port = parentPort;

port.on('message', async (msg: ChartRequest) => {
  let reply: ChartResponse;
  try {
    const charts = await renderReportCharts(msg.report as Report);
    reply = {
      id: msg.id,
      ok: true,
      charts: charts.map(({ kind, filename, title, png }) => ({ kind, filename, title, png: new Uint8Array(png) })),
    };
  } catch (err) {
    reply = { id: msg.id, ok: false, message: (err as Error).message };
  }
  port.postMessage(reply, reply.ok ? reply.charts.map((c) => c.png.buffer as ArrayBuffer) : []);
});
