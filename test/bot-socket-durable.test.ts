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
import { waitFor } from './helpers/processes.js';

/**
 * Socket Mode loses nothing. The listener acks once the question is queued in Redis (one round trip);
 * the bot's intake worker records it in Postgres after. So:
 *  - Postgres down for a minute while a mention arrives: the envelope is acked at once (the question
 *    is durable in Redis), and recorded once, queued once when Postgres is back;
 *  - Redis unreachable: nothing is durable, so the envelope stays unacked and the listener is retried
 *    until Redis is back, then acked and recorded once.
 * Each outage is for the bot alone, through a TCP proxy it connects through (the shared Postgres and
 * Redis serve other test files meanwhile).
 */

const TOKEN = 'xoxb-durable';
const APP_TOKEN = 'xapp-1-A0DURABLE-1-durable';
const TEAM = 'T0DURABLE';
const CHANNEL = 'C0DURABLE';
const OUTAGE_MS = 60_000;
const REDIS_OUTAGE_MS = 15_000;

describe('bot › Socket Mode › outages', () => {
  let tdb: TestDatabase;
  let slack: FakeSlack;
  let socket: FakeSocketMode;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let bot: RunningBot | undefined;
  let probes: QueueProbes;
  let prefix: string;
  const logs: string[] = [];

  const recorded = (eventId: string) => tdb.db.select().from(slackEvents).where(eq(slackEvents.eventId, eventId));
  const messageIns = (eventId: string) =>
    tdb.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.kind, 'message_in'))
      .then((rows) => rows.filter((r) => (r.payload as { event_id?: string }).event_id === eventId));

  beforeAll(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix();
    await addAccount(tdb.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
    await bindChannel(tdb.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    slack = await startFakeSlack({ token: TOKEN, appToken: APP_TOKEN, teamId: TEAM, botUserId: 'U0PLAINFRA', botId: 'B0PLAINFRA' });
    socket = await startFakeSocketMode(slack);
    const pgUrl = new URL(tdb.url);
    pgProxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    pgUrl.host = `127.0.0.1:${pgProxy.port}`;
    const redisUrl = new URL(REDIS_URL);
    redisProxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    redisUrl.host = `127.0.0.1:${redisProxy.port}`;
    const config = loadConfig('bot', {
      DATABASE_URL: pgUrl.toString(),
      REDIS_URL: redisUrl.toString(),
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
    pgProxy?.restore();
    redisProxy?.restore();
    await bot?.close();
    await probes?.close();
    await socket?.close();
    await slack?.close();
    await pgProxy?.close();
    await redisProxy?.close();
    await tdb?.drop();
    if (prefix) await dropPrefix(prefix);
  });

  it(
    'acks a mention at once while Postgres is down for a minute, then records it once and queues it once',
    async () => {
      const envelope = appMentionEnvelope({
        teamId: TEAM,
        channel: CHANNEL,
        user: 'U0ALICE',
        text: '<@U0PLAINFRA> what did S3 cost?',
        ts: '1764100000.000100',
        eventId: 'Ev0DURABLE1',
        botUserId: 'U0PLAINFRA',
      });
      pgProxy.cut();
      const started = Date.now();
      const first = socket.pushEvent(envelope);
      // Durable in Redis: acked although Postgres is unreachable.
      const ack = await socket.waitForAck(first, 5_000);
      expect(ack.raw).toEqual({ envelope_id: first, payload: {} });
      // A redelivery during the outage is acked too and becomes no second question.
      const retry = socket.pushEvent(envelope, { retryAttempt: 1, retryReason: 'timeout' });
      await socket.waitForAck(retry, 5_000);
      await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - started)));
      expect(logs.join('')).toContain('intake failed; retrying with back-off');
      expect(await probes.sentinelQueue.getJobs(['waiting', 'active', 'delayed', 'completed'])).toEqual([]);

      pgProxy.restore();
      // The intake job's back-off doubles to 32 s around the one-minute mark.
      const rows = await waitFor(
        async () => ((await recorded('Ev0DURABLE1')).length ? recorded('Ev0DURABLE1') : undefined),
        60_000,
        'the question recorded',
      );
      expect(rows).toHaveLength(1);
      await waitFor(
        async () => ((await probes.sentinelQueue.getJobs(['waiting', 'active', 'delayed', 'completed'])).length ? true : undefined),
        10_000,
        'the sentinel job',
      );
      const ins = await messageIns('Ev0DURABLE1');
      expect(ins).toHaveLength(1);
      expect(ins[0]!.payload).toMatchObject({ text: 'what did S3 cost?', event_id: 'Ev0DURABLE1', channel: CHANNEL });
      const jobs = await probes.sentinelQueue.getJobs(['waiting', 'active', 'delayed', 'completed']);
      expect(jobs.map((j) => j.id)).toEqual([`s-${ins[0]!.id}-0`]);
    },
    OUTAGE_MS + 90_000,
  );

  it(
    'holds a mention unacked while Redis is unreachable, then acks it and records it once',
    async () => {
      const envelope = appMentionEnvelope({
        teamId: TEAM,
        channel: CHANNEL,
        user: 'U0ALICE',
        text: '<@U0PLAINFRA> and RDS?',
        ts: '1764100000.000300',
        eventId: 'Ev0DURABLE3',
        botUserId: 'U0PLAINFRA',
      });
      redisProxy.cut();
      const id = socket.pushEvent(envelope);
      await new Promise((r) => setTimeout(r, REDIS_OUTAGE_MS));
      expect(
        socket.acks.filter((a) => a.envelopeId === id),
        'nothing acked while not durable',
      ).toEqual([]);
      expect(logs.join('')).toContain('Socket Mode event not durable yet (intake failed); holding it unacked and retrying');

      redisProxy.restore();
      await socket.waitForAck(id, 30_000);
      await waitFor(async () => ((await messageIns('Ev0DURABLE3')).length ? true : undefined), 30_000, 'the question recorded');
      expect(await messageIns('Ev0DURABLE3')).toHaveLength(1);
    },
    REDIS_OUTAGE_MS + 90_000,
  );

  it('acks at once when everything is up, and the question is recorded right after', async () => {
    const envelope = appMentionEnvelope({
      teamId: TEAM,
      channel: CHANNEL,
      user: 'U0ALICE',
      text: '<@U0PLAINFRA> and EC2?',
      ts: '1764100000.000200',
      eventId: 'Ev0DURABLE2',
      botUserId: 'U0PLAINFRA',
    });
    const id = socket.pushEvent(envelope);
    await socket.waitForAck(id, 5_000);
    await waitFor(async () => ((await recorded('Ev0DURABLE2')).length ? true : undefined), 10_000, 'the question recorded');
    expect(await recorded('Ev0DURABLE2')).toHaveLength(1);
  });
});
