/**
 * A local fake of the Anthropic Messages API (`POST /v1/messages`), for the real
 * `@anthropic-ai/sdk` client:
 *
 *   const llm = await startFakeAnthropic({ script: [{ toolUse: [{ name: 'x', input: {} }] }, { text: 'done' }] });
 *   const client = new Anthropic({ apiKey: 'test', baseURL: llm.url, maxRetries: 1 });
 *   // or, for code that builds its own client: process.env.ANTHROPIC_BASE_URL = llm.url
 *
 * Supports non-streaming JSON responses and `stream: true` (Server-Sent Events in the real event
 * order: message_start, ping, content_block_start/delta/stop…, message_delta, message_stop).
 * Errors use the real error shape `{type:'error', error:{type, message}, request_id}` plus the
 * `request-id`, `retry-after` / `retry-after-ms` / `x-should-retry` headers the SDK reads.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fakeServer, headerRecord, listenLocally, readBody } from './http-util.js';

export interface ToolUseSpec {
  name: string;
  input: unknown;
  /** Default: a deterministic `toolu_…` id derived from the request and position. */
  id?: string;
}

export interface ErrorSpec {
  status: number;
  /** Default from status: 400 invalid_request_error, 401 authentication_error, 403 permission_error,
   * 404 not_found_error, 413 request_too_large, 429 rate_limit_error, 529 overloaded_error, else api_error. */
  type?: string;
  message?: string;
  /** `retry-after` header, seconds (fractions allowed; the SDK ignores values <= 0 and uses its backoff). */
  retryAfter?: number;
  /** `retry-after-ms` header (takes precedence in the SDK). */
  retryAfterMs?: number;
  /** `x-should-retry` header; the SDK obeys it over its status-based default. */
  shouldRetry?: boolean;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * One scripted answer. Shapes:
 *   `{ text }`                                  → end_turn
 *   `{ toolUse: [...], text? }`                 → tool_use (text block first, then tool_use blocks)
 *   `{ stopReason: 'max_tokens' | 'refusal' | 'pause_turn' | …, text? }`
 *   `{ error: { status, type?, message?, retryAfter? } }`
 */
export interface Turn {
  text?: string;
  toolUse?: ToolUseSpec[];
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';
  /** For stopReason 'stop_sequence'. */
  stopSequence?: string;
  error?: ErrorSpec;
  /** Raw content blocks, replacing the ones built from text/toolUse. */
  content?: Record<string, unknown>[];
  usage?: Partial<Usage>;
  /** Delay before answering (to exercise timeouts / concurrency). */
  delayMs?: number;
  /** Streaming only: after message_start, emit an SSE `error` event of this type and end. */
  streamError?: { type: string; message?: string };
}

export interface MessageParam {
  role: 'user' | 'assistant';
  content: string | Array<Record<string, unknown> & { type: string }>;
}

export interface MessagesRequestBody {
  model?: string;
  max_tokens?: number;
  messages?: MessageParam[];
  system?: unknown;
  tools?: Array<Record<string, unknown> & { name: string }>;
  tool_choice?: unknown;
  stream?: boolean;
  [key: string]: unknown;
}

export interface ReceivedRequest {
  /** 0-based index over all requests received on /v1/messages (including retries and rejected ones). */
  index: number;
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: MessagesRequestBody;
  /** `x-stainless-retry-count` sent by the SDK: 0 for the first attempt, 1 for its first retry… */
  retryCount: number;
  /** Number of assistant turns already in `body.messages` (the conversation position). */
  assistantTurns: number;
  /** HTTP status answered. */
  status: number;
  /** What was answered (Message JSON, error JSON, or for streams the final Message). */
  response: unknown;
}

/**
 * Array: the n-th request that passes auth/validation gets `script[n]` (retries consume turns too).
 * Function: called with the request and that same n; may throw to answer 400 (or use `{error}`).
 */
export type Script = Turn[] | ((request: ReceivedRequest, index: number) => Turn | Promise<Turn>);

export interface FakeAnthropicOptions {
  script: Script;
  /** When set, requests must carry this key (`x-api-key` or `Authorization: Bearer`), else 401. */
  apiKey?: string;
  /** Validate request bodies like the real API (model, max_tokens, messages, tool_use/tool_result pairing). Default true. */
  validate?: boolean;
  port?: number;
  /**
   * Models answered by `GET /v1/models/{id}` (the Models API), with their lifecycle; any other id is
   * a 404 `not_found_error`, as the real API answers an unknown model.
   */
  models?: Record<string, { display_name?: string; lifecycle?: 'active' | 'deprecated' | 'retired'; retires_at?: string | null }>;
  /**
   * Simulate prompt caching as the API does it: the prefix (tools, then system, then message blocks)
   * up to each `cache_control` breakpoint is written to the cache; a later request whose prefix up to
   * a block boundary (within 20 blocks before one of its breakpoints) was written is a cache read.
   * Usage then splits input into `cache_read_input_tokens`, `cache_creation_input_tokens` and the
   * uncached rest. Off by default (usage reports no caching).
   */
  simulateCache?: boolean;
}

export interface FakeAnthropic {
  /** e.g. `http://127.0.0.1:PORT` — use as `baseURL` / `ANTHROPIC_BASE_URL` (no `/v1`). */
  url: string;
  requests: ReceivedRequest[];
  /** Wait until at least `count` requests have been received. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export class FakeApiError extends Error {
  constructor(readonly spec: ErrorSpec) {
    super(spec.message ?? spec.type ?? `HTTP ${spec.status}`);
  }
}

const DEFAULT_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const DEFAULT_ERROR_MESSAGES: Record<string, string> = {
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  overloaded_error: 'Overloaded',
  api_error: 'Internal server error',
};

export function countAssistantTurns(body: MessagesRequestBody): number {
  return (body.messages ?? []).filter((m) => m && m.role === 'assistant').length;
}

/** Text of the first user message (string content or its text blocks joined). Handy in script functions. */
export function firstUserText(body: MessagesRequestBody): string {
  const m = (body.messages ?? []).find((x) => x.role === 'user');
  if (!m) return '';
  if (typeof m.content === 'string') return m.content;
  return m.content
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text))
    .join('\n');
}

