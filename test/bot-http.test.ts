import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BotMetrics, createBotServer } from '../src/bot/index.js';
import { MAX_BODY_BYTES, type HealthReport } from '../src/bot/http.js';

/**
 * The bot's public port before authentication: a stranger with a valid-looking timestamp must not be
 * able to make it buffer megabytes, hold unlimited connections, or hit Postgres per /healthz.
 */

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((r) => {
          s.closeAllConnections();
          s.close(r);
        }),
    ),
  );
});

/** Stands in for Bolt: answers with the length of the body it was handed (already read, as rawBody). */
const echoReceiver = {
  requestListener(req: { rawBody?: Buffer }, res: { writeHead(s: number, h: object): void; end(b: string): void }) {
    const text = `rawBody ${req.rawBody?.length ?? 'missing'}`;
    res.writeHead(200, { 'content-length': Buffer.byteLength(text) });
    res.end(text);
  },
} as unknown as HTTPReceiver;

async function start(opts: { health?: () => Promise<HealthReport>; maxPendingBodies?: number } = {}) {
  const server = createBotServer({
    receiver: echoReceiver,
    metrics: new BotMetrics(),
    logger: pino({ level: 'silent' }),
    health: opts.health ?? (async () => ({ ok: true, checks: { postgres: 'ok' } })),
    maxPendingBodies: opts.maxPendingBodies,
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const now = () => String(Math.floor(Date.now() / 1000));

/** Sends raw request bytes; resolves with the status line once one arrives. */
function raw(port: number, head: string, body = ''): { socket: Socket; status: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let data = '';
  const status = new Promise<string>((resolve) => {
    socket.on('data', (d) => {
      data += d.toString();
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      // The whole response: headers plus Content-Length bytes of body.
      const length = Number(/content-length: (\d+)/i.exec(data.slice(0, end))?.[1] ?? 0);
      if (Buffer.byteLength(data.slice(end + 4)) >= length) resolve(data);
    });
    socket.on('error', () => resolve(data));
  });
  socket.write(head + body);
  return { socket, status };
}

const head = (headers: Record<string, string | number>) =>
  `POST /slack/events HTTP/1.1\r\nHost: x\r\nx-slack-request-timestamp: ${now()}\r\n` +
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('') +
  '\r\n';

describe('bot › public port', () => {
  it("rejects a body declared over Slack's maximum with 413 before reading a byte of it", async () => {
    const port = await start();
    const { status } = raw(port, head({ 'content-type': 'application/json', 'content-length': MAX_BODY_BYTES + 1 }));
    const response = await status;
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response.toLowerCase()).toContain('connection: close');
  });

  it('counts streamed bytes: a chunked body (no Content-Length) is cut off with 413 once it passes the maximum', async () => {
    const port = await start();
    const chunk = 'x'.repeat(64 * 1024);
    const { socket, status } = raw(port, head({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }));
    for (let i = 0; i < 20; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    expect(await status).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('hands a body within the limit to Bolt already read (rawBody), whole', async () => {
    const port = await start();
    const body = JSON.stringify({ type: 'event_callback', text: 'é'.repeat(100_000) });
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': now() },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`rawBody ${Buffer.byteLength(body)}`);
  });

  it('answers 503 with Retry-After when too many unauthenticated bodies are being read at once', async () => {
    const port = await start({ maxPendingBodies: 2 });
    // Two slow clients: headers sent, body promised but not delivered.
    const slow = [raw(port, head({ 'content-length': 10 }), 'abc'), raw(port, head({ 'content-length': 10 }), 'abc')];
    await new Promise((r) => setTimeout(r, 200));
    const third = raw(port, head({ 'content-length': 2 }), '{}');
    const response = await third.status;
    expect(response).toMatch(/^HTTP\/1\.1 503 /);
    expect(response.toLowerCase()).toContain('retry-after: 1');
    // The slow ones finish and go through; then there is room again.
    for (const s of slow) s.socket.write('defghij');
    for (const s of slow) expect(await s.status).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\nrawBody 10$/);
    const fourth = raw(port, head({ 'content-length': 2 }), '{}');
    expect(await fourth.status).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('/healthz is cheap: 50 rapid probes cost at most 2 dependency checks (answers reused for a second)', async () => {
    let checks = 0;
    const port = await start({
      health: async () => {
        checks++;
        await new Promise((r) => setTimeout(r, 20)); // a Postgres + Redis round trip
        return { ok: true, checks: { postgres: 'ok', redis: 'ok' } };
      },
    });
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json() as Promise<{ ok: boolean }>)),
    );
    expect(answers.every((a) => a.ok === true)).toBe(true);
    const elapsed = Date.now() - started;
    // One check per started second of the burst (normally the whole burst is inside one).
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(Math.max(2, Math.ceil(elapsed / 1000) + 1));
  });

  it('/healthz asks again after a failed check instead of repeating the failure for a second', async () => {
    let calls = 0;
    const port = await start({
      health: async () => {
        calls++;
        if (calls === 1) throw new Error('postgres down');
        return { ok: true, checks: { postgres: 'ok' } };
      },
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
