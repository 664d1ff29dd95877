/**
 * A local fake of Slack's Socket Mode endpoint, driven together with the fake Web API
 * (test/fakes/slack.ts):
 *
 *   const slack = await startFakeSlack({ token: 'xoxb-test', appToken: 'xapp-1-test' });
 *   const socket = await startFakeSocketMode(slack);
 *   // start the bot with SLACK_APP_TOKEN=xapp-1-test and SLACK_API_URL=slack.url
 *   const conn = await socket.waitForConnection();          // the client got `hello`
 *   const id = socket.pushEvent(eventCallbackBody);         // an `events_api` envelope
 *   const ack = await socket.waitForAck(id);                // `{envelope_id: id, payload: {}}`
 *   socket.disconnect('refresh_requested');                  // Slack asking the client to reconnect
 *   await socket.waitForClose(conn);
 *
 * Protocol as @slack/socket-mode 3 speaks it (node_modules/@slack/socket-mode/dist/src/*.js):
 *
 * 1. The client POSTs `apps.connections.open` with the app-level token as `Authorization: Bearer xapp-…`.
 *    The fake Web API checks that token (see FakeSlackOptions.appToken) and answers
 *    `{ok:true, url:'ws://127.0.0.1:PORT/link/?ticket=…&app_id=…'}`, the URL coming from this fake.
 *    Each ticket opens one connection; an unknown or reused ticket gets HTTP 401 on the upgrade.
 * 2. The client opens a WebSocket there (undici's client). On connect the fake sends Slack's
 *    `{type:'hello', num_connections, debug_info, connection_info:{app_id}}`; the client's start()
 *    resolves on it.
 * 3. Deliveries are JSON text frames `{envelope_id, type, payload, accepts_response_payload, …}`:
 *    `events_api` (payload = the Events API `event_callback` body, plus `retry_attempt` /
 *    `retry_reason`) and `slash_commands` (payload = the command's fields as a JSON object of
 *    strings). The client acks each with a text frame `{envelope_id, payload: {…}}` (`{}` for
 *    events, the ack body for commands), recorded in `acks`.
 * 4. `{type:'disconnect', reason}` makes the client close (code 1000) and, unless it is shutting
 *    down, call apps.connections.open again and reconnect.
 * 5. The client pings every ~1.7 s and drops a connection whose pongs stop; the fake answers every
 *    ping. A client close frame is answered with a close frame, then the TCP connection is ended.
 *
 * The server side is a minimal RFC 6455 implementation on node:http's `upgrade` event (handshake,
 * masked client frames, fragmented messages, ping/pong, close handshake; no extensions, so no
 * permessage-deflate), because the `ws` package is not installed in this project.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { listenLocally } from './http-util.js';
import type { FakeSlack } from './slack.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** Largest frame the fake accepts from the client (acks are tiny). */
const MAX_FRAME_BYTES = 1024 * 1024;
/** How long a server-initiated close waits for the client's close frame before cutting the socket. */
const CLOSE_WAIT_MS = 1_000;

export interface FakeSocketConnection {
  /** 1-based, in order of connection. */
  id: number;
  ticket: string;
  /** True from `hello` until the connection closed. */
  readonly open: boolean;
  /** Every JSON text message the client sent on this connection (acks included). */
  received: Record<string, unknown>[];
  /** Pings received from the client (each answered with a pong). */
  pings: number;
  /** Set when the connection ended: `by` says who sent the first close frame ('network' = none). */
  closed?: { code: number; reason: string; by: 'client' | 'server' | 'network' };
}

export interface FakeSocketAck {
  envelopeId: string;
  /** The ack's `payload` (`{}` for an event; `{response_type, text, …}` for a command's ack body). */
  payload: Record<string, unknown> | undefined;
  /** The whole message as received. */
  raw: Record<string, unknown>;
  connectionId: number;
  /** Order over all acks (0-based). */
  seq: number;
}

