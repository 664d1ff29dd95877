import { WebClient } from '@slack/web-api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail } from '../src/audit/index.js';
import { BotMetrics, deliverReply } from '../src/bot/index.js';
import type { ReplyProgress } from '../src/bot/replies.js';
import { acceptQuestion } from '../src/bot/intake.js';
import { createChartPool, type ChartRenderer } from '../src/charts/index.js';
import type { Enqueuer, ReplyJob } from '../src/queues/index.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { fixedReport } from './helpers/reports.js';

/**
 * Posting a report: its Block Kit message, then its charts drawn in the worker thread and uploaded
 * into the thread — each chart at most once, however often the reply job is retried or run twice
 * at the same time (a lapsed lock).
 */

const TEAM = 'T0REPLY';
const CHANNEL = 'C0REPLY';
const TOKEN = 'xoxb-reply-test';
const logger = pino({ level: 'silent' });

let t: TestDatabase;
let slack: FakeSlack;
let client: WebClient;
let charts: ChartRenderer;
let seq = 0;

/** A report turn as a digest starts it (nothing is queued: the test plays the replies consumer). */
async function reportTurn(): Promise<ReplyJob> {
  const noQueue = { add: async () => undefined } as unknown as Enqueuer;
  const r = await acceptQuestion(
    { db: t.db, enqueuer: noQueue },
    {
      source: 'digest',
      deliveryId: `${TEAM}:${CHANNEL}:run-${++seq}`,
      teamId: TEAM,
      channelId: CHANNEL,
      userId: 'plainfra',
      text: 'Weekly cost and security digest',
      externallyShared: true,
      report: true,
    },
  );
  expect(r.status).toBe('accepted');
  return { conversationId: r.conversationId, turnId: r.turnId, text: 'EC2 rose.', reports: [fixedReport() as never], outcome: 'report' };
}

/** Job progress as BullMQ keeps it; `dieAfter` makes the save of that many parts throw (the worker died). */
function progress(posted: string[] = [], dieAfter?: number): ReplyProgress & { saved: string[] } {
  const p = {
    posted,
    saved: [...posted],
    async save(parts: string[]) {
      if (dieAfter !== undefined && parts.length >= dieAfter) throw new Error('worker killed');
      p.saved = [...parts];
    },
  };
  return p;
}

/** No channel gap here (one test checks it): these tests are about what is posted, not when. */
const deps = () => ({ db: t.db, client, logger, metrics: new BotMetrics(), charts, channelGapMs: 0 });
const uploadsFor = (threadTs: string) => slack.uploads.filter((u) => u.completed?.thread_ts === threadTs);
const digestPosts = () => slack.callsTo('chat.postMessage').filter((c) => c.args.channel === CHANNEL && Array.isArray(c.args.blocks));

