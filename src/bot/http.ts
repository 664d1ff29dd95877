import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { BotMetrics } from './metrics.js';

export const EVENTS_PATH = '/slack/events';
/** Slack's replay window, applied in both directions (Bolt only rejects old timestamps). */
export const MAX_CLOCK_SKEW_SEC = 5 * 60;

export interface HealthReport {
  ok: boolean;
  checks: Record<string, 'ok' | string>;
}

export interface BotServerDeps {
  /** Absent in Socket Mode: then the server only answers /healthz and /metrics. */
  receiver?: HTTPReceiver;
  metrics: BotMetrics;
  health: () => Promise<HealthReport>;
  logger: Logger;
  now?: () => number;
}

/**
 * The bot's HTTP front door. It owns the server (rather than Bolt's `app.start`) so it can reject
 * out-of-window timestamps before Bolt sees the request, count 401s, and serve health and metrics;
 * everything on /slack/events then goes through Bolt's own listener, signature check included.
 */
export function createBotServer(deps: BotServerDeps): Server {
  const now = deps.now ?? Date.now;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) return void health(deps, res);
    if (path === '/metrics' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(deps.metrics.render());
    }
    if (path === EVENTS_PATH && method === 'POST' && deps.receiver) return events(deps, deps.receiver, req, res, now);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'not_found' }));
  });
  // Slack gives up after 3 s; a request that takes far longer is stuck, not slow.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  // Idle keep-alive sockets outlive the peer's: behind a load balancer (ALB idles at 60 s) and for
  // clients that reuse sockets (undici idles at 4 s), the client must be the one to close, or a request
  // sent as the server closes the socket fails with "other side closed".
  server.keepAliveTimeout = 65_000;
  return server;
}

function events(deps: BotServerDeps, receiver: HTTPReceiver, req: IncomingMessage, res: ServerResponse, now: () => number) {
  const header = req.headers['x-slack-request-timestamp'];
  const ts = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isInteger(ts) || Math.abs(now() / 1000 - ts) > MAX_CLOCK_SKEW_SEC) {
    deps.metrics.rejectedRequests.inc({ reason: 'timestamp' });
    deps.logger.warn({ timestamp: header ?? null }, 'rejected Slack request: timestamp missing or more than 5 minutes off');
    req.resume();
    res.writeHead(401, { connection: 'close' });
    return void res.end();
  }
  res.once('finish', () => {
    // Bolt answers 401 for a bad signature (and logs why); count it here.
    if (res.statusCode === 401) deps.metrics.rejectedRequests.inc({ reason: 'signature' });
  });
  try {
    receiver.requestListener(req, res);
  } catch (err) {
    deps.logger.error({ err: (err as Error).message }, 'Slack request could not be dispatched');
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
}

async function health(deps: BotServerDeps, res: ServerResponse) {
  let report: HealthReport;
  try {
    report = await deps.health();
  } catch (err) {
    report = { ok: false, checks: { health: (err as Error).message } };
  }
  // The port is Slack-facing: say what is down, keep why (hosts, auth errors) in the log.
  if (!report.ok) deps.logger.warn({ checks: report.checks }, 'health check failed');
  const checks = Object.fromEntries(Object.entries(report.checks).map(([name, state]) => [name, state === 'ok' ? 'ok' : 'fail']));
  res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ ok: report.ok, checks }));
}

/** Runs `check` with a deadline; resolves to 'ok' or the failure's message. */
export async function probe(check: () => Promise<unknown>, timeoutMs = 2_000): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return (err as Error).message || 'failed';
  } finally {
    clearTimeout(timer);
  }
}