export interface PushOptions {
  /** Default: a random UUID (Slack's envelope ids are UUIDs). */
  envelopeId?: string;
  /** events_api only: `retry_attempt` (0 for a first delivery). */
  retryAttempt?: number;
  /** events_api only: `retry_reason` (default '' for attempt 0, else 'timeout'). */
  retryReason?: string;
  /** Default false for events_api, true for slash_commands (as Slack sends them). */
  acceptsResponsePayload?: boolean;
  /** Connection to send on; default the newest open one. */
  connection?: FakeSocketConnection;
}

export interface FakeSocketMode {
  /** Origin of the WebSocket server, e.g. `ws://127.0.0.1:PORT`. */
  url: string;
  /** Every connection that got `hello`, in order. */
  connections: FakeSocketConnection[];
  /** Every ack received, in order. */
  acks: FakeSocketAck[];
  /** Resolves with the `count`-th connection (1-based, default 1) once it got `hello`. */
  waitForConnection(count?: number, timeoutMs?: number): Promise<FakeSocketConnection>;
  /** Sends an `events_api` envelope carrying `body` (an `event_callback`); returns its envelope_id. */
  pushEvent(body: object, opts?: PushOptions): string;
  /** Sends a `slash_commands` envelope carrying `payload`; returns its envelope_id. */
  pushCommand(payload: Record<string, string>, opts?: PushOptions): string;
  /** Sends any JSON message (e.g. an interactive envelope) on a connection. */
  send(message: object, connection?: FakeSocketConnection): void;
  /** Resolves with the (first) ack for `envelopeId`, already received or future. */
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<FakeSocketAck>;
  /** Sends Slack's `{type:'disconnect', reason}` (e.g. 'warning', 'refresh_requested', 'link_disabled'). */
  disconnect(reason?: string, connection?: FakeSocketConnection): void;
  /** Resolves once `connection` has closed, with how it closed. */
  waitForClose(connection: FakeSocketConnection, timeoutMs?: number): Promise<NonNullable<FakeSocketConnection['closed']>>;
  /** Detaches from the fake Web API, closes every connection (1001) and the server. */
  close(): Promise<void>;
}

export interface FakeSocketModeOptions {
  /** `connection_info.app_id` in `hello` and `app_id` in the URL. Default 'A0FAKEAPP1'. */
  appId?: string;
  /** Port to listen on (default: ephemeral). Host is always 127.0.0.1. */
  port?: number;
}

interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  size: number;
}

/** One frame from the front of `buf`, undefined when incomplete. */
function parseFrame(buf: Buffer): Frame | undefined {
  if (buf.length < 2) return undefined;
  const fin = (buf[0]! & 0x80) !== 0;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    const big = buf.readBigUInt64BE(2);
    if (big > BigInt(MAX_FRAME_BYTES)) throw new Error(`frame of ${big} bytes exceeds the fake's limit`);
    length = Number(big);
    offset = 10;
  }
  if (length > MAX_FRAME_BYTES) throw new Error(`frame of ${length} bytes exceeds the fake's limit`);
  let mask: Buffer | undefined;
  if (masked) {
    if (buf.length < offset + 4) return undefined;
    mask = buf.subarray(offset, offset + 4);
    offset += 4;
  }
  if (buf.length < offset + length) return undefined;
  const payload = Buffer.from(buf.subarray(offset, offset + length));
  if (mask) for (let i = 0; i < payload.length; i += 1) payload[i]! ^= mask[i & 3]!;
  return { fin, opcode, masked, payload, size: offset + length };
}

/** A server frame: final, unmasked. */
function encodeFrame(opcode: number, payload: Buffer): Buffer {
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([0x80 | opcode, payload.length]);
  } else if (payload.length < 65_536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, payload]);
}

function closePayload(code: number, reason = ''): Buffer {
  if (code === 1005) return Buffer.alloc(0);
  const out = Buffer.alloc(2 + Buffer.byteLength(reason));
  out.writeUInt16BE(code, 0);
  out.write(reason, 2);
  return out;
}

/** Server side of one WebSocket connection. */
class Connection implements FakeSocketConnection {
  received: Record<string, unknown>[] = [];
  pings = 0;
  closed?: FakeSocketConnection['closed'];
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closeSent = false;
  private closeTimer?: NodeJS.Timeout;