beforeAll(async () => {
  t = await createTestDatabase();
  slack = await startFakeSlack({ token: TOKEN, teamId: TEAM, botUserId: 'U0PLAINFRA' });
  client = new WebClient(TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  charts = createChartPool();
  await addAccount(t.db, { teamId: TEAM, name: 'acme-prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
  await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'acme-prod' });
});

afterAll(async () => {
  await charts?.close();
  await slack?.close();
  await t?.drop();
});

describe('posting a report reply', () => {
  it('posts the tables, then both charts into the thread the tables started', async () => {
    const job = await reportTurn();
    const before = digestPosts().length;
    expect(await deliverReply(deps(), job, progress())).toBe('posted');
    const [post] = digestPosts().slice(before);
    const ts = String(post!.response.ts);
    const files = uploadsFor(ts);
    expect(files.map((f) => f.filename)).toEqual(['plainfra-cost-by-service.png', 'plainfra-daily-cost.png']);
    expect(files.map((f) => f.completed?.title)).toEqual([
      'Cost by service, this period vs the previous one (acme-prod)',
      'Daily cost by service (acme-prod)',
    ]);
    // Real PNGs of the rendered size went up.
    for (const f of files) {
      expect(f.bytes!.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(f.bytes!.readUInt32BE(16)).toBe(1600);
    }
    const trail = await readTrail(t.db, job.conversationId);
    expect(trail.filter((r) => r.kind === 'message_out').map((r) => r.stepKey)).toEqual([
      `upload:${job.turnId}:1`,
      `upload:${job.turnId}:2`,
      `out:${job.turnId}`,
    ]);
  });

  it('spaces its parts about a second apart in the channel (Slack allows ~1 message per second per channel)', async () => {
    const job = await reportTurn();
    const before = slack.calls.length;
    expect(await deliverReply({ ...deps(), channelGapMs: 1000 }, job, progress())).toBe('posted');
    const times = slack.calls
      .slice(before)
      .filter((c) => ['chat.postMessage', 'files.completeUploadExternal'].includes(c.method))
      .map((c) => c.at);
    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900);
  });

  it('a retried delivery uploads each chart once: the worker died after the first upload, the retry skips it', async () => {
    const job = await reportTurn();
    const before = digestPosts().length;
    // Attempt 1: the message and the first chart go out, then the worker dies before saving progress.
    const first = progress([], 2);
    await expect(deliverReply(deps(), job, first)).rejects.toThrow('worker killed');
    expect(first.saved).toHaveLength(1); // only the message was saved
    const ts = first.saved[0]!;
    expect(uploadsFor(ts)).toHaveLength(1);

    // Attempt 2 (BullMQ's retry) resumes from the saved progress.
    expect(await deliverReply(deps(), job, progress(first.saved))).toBe('posted');
    // Attempt 3: a retry after success posts nothing.
    expect(await deliverReply(deps(), job, progress(first.saved))).toBe('already_posted');

    expect(digestPosts().slice(before)).toHaveLength(1);
    expect(uploadsFor(ts).map((f) => f.filename)).toEqual(['plainfra-cost-by-service.png', 'plainfra-daily-cost.png']);
  });

  it('two workers running the same reply at once (a lapsed lock) upload each chart once', async () => {
    const job = await reportTurn();
    // The message goes out; the worker dies saving that (so no chart was uploaded yet).
    await expect(deliverReply(deps(), job, progress([], 1))).rejects.toThrow('worker killed');
    const ts = String(digestPosts().at(-1)!.response.ts);
    const saved = [ts];
    const outcomes = await Promise.allSettled([deliverReply(deps(), job, progress(saved)), deliverReply(deps(), job, progress(saved))]);
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);
    expect(
      uploadsFor(ts)
        .map((f) => f.filename)
        .sort(),
    ).toEqual(['plainfra-cost-by-service.png', 'plainfra-daily-cost.png']);
  });

  it('posts the tables when the charts cannot be drawn, and audits why', async () => {
    const job = await reportTurn();
    const broken: ChartRenderer = { render: async () => Promise.reject(new Error('renderer out of memory')), close: async () => undefined };
    const before = slack.uploads.length;
    expect(await deliverReply({ ...deps(), charts: broken }, job, progress())).toBe('posted');
    expect(slack.uploads.length).toBe(before);
    const trail = await readTrail(t.db, job.conversationId);
    expect(trail.find((r) => r.kind === 'error')?.payload).toMatchObject({ stage: 'render_chart', message: 'renderer out of memory' });
    expect(trail.at(-1)!.stepKey).toBe(`out:${job.turnId}`);
  });

  it('audits a failed upload and finishes the reply without a second try at that chart', async () => {
    const job = await reportTurn();
    slack.failNext('files.getUploadURLExternal', 'ratelimited');
    expect(await deliverReply(deps(), job, progress())).toBe('posted');
    const trail = await readTrail(t.db, job.conversationId);
    expect(trail.filter((r) => r.kind === 'error').map((r) => r.payload)).toEqual([expect.objectContaining({ stage: 'upload_chart' })]);
    expect(trail.filter((r) => r.kind === 'message_out')).toHaveLength(3);
  });
});
