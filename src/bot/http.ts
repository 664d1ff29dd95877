import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { BotMetrics } from './metrics.js';

export const EVENTS_PATH = '/slack/events';
/** Slack's replay window, applied in both directions (Bolt only rejects old timestamps). */
export const MAX_CLOCK_SKEW_SEC = 5 * 60;
/**
 * Largest body accepted on /slack/events, checked before a byte is read. The biggest request Slack
 * sends us is an `app_mention` of a 40 000-character message, whose text appears twice (`text` and
 * the `blocks` rich text), JSON-escaped (≤ 6 bytes a character for `\uXXXX`): under 500 KB. Slash
 * commands are far smaller. Bolt's own default is 4 MB.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Requests whose body is still being read (so not yet authenticated) at once. Each holds at most
 * MAX_BODY_BYTES, so this bounds the memory a stranger can make us hold; Slack's own requests are
 * read in milliseconds and never come near it. Over the cap: 503 with Retry-After.
 */
export const MAX_PENDING_BODIES = 64;
/** How long a /healthz answer is reused: a probe flood costs one Postgres and one Redis round trip a second. */
export const HEALTH_CACHE_MS = 1_000;

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
  /** @defaultValue MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** @defaultValue MAX_PENDING_BODIES */
  maxPendingBodies?: number;
}

/**
 * The bot's HTTP front door. It owns the server (rather than Bolt's `app.start`) so it can reject
 * out-of-window timestamps before Bolt sees the request, count 401s, and serve health and metrics;
 * everything on /slack/events then goes through Bolt's own listener, signature check included.
 */
export function createBotServer(deps: BotServerDeps): Server {
  const now = deps.now ?? Date.now;
  const cachedHealth = cacheFor(HEALTH_CACHE_MS, deps.health);
  const gate = { pending: 0, max: deps.maxPendingBodies ?? MAX_PENDING_BODIES, maxBytes: deps.maxBodyBytes ?? MAX_BODY_BYTES };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) return void health(deps, cachedHealth, res);
    if (path === '/metrics' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(deps.metrics.render());
    }
    if (path === EVENTS_PATH && method === 'POST' && deps.receiver) return void events(deps, deps.receiver, gate, req, res, now);
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

interface BodyGate {
  pending: number;
  readonly max: number;
  readonly maxBytes: number;
}

/**
 * POST /slack/events: checks that cost nothing come first (timestamp window, declared size, bodies
 * in flight), then the body is read under the cap and handed to Bolt, which checks the signature.
 */
async function events(
  deps: BotServerDeps,
  receiver: HTTPReceiver,
  gate: BodyGate,
  req: IncomingMessage,
  res: ServerResponse,
  now: () => number,
) {
  if (refusedBeforeBody(deps, gate, req, res, now)) return;
  const body = await readGatedBody(gate, req);
  if (body === undefined) return void req.destroy();
  if (body === TOO_LARGE) {
    deps.metrics.rejectedRequests.inc({ reason: 'too_large' });
    deps.logger.warn(`rejected Slack request: streamed body over ${gate.maxBytes} bytes`);
    return refuse(req, res, 413);
  }
  dispatchToBolt(deps, receiver, req, res, body);
}

/**
 * Refuses (and counts) a request before a byte of its body is read: a timestamp missing or outside
 * the window, a declared size over the cap, or too many bodies in flight. True when it refused.
 */
function refusedBeforeBody(deps: BotServerDeps, gate: BodyGate, req: IncomingMessage, res: ServerResponse, now: () => number): boolean {
  const header = req.headers['x-slack-request-timestamp'];
  const ts = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isInteger(ts) || Math.abs(now() / 1000 - ts) > MAX_CLOCK_SKEW_SEC) {
    deps.metrics.rejectedRequests.inc({ reason: 'timestamp' });
    deps.logger.warn({ timestamp: header ?? null }, 'rejected Slack request: timestamp missing or more than 5 minutes off');
    refuse(req, res, 401);
    return true;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > gate.maxBytes) {
    deps.metrics.rejectedRequests.inc({ reason: 'too_large' });
    deps.logger.warn({ contentLength: declared }, `rejected Slack request: body over ${gate.maxBytes} bytes`);
    refuse(req, res, 413);
    return true;
  }
  if (gate.pending >= gate.max) {
    deps.metrics.rejectedRequests.inc({ reason: 'busy' });
    deps.logger.warn({ pending: gate.pending }, 'rejected Slack request: too many request bodies being read at once');
    refuse(req, res, 503, { 'retry-after': '1' });
    return true;
  }
  return false;
}

/** The body, read while counted among the bodies in flight; undefined when the connection failed mid-body. */
async function readGatedBody(gate: BodyGate, req: IncomingMessage): Promise<Buffer | undefined> {
  gate.pending++;
  try {
    return await readBody(req, gate.maxBytes);
  } catch {
    // The connection failed or closed mid-body: nothing to answer.
    return undefined;
  } finally {
    gate.pending--;
  }
}

/** Hands the request to Bolt's listener (signature check, then our listeners); counts its 401s. */
function dispatchToBolt(deps: BotServerDeps, receiver: HTTPReceiver, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  // Bolt uses a body that is already read (`rawBody`) instead of reading the stream again.
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
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

const TOO_LARGE = Buffer.alloc(0);

/** Reads the body, counting bytes as they arrive (chunked bodies declare no length): TOO_LARGE past `max`. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        chunks.length = 0;
        // The rest of the body is never buffered (refuse() drains it).
        return resolve(TOO_LARGE);
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
    req.once('close', () => reject(new Error('closed before the body ended')));
  });
}

/** How long a refused client may keep sending (discarded, never buffered) before we hang up. */
const DRAIN_MS = 2_000;

/**
 * Answers and closes the connection without buffering (more of) the body. The rest is drained, not
 * kept, for at most DRAIN_MS: hanging up at once with unread data would reset the connection, and the
 * client might never see the status.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  req.resume();
  res.writeHead(status, { connection: 'close', ...headers });
  res.end(() => setTimeout(() => req.destroy(), DRAIN_MS).unref());
}

/**
 * Reuses one answer of `fn` for `ms`, and shares one call among concurrent callers, so a flood of
 * /healthz probes costs one round trip per dependency per `ms`.
 */
function cacheFor<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (last && now - last.at < ms) return last.value;
    const value = fn();
    last = { at: now, value };
    // A rejected check is not kept: the next probe asks again.
    value.catch(() => {
      if (last?.value === value) last = undefined;
    });
    return value;
  };
}

async function health(deps: BotServerDeps, check: () => Promise<HealthReport>, res: ServerResponse) {
  let report: HealthReport;
  try {
    report = await check();
  } catch (err) {
    report = { ok: false, checks: { health: (err as Error).message } };
  }
  // The port is Slack-facing: say what is down, keep why (hosts, auth errors) in the log.
  if (!report.ok) deps.logger.warn({ checks: report.checks }, 'health check failed');
  const checks = Object.fromEntries(Object.entries(report.checks).map(([name, state]) => [name, state === 'ok' ? 'ok' : 'fail']));
  res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ ok: report.ok, checks }));
}

/** Shared with the workers' health port. */
export { probe } from '../metrics/index.js';
