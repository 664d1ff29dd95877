import { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail } from '../src/audit/index.js';
import { loadConfig } from '../src/config/index.js';
import { auditEvents, conversations, slackEvents, type Db } from '../src/db/index.js';
import { createLogger } from '../src/log/index.js';
import type { Enqueuer, ReplyJob } from '../src/queues/index.js';
import { runBot, type RunningBot } from '../src/workers/bot.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from './fakes/slack.js';
import { appMentionEnvelope, postSignedEvent, slashCommandBody } from './fakes/slack-signing.js';
import { auditRowsOf, BOT_ID, BOT_USER, inProcessBotEnv, jobsIn, sentinelJobsFor, until } from './helpers/bot-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { openQueueProbes, type QueueProbes } from './helpers/queue-probes.js';

/**
 * The bot in-process against a fake Slack Web API, a fresh Postgres database and real Redis, driven
 * by requests signed exactly as Slack signs them.
 */

const SECRET = 'bot-test-signing-secret';
const TOKEN = 'xoxb-bot-test';
const TEAM = 'T0MAIN';
const BARE_TEAM = 'T0BARE';
const BOUND = 'C0BOUND';
const SHARED_EXPLICIT = 'C0SHAREDX';
const SHARED_DEFAULT_ONLY = 'C0SHAREDD';
const UNBOUND = 'C0NOBIND';
const ALICE = 'U0ALICE';
/** A self-hosted docs site: the bot must keep its links, and only its links besides AWS's. */
const DOCS_URL = 'https://handbook.example.org/aws';

let tdb: TestDatabase;
let db: Db;
let slack: FakeSlack;
let bot: RunningBot;
let eventsUrl: string;
let baseUrl: string;
let prefix: string;
let probes: QueueProbes;
let sentinelQueue: Queue;
let intakeQueue: Queue;
let repliesQueue: Queue;
let enqueuer: Enqueuer;

let seq = 0;
/** Unique ts / event ids per test so tests do not see each other's rows. */
function nextIds() {
  seq += 1;
  return { ts: `17000${String(seq).padStart(5, '0')}.000100`, eventId: `Ev0TEST${String(seq).padStart(4, '0')}` };
}

function mention(o: { channel: string; text: string; team?: string; threadTs?: string; shared?: boolean; userTeam?: string }) {
  const ids = nextIds();
  const envelope = appMentionEnvelope({
    teamId: o.team ?? TEAM,
    channel: o.channel,
    user: ALICE,
    text: o.text,
    ts: ids.ts,
    threadTs: o.threadTs,
    eventId: ids.eventId,
    botUserId: BOT_USER,
    isExtSharedChannel: o.shared,
    userTeamId: o.userTeam,
  });
  return { envelope, ...ids };
}

/**
 * The listener acks once the question is queued; the bot's intake worker records it just after.
 * Waits for that (the intake job completed), then reads the delivery's slack_events row.
 */
async function eventRow(eventId: string) {
  // No intake job at all (rejected request, ignored message, slash command): nothing to wait for.
  await until(`intake of ${eventId}`, async () =>
    ['completed', 'unknown'].includes(await intakeQueue.getJobState(`i-app_mention-${eventId}`)),
  );
  const [row] = await db.select().from(slackEvents).where(eq(slackEvents.eventId, eventId));
  return row;
}

