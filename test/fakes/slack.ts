/**
 * A local fake of the Slack Web API, good enough to point the real `@slack/web-api` `WebClient`
 * (and therefore Bolt's `client`) at it:
 *
 *   const slack = await startFakeSlack({ token: 'xoxb-test' });
 *   const web = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
 *
 * Wire protocol as `@slack/web-api` 8 speaks it (see node_modules/@slack/web-api/dist/WebClient.js):
 * every method is `POST ${slackApiUrl}${method}` through global `fetch`, body
 * `application/x-www-form-urlencoded` (non-scalar arguments such as `blocks` / `files` are
 * JSON-encoded strings inside the form), the token in `Authorization: Bearer …` (and also as a
 * `token` form field when it was passed per call). Slack answers HTTP 200 with `{ok:true|false}`;
 * the only other status the client treats specially is 429 + `Retry-After`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { headerRecord, listenLocally, readBody } from './http-util.js';

export interface SlackCall {
  /** Web API method, e.g. `chat.postMessage`. */
  method: string;
  /** When the fake received it (epoch ms): for rate checks (messages per second per channel). */
  at: number;
  /**
   * Arguments, parsed from the form-urlencoded / JSON / multipart body plus any query string.
   * Form values stay strings (`"true"`, `"42"`) exactly as Slack receives them, except the
   * structured arguments in {@link JSON_ARGS} (`blocks`, `attachments`, `files`, `metadata`, …)
   * which are JSON-decoded. The `token` argument is removed (see {@link SlackCall.token}).
   */
  args: Record<string, unknown>;
  /** Token from `Authorization: Bearer …`, falling back to a `token` body argument. */
  token: string | undefined;
  /** Request headers (lower-cased names). */
  headers: Record<string, string>;
  /** HTTP status the fake answered with. */
  status: number;
  /** JSON body the fake answered with. */
  response: Record<string, unknown>;
  /** Shorthand for `status === 200 && response.ok === true`. */
  ok: boolean;
  /** Sequence number over all calls (0-based). */
  seq: number;
}

export interface FakeSlackChannel {
  id: string;
  name?: string;
  is_private?: boolean;
  is_im?: boolean;
  is_ext_shared?: boolean;
  /** Extra fields merged into the `channel` object of `conversations.info`. */
  [key: string]: unknown;
}

export interface FakeSlackUser {
  id: string;
  name?: string;
  real_name?: string;
  team_id?: string;
  is_bot?: boolean;
  tz?: string;
  email?: string;
  [key: string]: unknown;
}

export interface FakeSlackOptions {
  /**
   * Accepted token(s). When set, a call with no token gets `not_authed` and a call with any other
   * token gets `invalid_auth` (both HTTP 200, as Slack does). When unset any token is accepted.
   */
  token?: string | string[];
  /**
   * Accepted app-level token(s) (`xapp-…`) for `apps.connections.open`, which is checked apart from
   * `token`: a bot token there gets `not_allowed_token_type`, an unknown `xapp-` token `invalid_auth`.
   * When unset any `xapp-` token is accepted.
   */
  appToken?: string | string[];
  teamId?: string;
  teamName?: string;
  /** Bot *user* id (`U…`), returned by `auth.test` as `user_id` and used as `user` of bot messages. */
  botUserId?: string;
  /** Bot id (`B…`). */
  botId?: string;
  botName?: string;
  appId?: string;
  /** Channels answered by `conversations.info`, keyed by id (`is_ext_shared` configurable here). */
  channels?: Record<string, Partial<FakeSlackChannel>>;
  /** Users answered by `users.info`, keyed by id. */
  users?: Record<string, Partial<FakeSlackUser>>;
  /**
   * When true, `conversations.info` / `users.info` for an id not configured answer
   * `channel_not_found` / `user_not_found`. Default false: a plausible default object is synthesized.
   */
  strict?: boolean;
  /** Seconds part of the first generated message ts. Default 1700000000 → "1700000000.000100". */
  tsBaseSec?: number;
  /** Port to listen on (default: ephemeral). Host is always 127.0.0.1. */
  port?: number;
  /**
   * The bot token's scopes, sent as Slack does in the `x-oauth-scopes` header of every bot-token
   * call (the WebClient exposes them as `response_metadata.scopes`). Default: no header.
   */
  scopes?: string[];
}

