import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { appMentionEnvelope, postSignedEvent } from './fakes/slack-signing.js';
import { startFakeAnthropic, firstUserText, type FakeAnthropic, type Turn } from './fakes/anthropic.js';
import { pagedJson, sampleFindings, startFakeAws, type FakeAws } from './fakes/aws.js';
import { addProdAccountWithCli } from './helpers/cli-accounts.js';
import { createTestDatabase, testRolesFor, type TestRoles } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { freePort, roleEnvironments, runPlainfra, spawnPlainfra, waitFor, type RoleProcess } from './helpers/processes.js';
import { costQueryTurn, quotedAmount } from './helpers/cost-question.js';

/**
 * Two of every role side by side, as an autoscaled deployment runs them: every question answered
 * exactly once even when Slack's retry lands on the other bot and a hawk and a sentinel are killed
 * mid-question; every scheduled digest posted once, not once per bot.
 */

const TEAM = 'T0REPLICA1';
const CHANNEL = 'C0REPLICA1';
const DIGEST_CHANNEL = 'C0REPLICA2';
const BOT_USER = 'U0PLAINFRA';
const SIGNING_SECRET = 'replica-signing-secret';
const BOT_TOKEN = 'xoxb-replica-token';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/plainfra-readonly';
const QUESTIONS = 12;

