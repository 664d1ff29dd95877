/**
 * Helpers that play the part of Slack delivering HTTP requests to the app (Events API callbacks,
 * slash commands), signed the way Slack signs them:
 *   x-slack-signature = 'v0=' + hex(HMAC-SHA256(signingSecret, `v0:${timestamp}:${rawBody}`))
 * which is exactly what Bolt's `verifySlackRequest` checks (timestamp must be within 5 minutes).
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface SlackSignedHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
  'content-type': string;
  [name: string]: string;
}

function contentTypeFor(body: string): string {
  const t = body.trimStart();
  return t.startsWith('{') || t.startsWith('[') ? 'application/json' : 'application/x-www-form-urlencoded';
}

/** Sign `body` (the exact bytes that will be sent) as Slack does. */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSec: number = Math.floor(Date.now() / 1000),
): SlackSignedHeaders {
  const ts = String(Math.floor(timestampSec));
  const sig = createHmac('sha256', signingSecret).update(`v0:${ts}:${body}`).digest('hex');
  return {
    'x-slack-signature': `v0=${sig}`,
    'x-slack-request-timestamp': ts,
    'content-type': contentTypeFor(body),
  };
}

export interface AppMentionOptions {
  teamId: string;
  channel: string;
  /** Mentioning user id (`U…`). */
  user: string;
  /**
   * Message text. If it does not already contain `<@botUserId>` the mention is prefixed
   * (`<@U0BOT> ` + text), because a real app_mention's text always contains it.
   */
  text: string;
  /** Message ts, e.g. "1700000100.000200". */
  ts: string;
  /** Set when the mention is a reply inside a thread. */
  threadTs?: string;
  /** Events API event id, e.g. "Ev0ABC123". Slack re-sends the same id on retries. */
  eventId: string;
  /** Top-level `is_ext_shared_channel` flag (Slack Connect channel). Default false. */
  isExtSharedChannel?: boolean;
  /** The app's bot user id; used for the mention and `authorizations[0].user_id`. */
  botUserId: string;
  /** Default "A0FAKEAPP1". */
  apiAppId?: string;
  /** Team of the mentioning user when it differs (Slack Connect): sets `user_team`/`source_team`. */
  userTeamId?: string;
  enterpriseId?: string | null;
  /** Default `floor(ts)`. */
  eventTime?: number;
  /** Legacy verification token field. Default "fake-verification-token". */
  verificationToken?: string;
}

export interface SlackEventEnvelope {
  token: string;
  team_id: string;
  context_team_id: string;
  context_enterprise_id: string | null;
  api_app_id: string;
  event: Record<string, unknown> & { type: string };
  type: 'event_callback';
  event_id: string;
  event_time: number;
  authorizations: {
    enterprise_id: string | null;
    team_id: string;
    user_id: string;
    is_bot: boolean;
    is_enterprise_install: boolean;
  }[];
  is_ext_shared_channel: boolean;
  event_context: string;
}