/** What `failNext` can inject. */
export type SlackFailure =
  /** `{ok:false, error}` with HTTP 200, e.g. `'channel_not_found'`, `'ratelimited'`. */
  | string
  | { error: string; extra?: Record<string, unknown> }
  /** HTTP 429 with `Retry-After: retryAfter` (seconds; web-api parses it with parseInt). */
  | { status: 429; retryAfter: number }
  /** Any other HTTP status (web-api throws `WebAPIHTTPError`). */
  | { status: number; body?: string };

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
  user: string;
  bot_id: string;
  /** Number of successful `chat.update` calls applied. */
  edits: number;
}

export interface FakeSlackUpload {
  fileId: string;
  filename: string;
  length: number;
  /** Bytes received at the upload URL (undefined until the upload POST arrives). */
  bytes?: Buffer;
  /** Set by `files.completeUploadExternal`. */
  completed?: { channel_id?: string; thread_ts?: string; initial_comment?: string; title?: string };
}

export interface FakeSlack {
  /** Base URL ending in `/api/`, usable as WebClient `slackApiUrl` (and SLACK_API_URL). */
  url: string;
  /** Origin, e.g. `http://127.0.0.1:PORT`. */
  origin: string;
  /** Every Web API call received, in arrival order (failed ones included; check `ok`). */
  calls: SlackCall[];
  /** Calls to one method. */
  callsTo(method: string): SlackCall[];
  /**
   * Resolves with the first call (already received or future) to `method` that matches
   * `predicate`; rejects after `timeoutMs` (default 5000) listing what was received.
   */
  waitFor(method: string, predicate?: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** Make the next call to `method` fail as described. Queue several by calling repeatedly. */
  failNext(method: string, failure: SlackFailure): void;
  /** Current state of messages posted through the fake (updated by chat.update). */
  messages: FakeSlackMessage[];
  /** Find a posted message. */
  message(channel: string, ts: string): FakeSlackMessage | undefined;
  /** Reaction names currently on a message (added via reactions.add minus reactions.remove). */
  reactionsOn(channel: string, ts: string): string[];
  /** Files negotiated through files.getUploadURLExternal. */
  uploads: FakeSlackUpload[];
  /** Add or change a channel after start (e.g. flip `is_ext_shared`). */
  setChannel(id: string, info: Partial<FakeSlackChannel>): void;
  /** Add or change a user after start. */
  setUser(id: string, info: Partial<FakeSlackUser>): void;
  /** Forget recorded calls (state such as messages and reactions is kept). */
  clearCalls(): void;
  /**
   * Where `apps.connections.open` sends Socket Mode clients: `issueUrl` is called once per successful
   * call and returns the WebSocket URL to answer with (test/fakes/slack-socket.ts attaches itself here).
   * Until something is attached the method answers `{ok:false, error:'fake_socket_mode_not_attached'}`.
   */
  attachSocketMode(issueUrl: (() => string) | undefined): void;
  close(): Promise<void>;
}

/** Arguments Slack treats as JSON documents inside a form body. */
export const JSON_ARGS = new Set([
  'blocks',
  'attachments',
  'files',
  'metadata',
  'view',
  'user_auth_blocks',
  'prompts',
  'unfurls',
  'chunks',
]);

/** Methods that skip the bot-token check: `api.test` needs none, `apps.connections.open` checks the app token. */
const OWN_AUTH = new Set(['api.test', 'apps.connections.open']);

type Handler = (args: Record<string, unknown>, token: string | undefined) => Record<string, unknown>;

class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function required(args: Record<string, unknown>, name: string, code = 'invalid_arguments'): string {
  const v = str(args[name]);
  if (v === undefined || v === '') throw new SlackApiError(code, { detail: `missing required argument '${name}'` });
  return v;
}

interface ParsedArgs {
  args: Record<string, unknown>;
  files: Record<string, { filename: string; bytes: Buffer }>;
}

async function parseArgs(raw: Buffer, contentType: string, query: URLSearchParams): Promise<ParsedArgs> {
  const args: Record<string, unknown> = {};
  const files: ParsedArgs['files'] = {};
  for (const [k, v] of query) args[k] = v;
  const ct = contentType.toLowerCase();
  if (raw.length === 0) {
    // nothing
  } else if (ct.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(args, parsed);
  } else if (ct.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    for (const [k, v] of form) {
      if (typeof v === 'string') args[k] = v;
      else {
        const bytes = Buffer.from(await v.arrayBuffer());
        files[k] = { filename: v.name, bytes };
        args[k] = { filename: v.name, size: bytes.length };
      }
    }
  } else {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = v;
  }
  for (const key of Object.keys(args)) {
    const v = args[key];
    if (JSON_ARGS.has(key) && typeof v === 'string') {
      try {
        args[key] = JSON.parse(v);
      } catch {
        // leave as-is; Slack would answer invalid_blocks / invalid_arguments, the handler decides
      }
    }
  }
  return { args, files };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = opts.teamId ?? 'T0FAKE0001';
  const teamName = opts.teamName ?? 'Fake Team';
  const botUserId = opts.botUserId ?? 'U0FAKEBOT1';
  const botId = opts.botId ?? 'B0FAKEBOT1';
  const botName = opts.botName ?? 'plainfra';
  const appId = opts.appId ?? 'A0FAKEAPP1';
  const tokens = opts.token === undefined ? undefined : Array.isArray(opts.token) ? opts.token : [opts.token];
  const appTokens = opts.appToken === undefined ? undefined : Array.isArray(opts.appToken) ? opts.appToken : [opts.appToken];
  let socketModeUrl: (() => string) | undefined;
  const tsBase = opts.tsBaseSec ?? 1_700_000_000;

  const channels = new Map<string, Partial<FakeSlackChannel>>(Object.entries(opts.channels ?? {}));
  const users = new Map<string, Partial<FakeSlackUser>>(Object.entries(opts.users ?? {}));
  const calls: SlackCall[] = [];
  const failures = new Map<string, SlackFailure[]>();
  const messages: FakeSlackMessage[] = [];
  const reactions = new Map<string, { name: string; user: string }[]>();
  const uploads: FakeSlackUpload[] = [];
  const waiters = new Map<(call: SlackCall) => void, NodeJS.Timeout>();
  let tsCounter = 0;
  let fileCounter = 0;
  let origin = '';

  const nextTs = (): string => {
    tsCounter += 1;
    const micros = tsCounter * 100;
    const sec = tsBase + Math.floor(micros / 1_000_000);
    return `${sec}.${String(micros % 1_000_000).padStart(6, '0')}`;
  };
  const msgKey = (channel: string, ts: string) => `${channel}|${ts}`;
  const findMessage = (channel: string, ts: string) => messages.find((m) => m.channel === channel && m.ts === ts);

  const messageJson = (m: FakeSlackMessage): Record<string, unknown> => ({
    type: 'message',
    user: m.user,
    bot_id: m.bot_id,
    app_id: appId,
    team: teamId,
    text: m.text ?? '',
    ts: m.ts,
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    ...(m.blocks !== undefined ? { blocks: m.blocks } : {}),
    ...(m.attachments !== undefined ? { attachments: m.attachments } : {}),
    ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
    ...(m.edits > 0 ? { edited: { user: m.user, ts: m.ts } } : {}),
    bot_profile: { id: botId, app_id: appId, name: botName, deleted: false, team_id: teamId },
  });

  const channelJson = (id: string): Record<string, unknown> => {
    const c = channels.get(id);
    if (!c && opts.strict) throw new SlackApiError('channel_not_found');
    const isIm = c?.is_im ?? id.startsWith('D');
    const isPrivate = c?.is_private ?? id.startsWith('G');
    const isExt = c?.is_ext_shared ?? false;
    return {
      id,
      name: isIm ? undefined : `channel-${id.toLowerCase()}`,
      is_channel: !isIm && !isPrivate,
      is_group: false,
      is_im: isIm,
      is_mpim: false,
      is_private: isPrivate || isIm,
      created: tsBase - 86_400,
      is_archived: false,
      is_general: false,
      is_shared: isExt,
      is_ext_shared: isExt,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: teamId,
      shared_team_ids: [teamId],
      is_member: true,
      ...(isIm ? { user: 'U0FAKEUSR1' } : {}),
      ...c,
    };
  };

  const userJson = (id: string): Record<string, unknown> => {
    const u = users.get(id);
    if (!u && opts.strict) throw new SlackApiError('user_not_found');
    const { email, ...rest } = u ?? {};
    const name = (u?.name as string | undefined) ?? `user-${id.toLowerCase()}`;
    const realName = (u?.real_name as string | undefined) ?? `User ${id}`;
    return {
      id,
      team_id: teamId,
      name,
      deleted: false,
      real_name: realName,
      tz: 'Etc/UTC',
      tz_offset: 0,
      is_admin: false,
      is_owner: false,
      is_bot: id === botUserId,
      is_app_user: false,
      updated: tsBase,
      profile: {
        real_name: realName,
        display_name: name,
        ...(email !== undefined ? { email } : {}),
        team: (u?.team_id as string | undefined) ?? teamId,
      },
      ...rest,
    };
  };

  const handlers: Record<string, Handler> = {
    'api.test': (args) => ({ args }),
    'auth.test': () => ({
      url: `https://${teamName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.slack.com/`,
      team: teamName,
      user: botName,
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    'apps.connections.open': (_args, token) => {
      if (token === undefined) throw new SlackApiError('not_authed');
      if (!token.startsWith('xapp-')) throw new SlackApiError('not_allowed_token_type');
      if (appTokens && !appTokens.includes(token)) throw new SlackApiError('invalid_auth');
      if (!socketModeUrl) throw new SlackApiError('fake_socket_mode_not_attached');
      return { url: socketModeUrl() };
    },
    // Modals: Slack's limits as it enforces them (trigger_id required, 100 blocks, 24-char title, 3 000 per text).
    'views.open': (args) => {
      if (typeof args.trigger_id !== 'string' || args.trigger_id === '') throw new SlackApiError('invalid_trigger_id');
      const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as
        | { type?: string; title?: { text?: string }; blocks?: unknown[] }
        | undefined;
      if (view?.type !== 'modal') throw new SlackApiError('invalid_arguments');
      if ((view.title?.text ?? '').length > 24)
        throw new SlackApiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] title too long'] } });
      if (!Array.isArray(view.blocks) || view.blocks.length > 100)
        throw new SlackApiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] too many blocks'] } });
      const tooLong = JSON.stringify(view.blocks)
        .match(/"text":"((?:[^"\\]|\\.)*)"/g)
        ?.some((m) => JSON.parse(`{${m}}`).text.length > 3000);
      if (tooLong) throw new SlackApiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] text too long'] } });
      return { view: { id: `V0${String(calls.length).padStart(8, '0')}`, ...view } };
    },
    'chat.postMessage': (args) => {
      const channel = required(args, 'channel', 'channel_not_found');
      if (opts.strict && !channels.has(channel)) throw new SlackApiError('channel_not_found');
      if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) {
        throw new SlackApiError('no_text');
      }
      const m: FakeSlackMessage = {
        channel,
        ts: nextTs(),
        thread_ts: str(args.thread_ts),
        text: str(args.text),
        blocks: args.blocks,
        attachments: args.attachments,
        metadata: args.metadata,
        user: botUserId,
        bot_id: botId,
        edits: 0,
      };
      messages.push(m);
      return { channel, ts: m.ts, message: messageJson(m) };
    },
    'chat.update': (args) => {
      const channel = required(args, 'channel', 'channel_not_found');
      const ts = required(args, 'ts', 'message_not_found');
      const m = findMessage(channel, ts);
      if (!m) throw new SlackApiError('message_not_found');
      if (m.user !== botUserId) throw new SlackApiError('cant_update_message');
      if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) {
        throw new SlackApiError('no_text');
      }
      if (args.text !== undefined) m.text = str(args.text);
      if (args.blocks !== undefined) m.blocks = args.blocks;
      if (args.attachments !== undefined) m.attachments = args.attachments;
      if (args.metadata !== undefined) m.metadata = args.metadata;
      m.edits += 1;
      return { channel, ts, text: m.text ?? '', message: messageJson(m) };
    },
    'chat.postEphemeral': (args) => {
      required(args, 'channel', 'channel_not_found');
      required(args, 'user', 'user_not_in_channel');
      if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) {
        throw new SlackApiError('no_text');
      }
      return { message_ts: nextTs() };
    },
    'reactions.add': (args) => {
      const channel = required(args, 'channel', 'channel_not_found');
      const ts = required(args, 'timestamp', 'message_not_found');
      const name = required(args, 'name', 'invalid_name');
      const key = msgKey(channel, ts);
      const list = reactions.get(key) ?? [];
      const user = botUserId; // the fake has a single (bot) identity
      if (list.some((r) => r.name === name && r.user === user)) throw new SlackApiError('already_reacted');
      list.push({ name, user });
      reactions.set(key, list);
      return {};
    },
    'reactions.remove': (args) => {
      const channel = required(args, 'channel', 'channel_not_found');
      const ts = required(args, 'timestamp', 'message_not_found');
      const name = required(args, 'name', 'invalid_name');
      const key = msgKey(channel, ts);
      const list = reactions.get(key) ?? [];
      const i = list.findIndex((r) => r.name === name && r.user === botUserId);
      if (i < 0) throw new SlackApiError('no_reaction');
      list.splice(i, 1);
      return {};
    },
    'assistant.threads.setStatus': (args) => {
      required(args, 'channel_id');
      required(args, 'thread_ts');
      if (args.status === undefined) throw new SlackApiError('invalid_arguments', { detail: "missing 'status'" });
      return {};
    },
    'conversations.info': (args) => {
      const channel = required(args, 'channel', 'channel_not_found');
      return { channel: channelJson(channel) };
    },
    'users.info': (args) => {
      const user = required(args, 'user', 'user_not_found');
      return { user: userJson(user) };
    },
    'files.getUploadURLExternal': (args) => {
      const filename = required(args, 'filename');
      const lengthStr = required(args, 'length');
      const length = Number(lengthStr);
      if (!Number.isInteger(length) || length <= 0) throw new SlackApiError('invalid_arguments');
      fileCounter += 1;
      const fileId = `F0FAKE${String(fileCounter).padStart(4, '0')}`;
      uploads.push({ fileId, filename, length });
      return { upload_url: `${origin}/upload/v1/${fileId}`, file_id: fileId };
    },
    'files.completeUploadExternal': (args) => {
      const files = args.files;
      if (!Array.isArray(files) || files.length === 0) throw new SlackApiError('invalid_arguments');
      const out: Record<string, unknown>[] = [];
      for (const f of files as { id?: string; title?: string }[]) {
        const up = uploads.find((u) => u.fileId === f.id);
        if (!up) throw new SlackApiError('file_not_found', { detail: `unknown file id ${String(f.id)}` });
        if (!up.bytes) throw new SlackApiError('file_upload_not_completed', { detail: `no bytes uploaded for ${up.fileId}` });
        up.completed = {
          channel_id: str(args.channel_id),
          thread_ts: str(args.thread_ts),
          initial_comment: str(args.initial_comment),
          title: f.title,
        };
        out.push({
          id: up.fileId,
          created: tsBase,
          timestamp: tsBase,
          name: up.filename,
          title: f.title ?? up.filename,
          mimetype: 'application/octet-stream',
          filetype: up.filename.split('.').pop() ?? 'binary',
          user: botUserId,
          size: up.bytes.length,
          url_private: `${origin}/files-pri/${teamId}-${up.fileId}/${encodeURIComponent(up.filename)}`,
          permalink: `${origin}/files/${botUserId}/${up.fileId}/${encodeURIComponent(up.filename)}`,
          is_external: false,
        });
      }
      return { files: out };
    },
  };

  const notify = (call: SlackCall) => {
    for (const w of [...waiters.keys()]) w(call);
  };

  const record = (call: Omit<SlackCall, 'seq' | 'ok' | 'at'>): SlackCall => {
    const full: SlackCall = { ...call, at: Date.now(), seq: calls.length, ok: call.status === 200 && call.response.ok === true };
    calls.push(full);
    return full;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, method: string, query: URLSearchParams) => {
    const headers = headerRecord(req);
    const raw = await readBody(req);
    let args: Record<string, unknown>;
    try {
      ({ args } = await parseArgs(raw, headers['content-type'] ?? '', query));
    } catch (e) {
      const response = { ok: false, error: 'invalid_form_data', detail: String(e) };
      const call = record({ method, args: {}, token: undefined, headers, status: 200, response });
      sendJson(res, 200, response);
      notify(call);
      return;
    }
    const auth = headers.authorization;
    const bearer = auth?.match(/^Bearer\s+(.+)$/i)?.[1];
    const token = bearer ?? str(args.token);
    delete args.token;

    let status = 200;
    let response: Record<string, unknown>;
    let extraHeaders: Record<string, string> = {};
    let rawBody: string | undefined;

    const queued = failures.get(method);
    const failure = queued?.shift();
    if (failure !== undefined) {
      if (typeof failure === 'string') response = { ok: false, error: failure };
      else if ('error' in failure) response = { ok: false, error: failure.error, ...failure.extra };
      else if (failure.status === 429 && 'retryAfter' in failure) {
        status = 429;
        extraHeaders = { 'retry-after': String(failure.retryAfter) };
        response = { ok: false, error: 'ratelimited' };
      } else {
        status = failure.status;
        rawBody = 'body' in failure ? failure.body : undefined;
        response = { ok: false, error: `http_${failure.status}` };
      }
    } else if (!OWN_AUTH.has(method) && tokens && token === undefined) {
      response = { ok: false, error: 'not_authed' };
    } else if (!OWN_AUTH.has(method) && tokens && !tokens.includes(token as string)) {
      response = { ok: false, error: 'invalid_auth' };
    } else {
      const handler = handlers[method];
      if (!handler) response = { ok: false, error: 'unknown_method', req_method: method };
      else {
        try {
          response = { ok: true, ...handler(args, token) };
        } catch (e) {
          if (e instanceof SlackApiError) response = { ok: false, error: e.code, ...e.extra };
          else response = { ok: false, error: 'fatal_error', detail: String(e) };
        }
      }
    }

    if (opts.scopes && token && !token.startsWith('xapp-') && response.ok) extraHeaders['x-oauth-scopes'] = opts.scopes.join(',');
    const call = record({ method, args, token, headers, status, response });
    if (rawBody !== undefined) {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extraHeaders });
      res.end(rawBody);
    } else {
      sendJson(res, status, response, extraHeaders);
    }
    notify(call);
  };

  const handleUpload = async (req: IncomingMessage, res: ServerResponse, fileId: string) => {
    const headers = headerRecord(req);
    const raw = await readBody(req);
    const up = uploads.find((u) => u.fileId === fileId);
    if (!up) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('file not found');
      return;
    }
    const ct = headers['content-type'] ?? '';
    let bytes = raw;
    if (ct.toLowerCase().startsWith('multipart/form-data')) {
      // web-api 8 posts the upload as multipart with a single binary field named `body`
      const { files } = await parseArgs(raw, ct, new URLSearchParams());
      const first = files.body ?? files.file ?? Object.values(files)[0];
      bytes = first ? first.bytes : Buffer.alloc(0);
    }
    up.bytes = bytes;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`OK - ${bytes.length}`);
  };

  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = u.pathname.match(/^\/api\/([A-Za-z0-9._]+)$/);
    const upload = u.pathname.match(/^\/upload\/v1\/([A-Za-z0-9]+)$/);
    const run = api
      ? handleApi(req, res, api[1], u.searchParams)
      : upload && req.method === 'POST'
        ? handleUpload(req, res, upload[1])
        : Promise.resolve().then(() => {
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end(`fake slack: no route for ${req.method} ${u.pathname}`);
          });
    run.catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fake_slack_internal', detail: String(e) });
      else res.destroy();
    });
  });

  const port = await listenLocally(server, opts.port);
  origin = `http://127.0.0.1:${port}`;

  const callsTo = (method: string) => calls.filter((c) => c.method === method);

  return {
    url: `${origin}/api/`,
    origin,
    calls,
    callsTo,
    waitFor(method, predicate = () => true, timeoutMs = 5000) {
      const existing = calls.find((c) => c.method === method && predicate(c));
      if (existing) return Promise.resolve(existing);
      return new Promise<SlackCall>((resolve, reject) => {
        const waiter = (call: SlackCall) => {
          if (call.method !== method) return;
          let matched = false;
          try {
            matched = predicate(call);
          } catch {
            matched = false;
          }
          if (!matched) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(call);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = calls.map((c) => `${c.method}${c.ok ? '' : `(${String(c.response.error)})`}`).join(', ');
          reject(new Error(`fake slack: no matching ${method} call within ${timeoutMs}ms; received: [${seen}]`));
        }, timeoutMs);
        waiters.set(waiter, timer);
      });
    },
    failNext(method, failure) {
      const q = failures.get(method) ?? [];
      q.push(failure);
      failures.set(method, q);
    },
    messages,
    message: findMessage,
    reactionsOn(channel, ts) {
      return (reactions.get(msgKey(channel, ts)) ?? []).map((r) => r.name);
    },
    uploads,
    setChannel(id, info) {
      channels.set(id, { ...channels.get(id), ...info });
    },
    setUser(id, info) {
      users.set(id, { ...users.get(id), ...info });
    },
    clearCalls() {
      calls.length = 0;
    },
    attachSocketMode(issueUrl) {
      socketModeUrl = issueUrl;
    },
    close() {
      return new Promise<void>((resolve) => {
        // pending waitFor promises are left unsettled (no spurious rejections after teardown)
        for (const timer of waiters.values()) clearTimeout(timer);
        waiters.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