/** `tool_result` blocks of the last user message. */
export function lastToolResults(body: MessagesRequestBody): Array<Record<string, unknown>> {
  const last = (body.messages ?? []).at(-1);
  if (last?.role !== 'user' || typeof last.content === 'string') return [];
  return last.content.filter((b) => b.type === 'tool_result');
}

/**
 * Script that answers by conversation position: turn `k` answers a request whose `messages`
 * already hold `k` assistant turns. A request and its retries (same messages) always get the same
 * turn, whichever process sends them and in whatever order — except when the entry is itself an
 * array: then it is indexed by the SDK's `x-stainless-retry-count` header (clamped to the last
 * element), e.g. `[{ error: { status: 429, retryAfter: 0.01 } }, { text: 'ok' }]` fails the first
 * attempt and succeeds on the SDK's retry.
 */
export function byToolResults(turns: Array<Turn | Turn[]>): (request: ReceivedRequest) => Turn {
  return (request) => {
    const k = request.assistantTurns;
    const entry = turns[k];
    if (entry === undefined) {
      throw new FakeApiError({
        status: 400,
        type: 'invalid_request_error',
        message: `fake anthropic: script has no turn for a conversation with ${k} assistant turn(s) (script has ${turns.length})`,
      });
    }
    if (Array.isArray(entry)) {
      if (entry.length === 0) throw new Error('byToolResults: empty attempt list');
      return entry[Math.min(request.retryCount, entry.length - 1)];
    }
    return entry;
  };
}

function hash(s: string, len: number): string {
  return createHash('sha256').update(s).digest('base64url').replace(/[-_]/g, 'x').slice(0, len);
}

function estimateTokens(value: unknown): number {
  if (value === undefined) return 0;
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return Math.max(1, Math.ceil(s.length / 4));
}