  constructor(
    readonly id: number,
    readonly ticket: string,
    private readonly socket: Duplex,
    private readonly onMessage: (conn: Connection, message: Record<string, unknown>) => void,
    private readonly onChange: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(this.closeTimer);
      this.closed ??= { code: 1006, reason: '', by: 'network' };
      this.onChange();
    });
  }

  get open(): boolean {
    return this.closed === undefined;
  }

  sendText(text: string): void {
    if (!this.open || this.closeSent) throw new Error(`fake socket: connection ${this.id} is closed`);
    this.socket.write(encodeFrame(OP_TEXT, Buffer.from(text, 'utf8')));
  }

  /** Server-initiated close handshake; the socket is cut if the client does not answer. */
  close(code: number, reason = ''): void {
    if (!this.open || this.closeSent) return;
    this.closeSent = true;
    this.socket.write(encodeFrame(OP_CLOSE, closePayload(code, reason)));
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_WAIT_MS);
  }

  feed(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      let frame: Frame | undefined;
      try {
        frame = parseFrame(this.buffer);
      } catch {
        return this.fail(1009);
      }
      if (!frame) return;
      this.buffer = this.buffer.subarray(frame.size);
      this.handle(frame);
      if (this.socket.destroyed) return;
    }
  }

  private fail(code: number): void {
    if (!this.closeSent) {
      this.closeSent = true;
      this.socket.write(encodeFrame(OP_CLOSE, closePayload(code)));
    }
    this.closed ??= { code, reason: 'protocol error (fake)', by: 'server' };
    this.socket.end();
    this.onChange();
  }

  private handle(frame: Frame): void {
    // RFC 6455 5.1: a server must close the connection on an unmasked client frame.
    if (!frame.masked) return this.fail(1002);
    switch (frame.opcode) {
      case OP_TEXT:
      case OP_BINARY:
      case OP_CONTINUATION: {
        this.fragments.push(frame.payload);
        if (!frame.fin) return;
        const whole = Buffer.concat(this.fragments);
        this.fragments = [];
        let message: unknown;
        try {
          message = JSON.parse(whole.toString('utf8'));
        } catch {
          message = { unparsed: whole.toString('utf8') };
        }
        if (message && typeof message === 'object' && !Array.isArray(message)) {
          this.received.push(message as Record<string, unknown>);
          this.onMessage(this, message as Record<string, unknown>);
        }
        return;
      }
      case OP_PING:
        this.pings += 1;
        if (!this.closeSent) this.socket.write(encodeFrame(OP_PONG, frame.payload));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE: {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        const reason = frame.payload.subarray(2).toString('utf8');
        this.closed ??= { code, reason, by: this.closeSent ? 'server' : 'client' };
        if (!this.closeSent) {
          this.closeSent = true;
          this.socket.write(encodeFrame(OP_CLOSE, closePayload(code)));
        }
        this.socket.end();
        this.onChange();
        return;
      }
      default:
        return this.fail(1002);
    }
  }
}

/**
 * Starts the WebSocket server and attaches it to `slack`, so that `apps.connections.open` answers
 * with a fresh ticket URL pointing here.
 */
