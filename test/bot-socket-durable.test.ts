import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { loadConfig } from '../src/config/index.js';
import { auditEvents, slackEvents } from '../src/db/index.js';
import { runBot, type RunningBot } from '../src/workers/bot.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { appMentionEnvelope } from './fakes/slack-signing.js';
import { startFakeSocketMode, type FakeSocketMode } from './fakes/slack-socket.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { openQueueProbes, type QueueProbes } from './helpers/queue-probes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

/**
 * Socket Mode loses nothing when intake fails: with Postgres unreachable for a minute while a mention
 * arrives over the socket, the envelope stays unacked and intake is retried; once Postgres is back the
 * question is recorded once, queued once, and only then acked. Postgres is "stopped" for the bot alone
 * through a TCP proxy it connects through (the shared Postgres serves other test files meanwhile).
 */

const TOKEN = 'xoxb-durable';
const APP_TOKEN = 'xapp-1-A0DURABLE-1-durable';
const TEAM = 'T0DURABLE';
const CHANNEL = 'C0DURABLE';
const OUTAGE_MS = 60_000;

describe('bot › Socket Mode › intake failure', () => {
  let tdb: TestDatabase;
  let slack: FakeSlack;
  let socket: FakeSocketMode;
  let proxy: TcpProxy;
  let bot: RunningBot | undefined;
  let probes: QueueProbes;
  let prefix: string;
  const logs: string[] = [];

  beforeAll(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix();
    await addAccount(tdb.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
    await bindChannel(tdb.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    slack = await startFakeSlack({ token: TOKEN, appToken: APP_TOKEN, teamId: TEAM, botUserId: 'U0PLAINFRA', botId: 'B0PLAINFRA' });
    socket = await startFakeSocketMode(slack);
    const pgUrl = new URL(tdb.url);
    proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    pgUrl.host = `127.0.0.1:${proxy.port}`;
    const config = loadConfig('bot', {
      DATABASE_URL: pgUrl.toString(),
      REDIS_URL,
      PLAINFRA_QUEUE_PREFIX: prefix,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: slack.url,
      SLACK_BOT_ID: 'B0PLAINFRA',
      SLACK_BOT_USER_ID: 'U0PLAINFRA',
      PORT: '0',
    });
    bot = await runBot(config, pino({ level: 'info' }, { write: (l: string) => void logs.push(l) }));
    await socket.waitForConnection(1);
    probes = openQueueProbes(prefix);
  });

  afterAll(async () => {
    proxy?.restore();
    await bot?.close();
    await probes?.close();
    await socket?.close();
    await slack?.close();
    await proxy?.close();
    await tdb?.drop();
    if (prefix) await dropPrefix(prefix);
  });

  it('holds a mention unacked while Postgres is down for a minute, then records it once, queues it once and acks it', async () => {
    const envelope = appMentionEnvelope({ teamId: TEAM, channel: CHANNEL, user: 'U0ALICE', text: '<@U0PLAINFRA> what did S3 cost?', ts: '1764100000.000100', eventId: 'Ev0DURABLE1', botUserId: 'U0PLAINFRA' });
    proxy.cut();
    const started = Date.now();
    const first = socket.pushEvent(envelope);
    // Slack redelivers an unacked envelope (retry_attempt 1) while Postgres is still down.
    await new Promise((r) => setTimeout(r, 4_000));
    const retry = socket.pushEvent(envelope, { retryAttempt: 1, retryReason: 'timeout' });
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - started)));
    expect(socket.acks.filter((a) => a.envelopeId === first || a.envelopeId === retry), 'nothing acked while not durable').toEqual([]);
    expect(logs.join('')).toContain('Socket Mode event not durable yet (intake failed); holding it unacked and retrying');

    proxy.restore();
    const [ack1, ack2] = await Promise.all([socket.waitForAck(first, 20_000), socket.waitForAck(retry, 20_000)]);
    expect(ack1.raw).toEqual({ envelope_id: first, payload: {} });
    expect(ack2.raw).toEqual({ envelope_id: retry, payload: {} });

    const rows = await tdb.db.select().from(slackEvents).where(eq(slackEvents.eventId, 'Ev0DURABLE1'));
    expect(rows).toHaveLength(1);
    const ins = await tdb.db.select().from(auditEvents).where(eq(auditEvents.kind, 'message_in'));
    expect(ins).toHaveLength(1);
    expect(ins[0]!.payload).toMatchObject({ text: 'what did S3 cost?', event_id: 'Ev0DURABLE1', channel: CHANNEL });
    const jobs = await probes.sentinelQueue.getJobs(['waiting', 'active', 'delayed', 'completed']);
    expect(jobs.map((j) => j.id)).toEqual([`s-${ins[0]!.id}-0`]);
  }, OUTAGE_MS + 60_000);

  it('acks at once, after intake, when Postgres is up', async () => {
    const envelope = appMentionEnvelope({ teamId: TEAM, channel: CHANNEL, user: 'U0ALICE', text: '<@U0PLAINFRA> and EC2?', ts: '1764100000.000200', eventId: 'Ev0DURABLE2', botUserId: 'U0PLAINFRA' });
    const id = socket.pushEvent(envelope);
    await socket.waitForAck(id, 5_000);
    // Acked means durable: the row is there the moment the ack is.
    expect(await tdb.db.select().from(slackEvents).where(eq(slackEvents.eventId, 'Ev0DURABLE2'))).toHaveLength(1);
  });
});