/** Validation mirroring the real API's 400s (subset), so agent bugs surface in tests. */
export function validateBody(body: MessagesRequestBody): string | undefined {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages)) return 'messages: Field required';
  if (body.messages.length === 0) return 'messages: at least one message is required';
  const msgs = body.messages;
  if (msgs[0].role !== 'user') return 'messages: first message must use the "user" role';
  const toolNames = new Set((body.tools ?? []).map((t) => t.name));
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const blocks = typeof m.content === 'string' ? [] : Array.isArray(m.content) ? m.content : null;
    if (blocks === null) return `messages.${i}.content: Input should be a valid list`;
    if (typeof m.content === 'string' && m.content.length === 0 && i < msgs.length - 1) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    if (Array.isArray(m.content) && m.content.length === 0 && !(i === msgs.length - 1 && m.role === 'assistant')) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    const toolUses = blocks.filter((b) => b.type === 'tool_use');
    if (m.role === 'user' && toolUses.length > 0) return `messages.${i}.content: tool_use blocks can only appear in assistant messages`;
    for (const tu of toolUses) {
      if (toolNames.size > 0 && !toolNames.has(String(tu.name))) {
        return `messages.${i}.content: tool_use references tool '${String(tu.name)}' which is not in 'tools'`;
      }
    }
    if (m.role === 'assistant' && toolUses.length > 0) {
      const next = msgs[i + 1];
      const ids = toolUses.map((b) => String(b.id));
      const nextBlocks = next && Array.isArray(next.content) ? next.content : [];
      const resultIds = new Set(nextBlocks.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id)));
      const missing = ids.filter((id) => !resultIds.has(id));
      if (next === undefined) continue; // a trailing assistant prefill with tool_use is the caller's problem; accept
      if (missing.length > 0) {
        return (
          `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
          'Each `tool_use` block must have a corresponding `tool_result` block in the next message.'
        );
      }
    }
    const results = blocks.filter((b) => b.type === 'tool_result');
    if (results.length > 0) {
      if (m.role !== 'user') return `messages.${i}.content: tool_result blocks can only appear in user messages`;
      const prev = msgs[i - 1];
      const prevIds = new Set(
        prev && prev.role === 'assistant' && Array.isArray(prev.content)
          ? prev.content.filter((b) => b.type === 'tool_use').map((b) => String(b.id))
          : [],
      );
      for (const r of results) {
        if (!prevIds.has(String(r.tool_use_id))) {
          return (
            `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(r.tool_use_id)}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.'
          );
        }
      }
    }
  }
  return undefined;
}

/**
 * The Messages API response for a scripted turn (also what the Bedrock fake answers: InvokeModel
 * returns the same JSON). `index` is the request's position, mixed into the message id.
 */