function modelScript(request: { body: Parameters<typeof firstUserText>[0]; assistantTurns: number }): Turn {
  if (!request.body.tools?.length) return { text: 'Spend moved mostly in EC2 this week.' };
  const question = firstUserText(request.body);
  if (request.assistantTurns === 0) {
    // Each question asks for its own month, so no answer comes from another's cache entry.
    const n = Number(/#(\d+)/.exec(question)?.[1] ?? 0);
    const start = new Date(Date.UTC(2024, n, 1)).toISOString().slice(0, 10);
    const end = new Date(Date.UTC(2024, n + 1, 1)).toISOString().slice(0, 10);
    return costQueryTurn({ Start: start, End: end });
  }
  const amount = quotedAmount(request.body) ?? 'NO-NUMBER';
  return { text: `The unblended cost was $${amount}.` };
}

describe('two replicas of every role', () => {
  let slack: FakeSlack;
  let llm: FakeAnthropic;
  let aws: FakeAws;
  let dbh: Awaited<ReturnType<typeof createTestDatabase>>;
  let roles: TestRoles | undefined;
  let prefix: string;
  let base: Record<string, string>;
  const ports: number[] = [];
  const processes: RoleProcess[] = [];
  let env: ReturnType<typeof roleEnvironments>;
  let ceDelayMs = 0;

  const spawnRole = async (role: 'bot' | 'hawk' | 'sentinel', port?: number) => {
    const p = spawnPlainfra([role], port ? { ...env[role], PORT: String(port) } : env[role]);
    processes.push(p);
    await p.waitForOutput(role === 'bot' ? /bot ready|listening/i : new RegExp(`${role} ready`), 60_000);
    return p;
  };

  beforeAll(async () => {
    dbh = await createTestDatabase();
    prefix = uniquePrefix();
    ports.push(await freePort(), await freePort());
    slack = await startFakeSlack({ token: BOT_TOKEN, teamId: TEAM, botUserId: BOT_USER });
    llm = await startFakeAnthropic({ script: (req) => modelScript(req), apiKey: 'sk-replica' });
    aws = await startFakeAws({
      handlers: {
        'ce:GetCostAndUsage': async (req) => {
          if (ceDelayMs) await new Promise((r) => setTimeout(r, ceDelayMs));
          const groups = req.json?.GroupBy
            ? [{ Keys: ['Amazon Elastic Compute Cloud - Compute'], Metrics: { UnblendedCost: { Amount: '700', Unit: 'USD' } } }]
            : [];
          const total = req.json?.GroupBy ? {} : { UnblendedCost: { Amount: '4321.09', Unit: 'USD' } };
          return {
            result: {
              ResultsByTime: [{ TimePeriod: req.json.TimePeriod, Total: total, Groups: groups, Estimated: false }],
              DimensionValueAttributes: [],
            },
          };
        },
      },
    });
    aws.handle('ce:GetCostForecast', () => ({ result: { Total: { Amount: '2950.00', Unit: 'USD' }, ForecastResultsByTime: [] } }));
    aws.handle('ce:GetAnomalies', () => ({ result: { Anomalies: [] } }));
    aws.handle('securityhub:GetFindings', pagedJson(sampleFindings(3), 100, { listKey: 'Findings' }));
    base = { DATABASE_URL: dbh.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: prefix, PLAINFRA_JOB_LOCK_MS: '3000', LOG_LEVEL: 'info' };
    const rolePrefix = `plainfra_r${prefix.slice(2)}_`;
    expect(runPlainfra(['migrate'], { ...base, PLAINFRA_DB_ROLE_PREFIX: rolePrefix }).status).toBe(0);
    roles = testRolesFor(dbh.url, rolePrefix);
    addProdAccountWithCli(base, { team: TEAM, roleArn: ROLE_ARN, aws });
    expect(runPlainfra(['channels', 'bind', '--team', TEAM, '--channel', CHANNEL, '--account', 'prod'], base).status).toBe(0);
    const bound = runPlainfra(
      ['channels', 'bind', '--team', TEAM, '--channel', DIGEST_CHANNEL, '--account', 'prod', '--digest', '* * * * *', '--tz', 'UTC'],
      base,
    );
    expect(bound.status, bound.stderr).toBe(0);
    // Operators get five-field cron; the test speeds it up to every 20 seconds (BullMQ's six-field
    // form) behind the CLI's back. Both bots register it at start.
    await dbh.db.$client.query(`UPDATE channel_bindings SET digest_cron = '*/20 * * * * *' WHERE channel_id = $1`, [DIGEST_CHANNEL]);

    env = roleEnvironments({
      base,
      port: ports[0]!,
      slackUrl: slack.url,
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      botUserId: BOT_USER,
      anthropicUrl: llm.url,
      anthropicKey: 'sk-replica',
      awsUrl: aws.url,
      databaseUrls: roles.urls,
    });
    await Promise.all([
      spawnRole('bot', ports[0]),
      spawnRole('bot', ports[1]),
      spawnRole('hawk'),
      spawnRole('hawk'),
      spawnRole('sentinel'),
      spawnRole('sentinel'),
    ]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all([slack?.close(), llm?.close(), aws?.close()]);
    await dbh?.drop();
    await roles?.drop();
    if (prefix) await dropPrefix(prefix);
  });

  it('answers each question once when every event reaches both bots and a hawk and a sentinel die mid-question', async () => {
    ceDelayMs = 1500;
    const threads = Array.from({ length: QUESTIONS }, (_, i) => `1764080000.${String(i + 1).padStart(6, '0')}`);
    const deliveries = threads.flatMap((ts, i) => {
      const body = JSON.stringify(
        appMentionEnvelope({
          teamId: TEAM,
          channel: CHANNEL,
          user: 'U0ALICE',
          text: `<@${BOT_USER}> what did we spend in month #${i}?`,
          ts,
          eventId: `Ev0REPL${i}`,
          botUserId: BOT_USER,
        }),
      );
      // The first delivery to one bot, Slack's retry to the other (as a load balancer would send it).
      return [
        postSignedEvent(`http://127.0.0.1:${ports[i % 2]}/slack/events`, SIGNING_SECRET, body),
        postSignedEvent(`http://127.0.0.1:${ports[(i + 1) % 2]}/slack/events`, SIGNING_SECRET, body, {
          retryNum: 1,
          retryReason: 'http_timeout',
        }),
      ];
    });
    expect((await Promise.all(deliveries)).map((d) => d.status)).toEqual(Array(QUESTIONS * 2).fill(200));

    // Kill one hawk while it holds Cost Explorer calls, and one sentinel, without warning.
    await waitFor(
      () => (aws.requests.filter((r) => r.action === 'GetCostAndUsage').length >= 2 ? true : undefined),
      60_000,
      'hawk to call Cost Explorer',
    );
    const hawk = processes.find((p) => p.output().includes('hawk ready'))!;
    const sentinel = processes.find((p) => p.output().includes('sentinel ready'))!;
    hawk.proc.kill('SIGKILL');
    sentinel.proc.kill('SIGKILL');
    ceDelayMs = 0;

    const answered = (ts: string) =>
      slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === ts && c.args.channel === CHANNEL);
    await waitFor(() => (threads.every((ts) => answered(ts).length > 0) ? true : undefined), 120_000, 'an answer in every thread');
    await new Promise((r) => setTimeout(r, 4000)); // room for a wrong second answer to show up
    threads.forEach((ts, i) => {
      expect(answered(ts), `thread ${i}`).toHaveLength(1);
      expect(String(answered(ts)[0]!.args.text)).toContain('4321.09');
    });
    const trail = runPlainfra(['audit', '--thread', `${CHANNEL}:${threads[0]}`, '--json'], base);
    expect((JSON.parse(trail.stdout) as { kind: string }[]).filter((e) => e.kind === 'message_in')).toHaveLength(1);
  }, 240_000);

  it('runs one digest scheduler for two bots and posts each scheduled digest once', async () => {
    const maintenance = new Queue('maintenance', { connection: { url: REDIS_URL }, prefix });
    try {
      const schedulers = (await maintenance.getJobSchedulers()).filter((s) => s.key.startsWith('digest:'));
      expect(schedulers.map((s) => s.key)).toEqual([`digest:${TEAM}:${DIGEST_CHANNEL}`]);
      const digests = () => slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.channel === DIGEST_CHANNEL && !c.args.thread_ts);
      await waitFor(() => (digests().length >= 2 ? true : undefined), 120_000, 'two scheduled digests');
      // Stop the schedule, let anything in flight land, then compare posts with scheduler runs.
      expect(runPlainfra(['channels', 'unbind', '--team', TEAM, '--channel', DIGEST_CHANNEL, '--all'], base).status).toBe(0);
      await new Promise((r) => setTimeout(r, 8000));
      const posted = digests().length;
      const completed = (await maintenance.getJobs(['completed', 'active', 'waiting', 'delayed'])).filter(
        (j) => j.data?.task === 'digest',
      ).length;
      // One scheduler job per tick, whichever bot took it, and one post per job.
      expect(posted).toBe(completed);
    } finally {
      await maintenance.close();
    }
  }, 240_000);
});