function postsTo(channel: string, predicate: (c: SlackCall) => boolean = () => true): SlackCall[] {
  return slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && predicate(c));
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.db;
  prefix = uniquePrefix();
  slack = await startFakeSlack({
    token: TOKEN,
    teamId: TEAM,
    botUserId: BOT_USER,
    botId: BOT_ID,
    channels: {
      [BOUND]: { name: 'ops' },
      [SHARED_EXPLICIT]: { name: 'shared-x', is_ext_shared: true },
      [SHARED_DEFAULT_ONLY]: { name: 'shared-d', is_ext_shared: true },
    },
  });

  await addAccount(db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
  await addAccount(db, { teamId: TEAM, name: 'sandbox', roleArn: 'arn:aws:iam::222222222222:role/plainfra-readonly' });
  await bindChannel(db, { teamId: TEAM, channelId: BOUND, accountName: 'prod' });
  await bindChannel(db, { teamId: TEAM, channelId: '*', accountName: 'sandbox' });
  await bindChannel(db, { teamId: TEAM, channelId: SHARED_EXPLICIT, accountName: 'prod' });
  await addAccount(db, { teamId: BARE_TEAM, name: 'lonely', roleArn: 'arn:aws:iam::333333333333:role/plainfra-readonly' });

  const config = loadConfig('bot', {
    ...inProcessBotEnv({
      databaseUrl: tdb.url,
      prefix,
      slackUrl: slack.url,
      botToken: TOKEN,
      transport: { SLACK_SIGNING_SECRET: SECRET },
    }),
    PLAINFRA_DOCS_URL: DOCS_URL,
  });
  bot = await runBot(config, createLogger('bot', process.env.TEST_LOG_LEVEL ?? 'silent'));
  baseUrl = `http://127.0.0.1:${bot.port}`;
  eventsUrl = `${baseUrl}/slack/events`;

  probes = openQueueProbes(prefix);
  ({ sentinelQueue, repliesQueue, enqueuer } = probes);
  intakeQueue = new Queue('intake', { connection: { url: REDIS_URL }, prefix });
});

afterAll(async () => {
  await intakeQueue?.close();
  await bot?.close();
  await probes?.close();
  await slack?.close();
  await tdb?.drop();
  if (prefix) await dropPrefix(prefix);
});