export function scriptedMessage(
  body: MessagesRequestBody,
  index: number,
  turn: Turn,
  cached?: { input: number; creation: number; read: number },
) {
  const convKey = JSON.stringify(body.messages ?? []);
  const content: Record<string, unknown>[] = turn.content ?? [
    ...(turn.text !== undefined ? [{ type: 'text', text: turn.text, citations: null }] : []),
    ...(turn.toolUse ?? []).map((t, i) => ({
      type: 'tool_use',
      id: t.id ?? `toolu_01${hash(`${convKey}#${i}#${t.name}`, 22)}`,
      name: t.name,
      input: t.input ?? {},
      caller: { type: 'direct' },
    })),
  ];
  const stopReason = turn.stopReason ?? ((turn.toolUse?.length ?? 0) > 0 ? 'tool_use' : 'end_turn');
  const usage: Usage = {
    input_tokens: cached?.input ?? estimateTokens([body.system, body.tools, body.messages]),
    output_tokens: estimateTokens(content),
    cache_creation_input_tokens: cached?.creation ?? 0,
    cache_read_input_tokens: cached?.read ?? 0,
    ...turn.usage,
  };
  return {
    id: `msg_01${hash(`${convKey}#${index}`, 22)}`,
    type: 'message',
    role: 'assistant',
    model: body.model ?? 'claude-fake',
    content,
    stop_reason: stopReason,
    stop_sequence: stopReason === 'stop_sequence' ? (turn.stopSequence ?? null) : null,
    stop_details: stopReason === 'refusal' ? { type: 'refusal', category: null, explanation: turn.text ?? null } : null,
    container: null,
    usage,
  };
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions): Promise<FakeAnthropic> {
  const requests: ReceivedRequest[] = [];
  const validate = opts.validate ?? true;
  const waiters = new Set<() => void>();
  let scriptCalls = 0;

  /** Prefix hashes written to the simulated prompt cache. */
  const cacheStore = new Set<string>();
  const cacheUsage = (body: MessagesRequestBody) => {
    // The cacheable sequence, in the API's order: tool definitions, system blocks, message blocks.
    const segments: { text: string; breakpoint: boolean }[] = [];
    // The marker itself is not part of the cached content: a block reads the same with or without it.
    const push = (block: unknown) => {
      const { cache_control, ...content } = (block ?? {}) as { cache_control?: unknown };
      segments.push({ text: JSON.stringify(content), breakpoint: Boolean(cache_control) });
    };
    for (const t of body.tools ?? []) push(t);
    if (Array.isArray(body.system)) for (const b of body.system) push(b);
    else if (body.system !== undefined) push({ type: 'text', text: body.system });
    for (const m of body.messages ?? [])
      for (const b of typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content) push({ role: m.role, ...b });
    const h = createHash('sha256');
    const prefixes: { hash: string; tokens: number }[] = [];
    let chars = 0;
    for (const seg of segments) {
      h.update(seg.text);
      chars += seg.text.length;
      prefixes.push({ hash: h.copy().digest('hex'), tokens: Math.ceil(chars / 4) });
    }
    const total = Math.max(1, Math.ceil(chars / 4));
    const breakpoints = segments.flatMap((s, i) => (s.breakpoint ? [i] : []));
    let read = 0;
    for (const bp of breakpoints) {
      for (let i = bp; i >= Math.max(0, bp - 20); i--) {
        if (cacheStore.has(prefixes[i]!.hash)) {
          read = Math.max(read, prefixes[i]!.tokens);
          break;
        }
      }
    }
    const last = breakpoints.at(-1);
    const written = last === undefined ? 0 : prefixes[last]!.tokens;
    for (const bp of breakpoints) cacheStore.add(prefixes[bp]!.hash);
    const creation = Math.max(0, written - read);
    return { read, creation, input: Math.max(0, total - read - creation) };
  };

  const requestId = (index: number) => `req_fake${String(index).padStart(6, '0')}${hash(String(Date.now()) + index, 10)}`;

  const sendError = (res: ServerResponse, spec: ErrorSpec, reqId: string): unknown => {
    const type = spec.type ?? DEFAULT_ERROR_TYPES[spec.status] ?? (spec.status >= 500 ? 'api_error' : 'invalid_request_error');
    const body = {
      type: 'error',
      error: { type, message: spec.message ?? DEFAULT_ERROR_MESSAGES[type] ?? type },
      request_id: reqId,
    };
    const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': reqId };
    if (spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
    if (spec.retryAfterMs !== undefined) headers['retry-after-ms'] = String(spec.retryAfterMs);
    if (spec.shouldRetry !== undefined) headers['x-should-retry'] = String(spec.shouldRetry);
    res.writeHead(spec.status, headers);
    res.end(JSON.stringify(body));
    return body;
  };

  const buildMessage = (rec: ReceivedRequest, turn: Turn) =>
    scriptedMessage(rec.body, rec.index, turn, opts.simulateCache ? cacheUsage(rec.body) : undefined);

  const sendStream = async (res: ServerResponse, message: ReturnType<typeof buildMessage>, turn: Turn, reqId: string) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': reqId,
    });
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send('message_start', {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        stop_details: null,
        usage: { ...message.usage, output_tokens: 1 },
      },
    });
    send('ping', { type: 'ping' });
    if (turn.streamError) {
      send('error', {
        type: 'error',
        error: { type: turn.streamError.type, message: turn.streamError.message ?? turn.streamError.type },
        request_id: reqId,
      });
      res.end();
      return;
    }
    message.content.forEach((block, index) => {
      if (block.type === 'text') {
        send('content_block_start', { type: 'content_block_start', index, content_block: { ...block, text: '' } });
        const text = String(block.text);
        for (let i = 0; i < text.length; i += 16) {
          send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: text.slice(i, i + 16) } });
        }
      } else if (block.type === 'tool_use') {
        send('content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } });
        const json = JSON.stringify(block.input ?? {});
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
        for (let i = 0; i < json.length; i += 16) {
          send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 16) },
          });
        }
      } else {
        send('content_block_start', { type: 'content_block_start', index, content_block: block });
      }
      send('content_block_stop', { type: 'content_block_stop', index });
    });
    send('message_delta', {
      type: 'message_delta',
      delta: {
        stop_reason: message.stop_reason,
        stop_sequence: message.stop_sequence,
        stop_details: message.stop_details,
        container: null,
      },
      usage: { output_tokens: message.usage.output_tokens },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = headerRecord(req);
    const raw = await readBody(req);
    const modelPath = /^\/v1\/models\/([^/]+)$/.exec(u.pathname);
    if (req.method === 'GET' && modelPath) {
      const id = decodeURIComponent(modelPath[1]!);
      const key = headers['x-api-key'] ?? headers.authorization?.replace(/^Bearer\s+/i, '');
      if (opts.apiKey && key !== opts.apiKey) {
        sendError(res, { status: 401, type: 'authentication_error', message: 'invalid x-api-key' }, requestId(-1));
        return;
      }
      const m = opts.models?.[id];
      if (!m) {
        sendError(res, { status: 404, type: 'not_found_error', message: `model: ${id}` }, requestId(-1));
        return;
      }
      const lifecycle = m.lifecycle ?? 'active';
      const body = JSON.stringify({
        type: 'model',
        id,
        display_name: m.display_name ?? id,
        created_at: '2026-01-01T00:00:00Z',
        lifecycle,
        deprecated_at: lifecycle === 'active' ? null : '2026-09-01T00:00:00Z',
        retires_at: m.retires_at ?? null,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    if (!(req.method === 'POST' && u.pathname === '/v1/messages')) {
      sendError(
        res,
        { status: 404, type: 'not_found_error', message: `fake anthropic: no route for ${req.method} ${u.pathname}` },
        requestId(-1),
      );
      return;
    }
    let body: MessagesRequestBody = {};
    let parseError: string | undefined;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as MessagesRequestBody;
      else parseError = 'request body must be a JSON object';
    } catch (e) {
      parseError = `invalid JSON body: ${String(e)}`;
    }
    const index = requests.length;
    const rec: ReceivedRequest = {
      index,
      method: req.method ?? 'POST',
      path: u.pathname + u.search,
      headers,
      body,
      retryCount: Number.parseInt(headers['x-stainless-retry-count'] ?? '0', 10) || 0,
      assistantTurns: countAssistantTurns(body),
      status: 0,
      response: undefined,
    };
    requests.push(rec);
    for (const w of [...waiters]) w();
    const reqId = requestId(index);

    const fail = (spec: ErrorSpec) => {
      rec.status = spec.status;
      rec.response = sendError(res, spec, reqId);
    };

    // Authentication, as the real API checks it first.
    const bearer = headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const key = headers['x-api-key'] ?? bearer;
    if (!key) return fail({ status: 401, message: 'x-api-key header is required' });
    if (opts.apiKey !== undefined && key !== opts.apiKey) return fail({ status: 401, message: 'invalid x-api-key' });
    if (!headers['anthropic-version']) return fail({ status: 400, message: 'anthropic-version: header is required' });
    if (parseError) return fail({ status: 400, message: parseError });
    if (validate) {
      const problem = validateBody(body);
      if (problem) return fail({ status: 400, message: problem });
    }

    // Requests rejected above (auth / validation) never reach the script and don't consume turns.
    const scriptIndex = scriptCalls++;
    let turn: Turn | undefined;
    try {
      if (typeof opts.script === 'function') turn = await opts.script(rec, scriptIndex);
      else {
        turn = opts.script[scriptIndex];
        if (turn === undefined) {
          return fail({
            status: 400,
            message: `fake anthropic: script exhausted (request #${index}, script has ${opts.script.length} turn(s))`,
            shouldRetry: false,
          });
        }
      }
    } catch (e) {
      if (e instanceof FakeApiError) return fail({ shouldRetry: false, ...e.spec });
      return fail({ status: 500, type: 'api_error', message: `fake anthropic: script threw: ${String(e)}`, shouldRetry: false });
    }
    if (turn.delayMs) await new Promise((r) => setTimeout(r, turn.delayMs));
    if (turn.error) return fail(turn.error);

    const message = buildMessage(rec, turn);
    rec.status = 200;
    rec.response = message;
    if (body.stream === true) {
      await sendStream(res, message, turn, reqId);
      return;
    }
    const text = JSON.stringify(message);
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': reqId, 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  };

  const server: Server = fakeServer(handle, (e) => ({
    type: 'error',
    error: { type: 'api_error', message: `fake anthropic internal: ${String(e)}` },
  }));
  const port = await listenLocally(server, opts.port);

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitForRequests(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const w = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(requests);
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`fake anthropic: only ${requests.length}/${count} requests within ${timeoutMs}ms`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
