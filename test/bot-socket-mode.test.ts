import type { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail } from '../src/audit/index.js';
import { loadConfig, type BotConfig } from '../src/config/index.js';
import { slackEvents, type Db } from '../src/db/index.js';
import type { Enqueuer } from '../src/queues/index.js';
import { runBot, type RunningBot } from '../src/workers/bot.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { appMentionEnvelope, slashCommandBody } from './fakes/slack-signing.js';
import { startFakeSocketMode, type FakeSocketConnection, type FakeSocketMode } from './fakes/slack-socket.js';
import { auditRowsOf, BOT_ID, BOT_USER, inProcessBotEnv, sentinelJobsFor, until } from './helpers/bot-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, uniquePrefix } from './helpers/redis.js';
import { openQueueProbes, type QueueProbes } from './helpers/queue-probes.js';

/**
 * The bot in Socket Mode, end to end without Slack: SLACK_APP_TOKEN and no signing secret, the fake
 * Web API answering apps.connections.open with the URL of a fake Socket Mode WebSocket server
 * (test/fakes/slack-socket.ts), real Bolt / @slack/socket-mode client, real Postgres and Redis.
 */

const TOKEN = 'xoxb-socket-test';
const APP_TOKEN = 'xapp-1-A0SOCKET-1234567890-socketmodeappleveltokensecret';
const TEAM = 'T0MAIN';
const BOUND = 'C0BOUND';
const ALICE = 'U0ALICE';

let tdb: TestDatabase;
let db: Db;
let slack: FakeSlack;
let socket: FakeSocketMode;
let bot: RunningBot | undefined;
let baseUrl: string;
let prefix: string;
let config: BotConfig;
let probes: QueueProbes;
let sentinelQueue: Queue;
let enqueuer: Enqueuer;
/** Every line the bot logged, at debug level (Bolt, socket-mode and web-api lines included). */
const logLines: string[] = [];

let seq = 0;
function mention(text: string) {
  seq += 1;
  const ts = `17100${String(seq).padStart(5, '0')}.000200`;
  const eventId = `Ev0SOCK${String(seq).padStart(4, '0')}`;
  const envelope = appMentionEnvelope({ teamId: TEAM, channel: BOUND, user: ALICE, text, ts, eventId, botUserId: BOT_USER });
  return { envelope, ts, eventId };
}

async function eventRow(eventId: string) {
  const [row] = await db.select().from(slackEvents).where(eq(slackEvents.eventId, eventId));
  return row;
}

async function metric(line: RegExp): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const hit = text.split('\n').find((l) => line.test(l));
  return hit ? Number(hit.split(' ').pop()) : 0;
}

function captureLogger(): Logger {
  return pino({ level: 'debug', base: { role: 'bot' } }, { write: (line: string) => void logLines.push(line) });
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.db;
  prefix = uniquePrefix();
  slack = await startFakeSlack({
    token: TOKEN,
    appToken: APP_TOKEN,
    teamId: TEAM,
    botUserId: BOT_USER,
    botId: BOT_ID,
    channels: { [BOUND]: { name: 'ops' } },
  });
  socket = await startFakeSocketMode(slack);

  await addAccount(db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
  await bindChannel(db, { teamId: TEAM, channelId: BOUND, accountName: 'prod' });

  config = loadConfig(
    'bot',
    inProcessBotEnv({ databaseUrl: tdb.url, prefix, slackUrl: slack.url, botToken: TOKEN, transport: { SLACK_APP_TOKEN: APP_TOKEN } }),
  );
  expect(config.SLACK_SIGNING_SECRET).toBeUndefined();
  bot = await runBot(config, captureLogger());
  baseUrl = `http://127.0.0.1:${bot.port}`;

  probes = openQueueProbes(prefix);
  ({ sentinelQueue, enqueuer } = probes);
});

afterAll(async () => {
  await bot?.close();
  await probes?.close();
  await socket?.close();
  await slack?.close();
  await tdb?.drop();
  if (prefix) await dropPrefix(prefix);
});