/** A realistic Events API `event_callback` envelope carrying an `app_mention`. */
export function appMentionEnvelope(o: AppMentionOptions): SlackEventEnvelope {
  const mention = `<@${o.botUserId}>`;
  const text = o.text.includes(mention) ? o.text : `${mention} ${o.text}`;
  const apiAppId = o.apiAppId ?? 'A0FAKEAPP1';
  const enterpriseId = o.enterpriseId ?? null;
  const userTeam = o.userTeamId ?? o.teamId;
  const event: SlackEventEnvelope['event'] = {
    user: o.user,
    type: 'app_mention',
    ts: o.ts,
    client_msg_id: randomUUID(),
    text,
    team: userTeam,
    ...(o.threadTs !== undefined ? { thread_ts: o.threadTs } : {}),
    blocks: [
      {
        type: 'rich_text',
        block_id: 'fake1',
        elements: [{ type: 'rich_text_section', elements: richTextElements(text) }],
      },
    ],
    channel: o.channel,
    event_ts: o.ts,
    ...(o.userTeamId !== undefined && o.userTeamId !== o.teamId ? { user_team: o.userTeamId, source_team: o.userTeamId } : {}),
  };
  const eventContext = Buffer.from(JSON.stringify({ tid: o.teamId, aid: apiAppId, cid: o.channel, eid: enterpriseId })).toString(
    'base64url',
  );
  return {
    token: o.verificationToken ?? 'fake-verification-token',
    team_id: o.teamId,
    context_team_id: o.teamId,
    context_enterprise_id: enterpriseId,
    api_app_id: apiAppId,
    event,
    type: 'event_callback',
    event_id: o.eventId,
    event_time: o.eventTime ?? Math.floor(Number(o.ts)),
    authorizations: [
      {
        enterprise_id: enterpriseId,
        team_id: o.teamId,
        user_id: o.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: o.isExtSharedChannel ?? false,
    event_context: `4-${eventContext}`,
  };
}

/** Split mrkdwn-ish text into rich_text elements (user mentions + plain text), as Slack's client does. */
function richTextElements(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const re = /<@([A-Z0-9]+)>/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) out.push({ type: 'text', text: text.slice(last, m.index) });
    out.push({ type: 'user', user_id: m[1] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ type: 'text', text: text.slice(last) });
  return out;
}

export interface SlashCommandOptions {
  teamId: string;
  channelId: string;
  userId: string;
  /** Default "/plainfra-report". */
  command?: string;
  text?: string;
  /** Default: a fresh "123.456.abcdef"-style id. */
  triggerId?: string;
  /** Where Bolt's `respond()` posts; point it at a local server to capture it. */
  responseUrl: string;
  teamDomain?: string;
  channelName?: string;
  userName?: string;
  apiAppId?: string;
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
  verificationToken?: string;
}

/** The form-urlencoded body Slack POSTs for a slash command (field order as Slack sends it). */
export function slashCommandBody(o: SlashCommandOptions): string {
  const p = new URLSearchParams();
  p.set('token', o.verificationToken ?? 'fake-verification-token');
  p.set('team_id', o.teamId);
  p.set('team_domain', o.teamDomain ?? 'fake-team');
  if (o.enterpriseId !== undefined) {
    p.set('enterprise_id', o.enterpriseId);
    p.set('enterprise_name', 'Fake Enterprise');
  }
  p.set('channel_id', o.channelId);
  p.set('channel_name', o.channelName ?? `channel-${o.channelId.toLowerCase()}`);
  p.set('user_id', o.userId);
  p.set('user_name', o.userName ?? `user-${o.userId.toLowerCase()}`);
  p.set('command', o.command ?? '/plainfra-report');
  p.set('text', o.text ?? '');
  p.set('api_app_id', o.apiAppId ?? 'A0FAKEAPP1');
  p.set('is_enterprise_install', String(o.isEnterpriseInstall ?? false));
  p.set('response_url', o.responseUrl);
  p.set('trigger_id', o.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomUUID().replace(/-/g, '')}`);
  return p.toString();
}

export interface PostSignedOptions {
  /** Sets `x-slack-retry-num` (Slack retries: 1, 2, 3). */
  retryNum?: number;
  /** Sets `x-slack-retry-reason`; default 'http_timeout' when retryNum is given. */
  retryReason?: string;
  /** Signing timestamp (seconds). Use an old one to test the 5-minute replay window. */
  timestampSec?: number;
  /** Sign with a wrong secret so verification fails. */
  badSignature?: boolean;
  /** Extra headers. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * POST `body` to the app like Slack would: objects are JSON-encoded, strings are sent verbatim
 * (JSON or form-urlencoded, content-type inferred), signed with `secret`.
 */
export async function postSignedEvent(url: string, secret: string, body: string | object, opts: PostSignedOptions = {}): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    ...signSlackRequest(opts.badSignature ? `${secret}-wrong` : secret, raw, opts.timestampSec),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...opts.headers,
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
  } else if (opts.retryReason !== undefined) {
    headers['x-slack-retry-reason'] = opts.retryReason;
  }
  return fetch(url, { method: 'POST', headers, body: raw, signal: opts.signal });
}