describe('bot › app_mention intake', () => {
  it('acks a signed mention, audits message_in with the question and enqueues one sentinel job', async () => {
    const m = mention({ channel: BOUND, text: 'what did EC2 cost last week?' });
    const res = await postSignedEvent(eventsUrl, SECRET, m.envelope);
    expect(res.status).toBe(200);

    const ev = await eventRow(m.eventId);
    expect(ev).toBeDefined();
    const trail = await readTrail(db, ev!.conversationId);
    expect(trail.map((r) => r.kind)).toEqual(['message_in']);
    expect(String(trail[0]!.id)).toBe(ev!.turnId);
    expect(trail[0]!.actor).toBe('bot');
    expect(trail[0]!.payload).toMatchObject({
      text: 'what did EC2 cost last week?',
      user: ALICE,
      channel: BOUND,
      team: TEAM,
      ts: m.ts,
      thread_ts: null,
      event_id: m.eventId,
      externally_shared: false,
      accounts: ['prod', 'sandbox'],
    });
    const [conversation] = await db.select().from(conversations).where(eq(conversations.id, ev!.conversationId));
    expect(conversation).toMatchObject({ teamId: TEAM, channelId: BOUND, threadTs: m.ts, startedBy: ALICE });

    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toEqual([
      { conversationId: ev!.conversationId, turnId: ev!.turnId, step: 0 },
    ]);
    const job = await sentinelQueue.getJob(`s-${ev!.turnId}-0`);
    expect(job).toBeDefined();
  });

  it('shows progress on the question: hourglass reaction and assistant status', async () => {
    const m = mention({ channel: BOUND, text: 'any open critical findings?' });
    expect((await postSignedEvent(eventsUrl, SECRET, m.envelope)).status).toBe(200);
    const reaction = await slack.waitFor('reactions.add', (c) => c.args.timestamp === m.ts);
    expect(reaction.args).toMatchObject({ channel: BOUND, name: 'hourglass_flowing_sand' });
    const status = await slack.waitFor('assistant.threads.setStatus', (c) => c.args.thread_ts === m.ts);
    expect(status.args.channel_id).toBe(BOUND);
  });

  it('answers a retried event once: same event_id three times → one message_in, one job', async () => {
    const m = mention({ channel: BOUND, text: 'how many running instances?' });
    const statuses = [];
    statuses.push((await postSignedEvent(eventsUrl, SECRET, m.envelope)).status);
    statuses.push((await postSignedEvent(eventsUrl, SECRET, m.envelope, { retryNum: 1 })).status);
    statuses.push((await postSignedEvent(eventsUrl, SECRET, m.envelope, { retryNum: 2, retryReason: 'http_error' })).status);
    expect(statuses).toEqual([200, 200, 200]);

    const ev = await eventRow(m.eventId);
    expect(await auditRowsOf(db, ev!.conversationId, 'message_in')).toHaveLength(1);
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(1);
    expect(await db.select().from(conversations).where(eq(conversations.threadTs, m.ts))).toHaveLength(1);
  });

  it('answers concurrent duplicate deliveries once', async () => {
    const m = mention({ channel: BOUND, text: 'what is our S3 spend?' });
    const statuses = await Promise.all(
      [0, 1, 2].map((n) => postSignedEvent(eventsUrl, SECRET, m.envelope, n ? { retryNum: n } : {}).then((r) => r.status)),
    );
    expect(statuses).toEqual([200, 200, 200]);
    const ev = await eventRow(m.eventId);
    expect(await auditRowsOf(db, ev!.conversationId, 'message_in')).toHaveLength(1);
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(1);
  });

  it('treats a mention inside a thread as a follow-up of the same conversation', async () => {
    const first = mention({ channel: BOUND, text: 'list my RDS instances' });
    await postSignedEvent(eventsUrl, SECRET, first.envelope);
    const followUp = mention({ channel: BOUND, text: 'and their storage size?', threadTs: first.ts });
    expect((await postSignedEvent(eventsUrl, SECRET, followUp.envelope)).status).toBe(200);

    const a = await eventRow(first.eventId);
    const b = await eventRow(followUp.eventId);
    expect(b!.conversationId).toBe(a!.conversationId);
    expect(b!.turnId).not.toBe(a!.turnId);
    const ins = await auditRowsOf(db, a!.conversationId, 'message_in');
    expect(ins.map((r) => (r.payload as { text: string }).text)).toEqual(['list my RDS instances', 'and their storage size?']);
    expect((ins[1]!.payload as { thread_ts: string }).thread_ts).toBe(first.ts);
    expect(await sentinelJobsFor(sentinelQueue, a!.conversationId)).toHaveLength(2);
  });

  it('rejects a bad signature with 401: no job, no audit row', async () => {
    const m = mention({ channel: BOUND, text: 'forged question' });
    const res = await postSignedEvent(eventsUrl, SECRET, m.envelope, { badSignature: true });
    expect(res.status).toBe(401);
    expect(await eventRow(m.eventId)).toBeUndefined();
    expect(await db.select().from(conversations).where(eq(conversations.threadTs, m.ts))).toHaveLength(0);
  });

  it('rejects a request signed 6 minutes ago with 401', async () => {
    const m = mention({ channel: BOUND, text: 'replayed question' });
    const res = await postSignedEvent(eventsUrl, SECRET, m.envelope, { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
    expect(await eventRow(m.eventId)).toBeUndefined();
  });

  it('rejects a request signed 6 minutes in the future with 401 (Bolt alone would accept it)', async () => {
    const m = mention({ channel: BOUND, text: 'question from the future' });
    const res = await postSignedEvent(eventsUrl, SECRET, m.envelope, { timestampSec: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(res.status).toBe(401);
    expect(await eventRow(m.eventId)).toBeUndefined();
  });

  it('accepts a request signed 4 minutes ago', async () => {
    const m = mention({ channel: BOUND, text: 'slightly late delivery' });
    const res = await postSignedEvent(eventsUrl, SECRET, m.envelope, { timestampSec: Math.floor(Date.now() / 1000) - 4 * 60 });
    expect(res.status).toBe(200);
    expect(await eventRow(m.eventId)).toBeDefined();
  });

  it('replies in the thread how to bind an unbound channel, audits the refusal and enqueues no sentinel job', async () => {
    const m = mention({ channel: UNBOUND, team: BARE_TEAM, text: 'what are my costs?' });
    expect((await postSignedEvent(eventsUrl, SECRET, m.envelope)).status).toBe(200);

    const post = await slack.waitFor('chat.postMessage', (c) => c.args.channel === UNBOUND);
    expect(post.args.thread_ts).toBe(m.ts);
    expect(String(post.args.text)).toContain(`plainfra channels bind --team ${BARE_TEAM} --channel ${UNBOUND} --account NAME`);

    const ev = await eventRow(m.eventId);
    const trail = await until('message_out', async () => {
      const t = await readTrail(db, ev!.conversationId);
      return t.some((r) => r.kind === 'message_out') && t;
    });
    expect(trail.map((r) => r.kind)).toEqual(['message_in', 'refused', 'message_out']);
    expect(trail[1]!.payload).toMatchObject({ reason: 'channel_not_bound' });
    expect(trail[2]!.payload).toMatchObject({ outcome: 'refused', thread_ts: m.ts });
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(0);

    // Slack retrying the same delivery does not post the help twice.
    await postSignedEvent(eventsUrl, SECRET, m.envelope, { retryNum: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(postsTo(UNBOUND, (c) => c.args.thread_ts === m.ts)).toHaveLength(1);
  });

  it('refuses a Slack Connect channel covered only by the workspace default binding', async () => {
    const m = mention({ channel: SHARED_DEFAULT_ONLY, text: 'show me prod costs', shared: true });
    expect((await postSignedEvent(eventsUrl, SECRET, m.envelope)).status).toBe(200);
    const post = await slack.waitFor('chat.postMessage', (c) => c.args.channel === SHARED_DEFAULT_ONLY && c.args.thread_ts === m.ts);
    expect(String(post.args.text)).toMatch(/Slack Connect/);
    expect(String(post.args.text)).toContain(`plainfra channels bind --team ${TEAM} --channel ${SHARED_DEFAULT_ONLY}`);
    const ev = await eventRow(m.eventId);
    expect((await auditRowsOf(db, ev!.conversationId, 'refused'))[0]!.payload).toMatchObject({ reason: 'slack_connect_not_bound' });
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(0);
  });

  it('refuses a mention from a user of another organisation even without the envelope flag', async () => {
    const m = mention({ channel: SHARED_DEFAULT_ONLY, text: 'show me prod costs', userTeam: 'T0PARTNER' });
    expect((await postSignedEvent(eventsUrl, SECRET, m.envelope)).status).toBe(200);
    const ev = await eventRow(m.eventId);
    expect((await auditRowsOf(db, ev!.conversationId, 'refused'))[0]!.payload).toMatchObject({ reason: 'slack_connect_not_bound' });
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(0);
  });

  it('accepts a Slack Connect channel that is bound explicitly, scoped to that binding only', async () => {
    const m = mention({ channel: SHARED_EXPLICIT, text: 'show me prod costs', shared: true });
    expect((await postSignedEvent(eventsUrl, SECRET, m.envelope)).status).toBe(200);
    const ev = await eventRow(m.eventId);
    const [messageIn] = await auditRowsOf(db, ev!.conversationId, 'message_in');
    expect(messageIn!.payload).toMatchObject({ externally_shared: true, accounts: ['prod'] });
    expect(await auditRowsOf(db, ev!.conversationId, 'refused')).toHaveLength(0);
    // hawk and the sentinel scope the conversation from this flag: it must be stored.
    const [conv] = await db.select().from(conversations).where(eq(conversations.id, ev!.conversationId));
    expect(conv!.externallyShared).toBe(true);
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(1);
  });

  it('ignores mentions posted by bots and edited messages', async () => {
    const fromBot = mention({ channel: BOUND, text: 'bot says hi' });
    Object.assign(fromBot.envelope.event, { bot_id: 'B0OTHER', subtype: 'bot_message' });
    const edited = mention({ channel: BOUND, text: 'edited question' });
    Object.assign(edited.envelope.event, { edited: { user: ALICE, ts: '1700000999.000100' } });
    expect((await postSignedEvent(eventsUrl, SECRET, fromBot.envelope)).status).toBe(200);
    expect((await postSignedEvent(eventsUrl, SECRET, edited.envelope)).status).toBe(200);
    expect(await eventRow(fromBot.eventId)).toBeUndefined();
    expect(await eventRow(edited.eventId)).toBeUndefined();
  });

  it('acks before Postgres and records the question once Postgres works again (the intake job retries)', async () => {
    const m = mention({ channel: BOUND, text: 'question during an outage' });
    // Break the dedupe table for a moment: the intake transaction fails after the ack.
    await db.execute(`ALTER TABLE slack_events RENAME TO slack_events_away` as never);
    try {
      expect((await postSignedEvent(eventsUrl, SECRET, m.envelope)).status).toBe(200);
      await until(
        'a failed intake attempt',
        async () => ((await intakeQueue.getJob(`i-app_mention-${m.eventId}`))?.attemptsMade ?? 0) >= 1,
      );
    } finally {
      await db.execute(`ALTER TABLE slack_events_away RENAME TO slack_events` as never);
    }
    expect((await postSignedEvent(eventsUrl, SECRET, m.envelope, { retryNum: 1, retryReason: 'http_error' })).status).toBe(200);
    const ev = await eventRow(m.eventId);
    expect(ev).toBeDefined();
    expect(await auditRowsOf(db, ev!.conversationId, 'message_in')).toHaveLength(1);
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(1);
  });
});

describe('bot › /plainfra-report', () => {
  function command(text: string, channelId = BOUND, triggerId?: string) {
    return slashCommandBody({ teamId: TEAM, channelId, userId: ALICE, text, responseUrl: `${slack.origin}/response`, triggerId });
  }

  it('acks at once with an ephemeral "working on it" and enqueues one sentinel job (deduped by trigger_id)', async () => {
    const triggerId = `${Date.now()}.1.report`;
    const body = command('', BOUND, triggerId);
    const res = await postSignedEvent(eventsUrl, SECRET, body);
    expect(res.status).toBe(200);
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toMatch(/working on it/i);

    const again = await postSignedEvent(eventsUrl, SECRET, body);
    expect(again.status).toBe(200);

    const ev = await eventRow(`trigger:${triggerId}`);
    const ins = await auditRowsOf(db, ev!.conversationId, 'message_in');
    expect(ins).toHaveLength(1);
    expect(ins[0]!.payload).toMatchObject({
      source: 'slash_command',
      trigger_id: triggerId,
      command: '/plainfra-report',
      text: 'Weekly cost and security digest',
      report: true, // the sentinel computes the digest rather than answering a question
      report_request: { what: 'all', period: '7d' }, // no words: the default
    });
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(1);
  });

  /**
   * Questions recorded, sentinel jobs queued and channel look-ups (the first Slack call of a taken
   * command) since `mark`: a usage answer leaves all three untouched.
   */
  const lookups = () => slack.callsTo('conversations.info').length;
  const questions = async () => (await db.select().from(auditEvents).where(eq(auditEvents.kind, 'message_in'))).length;
  async function sideEffectsSince(mark: { rows: number; jobs: number; calls: number }) {
    return { rows: (await questions()) - mark.rows, jobs: (await jobsIn(sentinelQueue)).length - mark.jobs, calls: lookups() - mark.calls };
  }
  async function mark() {
    return { rows: await questions(), jobs: (await jobsIn(sentinelQueue)).length, calls: lookups() };
  }

  it.each([
    ['help', 'help', null],
    ['an unknown word', 'banana', 'I don\'t know the word "banana"'],
    ['a free-text question', 'what did EC2 cost?', 'I don\'t know the word "what"'],
    ['two scopes', 'cost security', 'choose one of cost, security or all'],
    ['two periods', '7d 30d', 'choose one period'],
    ['account without a name', 'cost account', '"account" needs the name of a bound account'],
  ])('answers %s with the ephemeral usage at once: nothing recorded, nothing queued, no Slack call', async (_what, text, problem) => {
    const before = await mark();
    const triggerId = `${Date.now()}.usage.${text.length}`;
    const started = Date.now();
    const res = await postSignedEvent(eventsUrl, SECRET, command(text, BOUND, triggerId));
    expect(Date.now() - started).toBeLessThan(3000); // within Slack's 3 s
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    // The usage names every valid word.
    for (const word of ['cost', 'security', 'all', '7d', '30d', 'mtd', 'last-month', 'account NAME', 'help'])
      expect(ack.text).toContain(word);
    if (problem) expect(ack.text).toContain(problem);
    else expect(ack.text).not.toContain('Sorry');
    expect(await eventRow(`trigger:${triggerId}`)).toBeUndefined();
    expect(await sideEffectsSince(before)).toEqual({ rows: 0, jobs: 0, calls: 0 });
  });

  it('escapes the words it echoes back: a mention in an unknown word stays inert', async () => {
    const res = await postSignedEvent(eventsUrl, SECRET, command('<!channel>', BOUND, `${Date.now()}.usage.escape`));
    const ack = (await res.json()) as { text: string };
    expect(ack.text).not.toContain('<!channel>');
    expect(ack.text).toContain('&lt;!channel&gt;');
  });

  it('takes words in any order and records the request; `account NAME` narrows the report to that bound account', async () => {
    const triggerId = `${Date.now()}.args.report`;
    const res = await postSignedEvent(eventsUrl, SECRET, command('account sandbox 30d COST', BOUND, triggerId));
    const ack = (await res.json()) as { text: string };
    expect(ack.text).toContain('Working on it (cost 30d account sandbox)');
    const ev = await eventRow(`trigger:${triggerId}`);
    const [row] = await auditRowsOf(db, ev!.conversationId, 'message_in');
    expect(row!.payload).toMatchObject({
      text: 'Weekly cost and security digest: cost 30d account sandbox',
      report_request: { what: 'cost', period: '30d', account: 'sandbox' },
      accounts: ['sandbox'], // BOUND may query prod (explicit) and sandbox (workspace default): only the one asked for
    });
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(1);
  });

  it('refuses `account NAME` for an account this channel may not query, listing the ones it may, with nothing recorded', async () => {
    const before = await mark();
    const triggerId = `${Date.now()}.args.unbound`;
    const res = await postSignedEvent(eventsUrl, SECRET, command('cost account staging', BOUND, triggerId));
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('Account "staging" is not bound to this channel; it may query: prod, sandbox.');
    expect(await eventRow(`trigger:${triggerId}`)).toBeUndefined();
    expect(await sideEffectsSince(before)).toMatchObject({ rows: 0, jobs: 0 });
  });

  it('posts the answer in the channel; that message starts the conversation thread', async () => {
    const triggerId = `${Date.now()}.2.report`;
    await postSignedEvent(eventsUrl, SECRET, command('security', BOUND, triggerId));
    const ev = await eventRow(`trigger:${triggerId}`);
    await enqueuer.add('replies', {
      conversationId: ev!.conversationId,
      turnId: ev!.turnId,
      text: 'No public buckets.',
      outcome: 'answer',
    });

    const post = await slack.waitFor('chat.postMessage', (c) => c.args.text === 'No public buckets.');
    expect(post.args.thread_ts).toBeUndefined();
    const ts = String(post.response.ts);
    const [conversation] = await until('thread adopted', async () => {
      const rows = await db.select().from(conversations).where(eq(conversations.id, ev!.conversationId));
      return rows[0]?.threadTs === ts && rows;
    });
    expect(conversation!.threadTs).toBe(ts);

    // A mention in that thread continues the same conversation.
    const followUp = mention({ channel: BOUND, text: 'and private ones with public ACLs?', threadTs: ts });
    await postSignedEvent(eventsUrl, SECRET, followUp.envelope);
    expect((await eventRow(followUp.eventId))!.conversationId).toBe(ev!.conversationId);
  });

  it('tells the user ephemerally when the channel is a Slack Connect channel without an explicit binding', async () => {
    const triggerId = `${Date.now()}.3.report`;
    const res = await postSignedEvent(eventsUrl, SECRET, command('cost', SHARED_DEFAULT_ONLY, triggerId));
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('plainfra channels bind');
    const ev = await eventRow(`trigger:${triggerId}`);
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(0);
  });
  it('fails closed when Slack cannot say whether the channel is shared: only explicit bindings count', async () => {
    const triggerId = `${Date.now()}.4.report`;
    slack.failNext('conversations.info', 'missing_scope');
    const res = await postSignedEvent(eventsUrl, SECRET, command('cost', 'C0NOSCOPE', triggerId));
    const ack = (await res.json()) as { text: string };
    expect(ack.text).toContain('plainfra channels bind');
    expect(ack.text).toContain('channels:read');
    const ev = await eventRow(`trigger:${triggerId}`);
    expect(await sentinelJobsFor(sentinelQueue, ev!.conversationId)).toHaveLength(0);
  });
});

describe('bot › replies', () => {
  async function acceptedTurn(text = 'who can read our billing?') {
    const m = mention({ channel: BOUND, text });
    await postSignedEvent(eventsUrl, SECRET, m.envelope);
    const ev = await eventRow(m.eventId);
    return { ...m, conversationId: ev!.conversationId, turnId: ev!.turnId };
  }

  it('posts the answer in the thread with mentions neutralised, no unfurls, and audits message_out', async () => {
    const turn = await acceptedTurn();
    await slack.waitFor('reactions.add', (c) => c.args.timestamp === turn.ts);
    const job: ReplyJob = {
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      text: '<!channel> billing is readable by <@U123> — see <https://evil.example|the console> @here',
      outcome: 'answer',
    };
    await enqueuer.add('replies', job);

    const post = await slack.waitFor('chat.postMessage', (c) => c.args.channel === BOUND && c.args.thread_ts === turn.ts);
    const text = String(post.args.text);
    expect(text).not.toMatch(/<[!@#]/);
    expect(text).not.toContain('<https://');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;@\u200BU123&gt;');
    expect(text).toContain('@\u200Bhere');
    expect(post.args).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false', mrkdwn: 'true' });
    expect(typeof post.args.thread_ts).toBe('string');

    const [out] = await until('message_out', async () => {
      const rows = await auditRowsOf(db, turn.conversationId, 'message_out');
      return rows.length > 0 && rows;
    });
    expect(out!.stepKey).toBe(`out:${turn.turnId}`);
    expect(out!.payload).toMatchObject({ channel: BOUND, thread_ts: turn.ts, ts: post.response.ts, text, outcome: 'answer' });
    // The progress reaction comes off.
    await slack.waitFor('reactions.remove', (c) => c.args.timestamp === turn.ts);
    expect(slack.reactionsOn(BOUND, turn.ts)).not.toContain('hourglass_flowing_sand');
  });

  it('posts links only to AWS hosts and the PLAINFRA_DOCS_URL host; every other URL and domain arrives defanged', async () => {
    const turn = await acceptedTurn('where do I log in?');
    const job: ReplyJob = {
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      text:
        '```x```\nLog in at https://evil.example/phish or www.evil.example/login (files on attacker-bucket.s3.amazonaws.com).\n' +
        'Console: https://us-east-1.console.aws.amazon.com/ec2/home · guide: https://handbook.example.org/aws/ec2 · ' +
        '[AWS docs](https://docs.aws.amazon.com/ec2/) · <https://evil.example/x|the console>',
      outcome: 'answer',
    };
    await enqueuer.add('replies', job);
    const post = await slack.waitFor('chat.postMessage', (c) => c.args.channel === BOUND && c.args.thread_ts === turn.ts);
    expect(String(post.args.text)).toBe(
      '```x```\nLog in at hxxps://evil[.]example/phish or www[.]evil[.]example/login (files on attacker-bucket[.]s3[.]amazonaws[.]com).\n' +
        'Console: https://us-east-1.console.aws.amazon.com/ec2/home · guide: https://handbook.example.org/aws/ec2 · ' +
        'AWS docs (https://docs.aws.amazon.com/ec2/) · &lt;hxxps://evil[.]example/x|the console&gt;',
    );
    expect(post.args).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false' });
  });

  it('posts the same reply job once, even when it is delivered again under another job id', async () => {
    const turn = await acceptedTurn('same answer twice?');
    const job: ReplyJob = { conversationId: turn.conversationId, turnId: turn.turnId, text: 'Answer once.', outcome: 'answer' };
    await enqueuer.add('replies', job);
    await enqueuer.add('replies', job);
    await until('message_out', async () => (await auditRowsOf(db, turn.conversationId, 'message_out')).length > 0);

    // A redelivery BullMQ cannot dedupe (e.g. after the finished job was removed).
    const again = await repliesQueue.add('replies', job, { jobId: `r-${turn.turnId}-again` });
    await until('second job finished', async () => (await again.getState()) === 'completed');
    expect(postsTo(BOUND, (c) => c.args.thread_ts === turn.ts)).toHaveLength(1);
    expect(await auditRowsOf(db, turn.conversationId, 'message_out')).toHaveLength(1);
  });

  it('splits a long answer into several messages in the thread, each within 3 500 characters', async () => {
    const turn = await acceptedTurn('give me everything');
    const text = Array.from({ length: 300 }, (_, i) => `• finding ${i}: ${'detail '.repeat(4)}`).join('\n');
    await enqueuer.add('replies', { conversationId: turn.conversationId, turnId: turn.turnId, text, outcome: 'answer' });
    const [out] = await until('message_out', async () => {
      const rows = await auditRowsOf(db, turn.conversationId, 'message_out');
      return rows.length > 0 && rows;
    });
    const posts = postsTo(BOUND, (c) => c.args.thread_ts === turn.ts);
    expect(posts.length).toBeGreaterThan(1);
    for (const p of posts) expect(String(p.args.text).length).toBeLessThanOrEqual(3500);
    expect((out!.payload as { ts_all: string[] }).ts_all).toHaveLength(posts.length);
  });

  it('fails a reply for good when Slack says the channel is gone, and audits the error', async () => {
    const turn = await acceptedTurn('archived soon');
    slack.failNext('chat.postMessage', 'channel_not_found');
    await enqueuer.add('replies', { conversationId: turn.conversationId, turnId: turn.turnId, text: 'too late', outcome: 'answer' });
    const [err] = await until('error row', async () => {
      const rows = await auditRowsOf(db, turn.conversationId, 'error');
      return rows.length > 0 && rows;
    });
    expect(err!.payload).toMatchObject({ stage: 'post_reply', slack_error: 'channel_not_found' });
    const job = await repliesQueue.getJob(`r-${turn.turnId}`);
    await until('job failed', async () => (await job!.getState()) === 'failed');
    expect(await auditRowsOf(db, turn.conversationId, 'message_out')).toHaveLength(0);
  });
});

describe('bot › health and metrics', () => {
  it('GET /healthz answers 200 {ok:true} when Postgres and Redis respond', async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('GET /metrics exposes the counters in Prometheus text format', async () => {
    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE plainfra_bot_events_received_total counter$/m);
    expect(text).toMatch(/^plainfra_bot_events_received_total\{type="app_mention"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plainfra_bot_retries_received_total\{type="app_mention"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plainfra_bot_replies_posted_total\{outcome="answer"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plainfra_bot_rejected_requests_total\{reason="timestamp"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plainfra_bot_rejected_requests_total\{reason="signature"\} [1-9]\d*$/m);
  });

  it('answers 404 for anything else', async () => {
    expect((await fetch(`${baseUrl}/nope`)).status).toBe(404);
    expect((await fetch(eventsUrl)).status).toBe(404);
  });
});

describe('bot › start-up modes', () => {
  it('uses Socket Mode (no HTTP receiver for Slack) when SLACK_APP_TOKEN is set', async () => {
    const { createSlackApp } = await import('../src/bot/index.js');
    const config = loadConfig('bot', {
      DATABASE_URL: 'postgres://unused@127.0.0.1:5432/unused',
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_APP_TOKEN: 'xapp-1-test',
      SLACK_API_URL: slack.url,
    });
    // No bot ids in the environment: one auth.test against the (fake) Web API fills them in.
    const before = slack.callsTo('auth.test').length;
    const app = await createSlackApp(config, createLogger('bot', 'silent'));
    expect(app.socketMode).toBe(true);
    expect(app.receiver).toBeUndefined();
    expect(app.botUserId).toBe(BOT_USER);
    expect(slack.callsTo('auth.test').length).toBe(before + 1);
  });

  it('refuses to start with a token Slack rejects, saying what to check', async () => {
    const { createSlackApp } = await import('../src/bot/index.js');
    const config = loadConfig('bot', {
      DATABASE_URL: 'postgres://unused@127.0.0.1:5432/unused',
      SLACK_BOT_TOKEN: 'xoxb-wrong',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
    });
    await expect(createSlackApp(config, createLogger('bot', 'silent'))).rejects.toThrow(
      /auth\.test failed \(invalid_auth\).*SLACK_BOT_TOKEN/,
    );
  });

  it('answers /healthz with 503 and the failing check when a dependency is down', async () => {
    const { BotMetrics, createBotServer } = await import('../src/bot/index.js');
    const server = createBotServer({
      metrics: new BotMetrics(),
      logger: createLogger('bot', 'silent'),
      health: async () => ({ ok: false, checks: { postgres: 'ok', redis: 'Connection is closed.' } }),
    });
    await new Promise<void>((r) => server.listen(0, r));
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, checks: { postgres: 'ok', redis: 'fail' } });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