describe('bot › Socket Mode', () => {
  let first: ReturnType<typeof mention>;
  let conversationId: string;
  let turnId: string;

  it('connects through SLACK_API_URL: apps.connections.open with the app token, then hello', async () => {
    const opens = slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.ok).toBe(true);
    expect(opens[0]!.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    // The app token is used for nothing else, and the bot token not for apps.connections.open.
    expect(slack.calls.filter((c) => c.token === APP_TOKEN).map((c) => c.method)).toEqual(['apps.connections.open']);
    const conn = await socket.waitForConnection(1);
    expect(conn.open).toBe(true);
    expect(String(opens[0]!.response.url)).toContain(conn.ticket);
  });

  it('acks an app_mention pushed over the socket, audits one message_in and enqueues one sentinel job', async () => {
    first = mention('what did EC2 cost last week?');
    const envelopeId = socket.pushEvent(first.envelope);
    const ack = await socket.waitForAck(envelopeId);
    expect(ack.raw).toEqual({ envelope_id: envelopeId, payload: {} });

    // Bolt acks Socket Mode events before the listener runs: wait for intake to commit.
    const ev = await until('slack_events row', () => eventRow(first.eventId));
    conversationId = ev.conversationId;
    turnId = ev.turnId!;
    const trail = await readTrail(db, conversationId);
    expect(trail.map((r) => r.kind)).toEqual(['message_in']);
    expect(String(trail[0]!.id)).toBe(turnId);
    expect(trail[0]!.payload).toMatchObject({
      text: 'what did EC2 cost last week?',
      user: ALICE,
      channel: BOUND,
      team: TEAM,
      ts: first.ts,
      event_id: first.eventId,
      source: 'app_mention',
      externally_shared: false,
      accounts: ['prod'],
    });
    expect(
      await until(
        'sentinel job',
        async () => (await sentinelJobsFor(sentinelQueue, conversationId)).length > 0 && sentinelJobsFor(sentinelQueue, conversationId),
      ),
    ).toEqual([{ conversationId, turnId, step: 0 }]);
    expect(await sentinelQueue.getJob(`s-${turnId}-0`)).toBeDefined();

    // Progress goes out through the bot's Web API client, at the fake.
    const reaction = await slack.waitFor('reactions.add', (c) => c.args.timestamp === first.ts);
    expect(reaction.token).toBe(TOKEN);
  });

  it('answers a redelivery (retry_attempt 1) once: acked, no second message_in, no second job', async () => {
    const dropped = await metric(/^plainfra_bot_retries_received_total\{type="app_mention"\}/);
    const envelopeId = socket.pushEvent(first.envelope, { retryAttempt: 1, retryReason: 'timeout' });
    expect((await socket.waitForAck(envelopeId)).raw).toEqual({ envelope_id: envelopeId, payload: {} });
    // The listener has run once the retry is counted (its add joins the queued question).
    await until('retry counted', async () => (await metric(/^plainfra_bot_retries_received_total\{type="app_mention"\}/)) === dropped + 1);
    expect(await auditRowsOf(db, conversationId, 'message_in')).toHaveLength(1);
    expect(await sentinelJobsFor(sentinelQueue, conversationId)).toHaveLength(1);
  });

  it('posts a replies job through the fake Web API in the question thread', async () => {
    await enqueuer.add('replies', { conversationId, turnId, text: 'EC2 cost *$12.34* last week.', outcome: 'answer' });
    const post = await slack.waitFor('chat.postMessage', (c) => c.args.channel === BOUND && c.args.thread_ts === first.ts, 8_000);
    expect(post.token).toBe(TOKEN);
    expect(post.args.text).toBe('EC2 cost *$12.34* last week.');
    const [out] = await until('message_out', async () => {
      const rows = await auditRowsOf(db, conversationId, 'message_out');
      return rows.length > 0 && rows;
    });
    expect(out!.payload).toMatchObject({ outcome: 'answer', channel: BOUND, thread_ts: first.ts, ts: post.response.ts });
  });

  it('acks /plainfra-report pushed as a slash_commands envelope with the ephemeral answer', async () => {
    const triggerId = '1710000000.123.abcdef';
    const payload = Object.fromEntries(
      new URLSearchParams(
        slashCommandBody({
          teamId: TEAM,
          channelId: BOUND,
          userId: ALICE,
          text: 'cost 30d',
          responseUrl: `${slack.origin}/commands/1`,
          triggerId,
        }),
      ),
    );
    const envelopeId = socket.pushCommand(payload);
    const ack = await socket.waitForAck(envelopeId);
    expect(ack.raw).toMatchObject({ envelope_id: envelopeId, payload: { response_type: 'ephemeral' } });
    expect((ack.raw as { payload: { text: string } }).payload.text).toMatch(/^Working on it \(cost 30d\)/);
    const ev = await eventRow(`trigger:${triggerId}`);
    expect(ev).toBeDefined();
    expect((await auditRowsOf(db, ev!.conversationId, 'message_in'))[0]!.payload).toMatchObject({
      source: 'slash_command',
      report: true,
      report_request: { what: 'cost', period: '30d' },
    });
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(1);
  });

  it('still serves /healthz and /metrics, and has no HTTP endpoint for Slack', async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });
    expect(await metric(/^plainfra_bot_events_received_total\{type="app_mention"\}/)).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${baseUrl}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('reconnects when Slack sends disconnect: new apps.connections.open, new socket, events flow again', async () => {
    const conn1 = socket.connections[0]!;
    socket.disconnect('refresh_requested', conn1);
    expect(await socket.waitForClose(conn1)).toMatchObject({ code: 1000, by: 'client' });
    // The client waits clientPingTimeout (5 s) before its first reconnect attempt.
    const conn2 = await socket.waitForConnection(2, 12_000);
    expect(slack.callsTo('apps.connections.open').filter((c) => c.ok)).toHaveLength(2);

    const m = mention('and S3?');
    const envelopeId = socket.pushEvent(m.envelope, { connection: conn2 });
    expect((await socket.waitForAck(envelopeId)).connectionId).toBe(conn2.id);
    const ev = await until('slack_events row after reconnect', () => eventRow(m.eventId));
    expect(await sentinelJobsFor(sentinelQueue, ev.conversationId)).toHaveLength(1);
  }, 20_000);

  it('close() disconnects cleanly: close frame 1000 answered, no reconnect', async () => {
    const open = socket.connections.filter((c) => c.open);
    expect(open).toHaveLength(1);
    const conn: FakeSocketConnection = open[0]!;
    const opens = slack.callsTo('apps.connections.open').length;
    await bot!.close();
    bot = undefined;
    // close() returns after the handshake, not merely after sending the close frame.
    expect(conn.closed).toEqual({ code: 1000, reason: '', by: 'client' });
    await new Promise((r) => setTimeout(r, 300));
    expect(socket.connections.every((c) => !c.open)).toBe(true);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(opens);
  });

  it('never logged the app token or the bot token (debug level)', () => {
    const all = logLines.join('');
    expect(all).toMatch(/"mode":"socket"/);
    expect(all).toContain('apps.connections.open');
    expect(all).not.toContain(APP_TOKEN);
    expect(all).not.toContain('socketmodeappleveltokensecret');
    expect(all).not.toContain(TOKEN);
  });

  it('app.stop() resolves only after the WebSocket close handshake (Bolt alone resolves before it)', async () => {
    const { createSlackApp } = await import('../src/bot/index.js');
    const slackApp = await createSlackApp(config, pino({ level: 'silent' }));
    const before = socket.connections.length;
    await slackApp.app.start();
    const conn = await socket.waitForConnection(before + 1);
    expect(conn.open).toBe(true);
    await slackApp.app.stop();
    expect(conn.closed).toEqual({ code: 1000, reason: '', by: 'client' });
  });

  it('refuses to start with an app token Slack rejects, saying what to check', async () => {
    const wrong = { ...config, SLACK_APP_TOKEN: 'xapp-1-wrong' };
    await expect(runBot(wrong, pino({ level: 'silent' }))).rejects.toThrow(
      /Socket Mode could not connect \(invalid_auth\): check SLACK_APP_TOKEN/,
    );
    expect(slack.callsTo('apps.connections.open').at(-1)!.response.error).toBe('invalid_auth');
  });
});