export async function startFakeSocketMode(slack: FakeSlack, opts: FakeSocketModeOptions = {}): Promise<FakeSocketMode> {
  const appId = opts.appId ?? 'A0FAKEAPP1';
  const tickets = new Set<string>();
  const connections: Connection[] = [];
  const acks: FakeSocketAck[] = [];
  const listeners = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  const changed = () => {
    for (const l of [...listeners]) l();
  };

  /** Resolves with probe()'s first truthy value, re-checked after every change. */
  const waitUntil = <T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> => {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        const v = probe();
        if (v === undefined) return;
        listeners.delete(listener);
        clearTimeout(timer);
        timers.delete(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        timers.delete(timer);
        reject(
          new Error(
            `fake socket mode: no ${what} within ${timeoutMs}ms; ` +
              `connections: ${connections.length}, acks: [${acks.map((a) => a.envelopeId).join(', ')}]`,
          ),
        );
      }, timeoutMs);
      timers.add(timer);
      listeners.add(listener);
    });
  };

  const onMessage = (conn: Connection, message: Record<string, unknown>) => {
    if (typeof message.envelope_id === 'string') {
      acks.push({
        envelopeId: message.envelope_id,
        payload: message.payload as Record<string, unknown> | undefined,
        raw: message,
        connectionId: conn.id,
        seq: acks.length,
      });
    }
    changed();
  };

  const reject = (socket: Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  const server: Server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end('fake slack socket mode: WebSocket only');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const key = req.headers['sec-websocket-key'];
    if (
      !/^\/link\/?$/.test(u.pathname) ||
      String(req.headers.upgrade).toLowerCase() !== 'websocket' ||
      req.headers['sec-websocket-version'] !== '13' ||
      typeof key !== 'string'
    ) {
      return reject(socket, '400 Bad Request');
    }
    const ticket = u.searchParams.get('ticket') ?? '';
    if (!tickets.delete(ticket)) return reject(socket, '401 Unauthorized');
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    (socket as Partial<import('node:net').Socket>).setNoDelay?.(true);
    const conn = new Connection(connections.length + 1, ticket, socket, onMessage, changed);
    if (head.length) conn.feed(head);
    connections.push(conn);
    conn.sendText(
      JSON.stringify({
        type: 'hello',
        num_connections: connections.filter((c) => c.open).length,
        debug_info: { host: `applink-fake-${conn.id}`, build_number: 1, approximate_connection_time: 18_060 },
        connection_info: { app_id: appId },
      }),
    );
    changed();
  });

  const port = await listenLocally(server, opts.port);
  origin = `ws://127.0.0.1:${port}`;

  slack.attachSocketMode(() => {
    const ticket = randomBytes(16).toString('hex');
    tickets.add(ticket);
    return `${origin}/link/?ticket=${ticket}&app_id=${appId}`;
  });

  const target = (connection?: FakeSocketConnection): Connection => {
    const conn = connection ? connections.find((c) => c.id === connection.id) : [...connections].reverse().find((c) => c.open);
    if (!conn?.open) throw new Error('fake socket mode: no open connection to send on');
    return conn;
  };

  return {
    url: origin,
    connections,
    acks,
    waitForConnection(count = 1, timeoutMs = 10_000) {
      return waitUntil(`connection #${count}`, () => connections[count - 1], timeoutMs);
    },
    pushEvent(body, o = {}) {
      const envelopeId = o.envelopeId ?? randomUUID();
      const attempt = o.retryAttempt ?? 0;
      target(o.connection).sendText(
        JSON.stringify({
          envelope_id: envelopeId,
          payload: body,
          type: 'events_api',
          accepts_response_payload: o.acceptsResponsePayload ?? false,
          retry_attempt: attempt,
          retry_reason: o.retryReason ?? (attempt > 0 ? 'timeout' : ''),
        }),
      );
      return envelopeId;
    },
    pushCommand(payload, o = {}) {
      const envelopeId = o.envelopeId ?? randomUUID();
      target(o.connection).sendText(
        JSON.stringify({
          envelope_id: envelopeId,
          payload,
          type: 'slash_commands',
          accepts_response_payload: o.acceptsResponsePayload ?? true,
        }),
      );
      return envelopeId;
    },
    send(message, connection) {
      target(connection).sendText(JSON.stringify(message));
    },
    waitForAck(envelopeId, timeoutMs = 5_000) {
      return waitUntil(`ack for ${envelopeId}`, () => acks.find((a) => a.envelopeId === envelopeId), timeoutMs);
    },
    disconnect(reason = 'refresh_requested', connection) {
      target(connection).sendText(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
    },
    waitForClose(connection, timeoutMs = 5_000) {
      const conn = connections.find((c) => c.id === connection.id);
      if (!conn) return Promise.reject(new Error(`fake socket mode: unknown connection ${connection.id}`));
      return waitUntil(`close of connection ${conn.id}`, () => conn.closed, timeoutMs);
    },
    async close() {
      slack.attachSocketMode(undefined);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      listeners.clear();
      // Open connections get a close frame and are cut after CLOSE_WAIT_MS if the client stays silent;
      // server.close() resolves once every socket, upgraded ones included, has gone.
      for (const c of connections) c.close(1001, 'going away');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
