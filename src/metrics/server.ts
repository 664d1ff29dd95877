import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

export interface WorkerHealth {
  ok: boolean;
  checks: Record<string, 'ok' | string>;
}

interface MetricsServerOptions {
  port: number;
  host?: string;
  render: () => Promise<string>;
  health: () => Promise<WorkerHealth>;
  logger: Logger;
}

/**
 * hawk's and the sentinel's own port (PLAINFRA_METRICS_PORT; off when unset): GET /healthz (200 or
 * 503 with which dependency is down) and GET /metrics (Prometheus text). Nothing else is served, and
 * the workers have no other inbound port.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => route(opts, req, res));
  await listen(server, opts.port, opts.host ?? '0.0.0.0');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function route(opts: MetricsServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = (req.method ?? 'GET').toUpperCase();
  const fail = (err: unknown) => {
    opts.logger.warn({ err: err instanceof Error ? err.message : String(err), path }, 'metrics endpoint failed');
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error\n');
  };
  if (path === '/metrics' && method === 'GET') {
    opts.render().then((text) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
    }, fail);
    return;
  }
  if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
    opts.health().then((h) => sendHealth(opts.logger, res, h), fail);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: false, error: 'not_found' }));
}

/** 200 or 503; each check says only ok or fail (the reason goes to the log, not to whoever probes). */
function sendHealth(logger: Logger, res: ServerResponse, h: WorkerHealth): void {
  if (!h.ok) logger.warn({ checks: h.checks }, 'health check failed');
  res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  const checks = Object.fromEntries(Object.entries(h.checks).map(([k, v]) => [k, v === 'ok' ? 'ok' : 'fail']));
  res.end(JSON.stringify({ ok: h.ok, checks }));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
