/**
 * Many digests due in the same minute: N workspaces × M accounts, one digest channel per workspace,
 * all fired at once through the maintenance queue exactly as their Job Schedulers fire them. Runs the
 * three real processes (`plainfra bot`, `hawk`, `sentinel`) on Redis and a fresh Postgres database
 * against the fake Slack, Anthropic and AWS servers of test/fakes.
 *
 *   npx tsx bench/digest-fanout.ts [--workspaces N] [--accounts M] [--timeout-min T]   (defaults 200, 3, 30)
 *
 * Reports: time to the last digest posted (its `message_out`), Cost Explorer requests per account,
 * the most Security Hub requests any account/region saw in one second, the most messages any channel
 * got in one second, peak Redis memory and queue depth (sampled every 500 ms), posts per second, and
 * whether every channel got exactly M report messages and 2·M charts. Exits 1 if any digest is
 * missing or doubled.
 */
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { startFakeAnthropic } from '../test/fakes/anthropic.js';
import { pagedJson, sampleFindings, startFakeAws, type FakeHandler, type RecordedRequest } from '../test/fakes/aws.js';
import { startFakeSlack } from '../test/fakes/slack.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { freePort, roleEnvironments, spawnPlainfra, type RoleProcess } from '../test/helpers/processes.js';
import { REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';

const { values } = parseArgs({
  options: { workspaces: { type: 'string' }, accounts: { type: 'string' }, 'timeout-min': { type: 'string' } },
});
const N = Number(values.workspaces ?? 200);
const M = Number(values.accounts ?? 3);
const TIMEOUT_MS = Number(values['timeout-min'] ?? 30) * 60_000;
const BOT_TOKEN = 'xoxb-fanout';
const team = (w: number) => `T0FAN${String(w).padStart(5, '0')}`;
const channel = (w: number) => `C0FAN${String(w).padStart(5, '0')}`;
const roleArn = (w: number, a: number) => `arn:aws:iam::${String(100_000_000_000 + w * 10 + a)}:role/plainfra-readonly`;

const teardown: Array<() => Promise<unknown>> = [];
async function cleanup() {
  while (teardown.length) await teardown.pop()!().catch((e: Error) => console.error(`cleanup: ${e.message}`));
}

/** AWS calls by account (the role behind the session key that signed them), with their arrival time. */
const calls: { account: string; service: string; region: string; at: number }[] = [];
const sessions = new Map<string, string>();
const externalIds = new Map<string, string>();
let sessionSeq = 0;

const assumeRole: FakeHandler = (req) => {
  const f = req.form ?? {};
  if (externalIds.get(f.RoleArn ?? '') !== f.ExternalId)
    return { error: { code: 'AccessDenied', message: 'not authorized to perform: sts:AssumeRole' } };
  const key = `ASIAFANOUT${String(++sessionSeq).padStart(8, '0')}`;
  sessions.set(key, f.RoleArn!);
  return {
    result: {
      Credentials: {
        AccessKeyId: key,
        SecretAccessKey: 'fanout-secret',
        SessionToken: `token-${key}`,
        Expiration: new Date(Date.now() + 3600_000),
      },
      AssumedRoleUser: { AssumedRoleId: `AROAFAKE:${f.RoleSessionName}`, Arn: `${f.RoleArn}/${f.RoleSessionName}` },
      SourceIdentity: f.SourceIdentity,
    },
  };
};
const logged =
  (h: FakeHandler): FakeHandler =>
  (req: RecordedRequest) => {
    calls.push({
      account: sessions.get(req.accessKeyId ?? '') ?? 'unknown',
      service: req.service,
      region: req.region ?? '',
      at: Date.now(),
    });
    return h(req);
  };
const SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'Amazon Relational Database Service',
  'Amazon Simple Storage Service',
  'AWS Lambda',
  'Amazon CloudFront',
  'Amazon DynamoDB',
  'AmazonCloudWatch',
];
const costAndUsage: FakeHandler = (req) => {
  const { Start, End } = req.json.TimePeriod as { Start: string; End: string };
  const days = Math.max(1, Math.round((Date.parse(End) - Date.parse(Start)) / 86_400_000));
  const day = (i: number) => new Date(Date.parse(Start) + i * 86_400_000).toISOString().slice(0, 10);
  const periods =
    req.json.Granularity === 'DAILY'
      ? Array.from({ length: days }, (_, i) => [day(i), day(i + 1), 1 / days] as const)
      : [[Start, End, 1] as const];
  return {
    result: {
      GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      DimensionValueAttributes: [],
      ResultsByTime: periods.map(([s, e, share]) => ({
        TimePeriod: { Start: s, End: e },
        Total: {},
        Estimated: true,
        Groups: SERVICES.map((name, k) => ({
          Keys: [name],
          Metrics: { UnblendedCost: { Amount: String(((700 / (k + 1)) * share).toFixed(6)), Unit: 'USD' } },
        })),
      })),
    },
  };
};

/** Most events of one key inside any 1-second window. */
function peakPerSecond<T>(items: T[], key: (t: T) => string, at: (t: T) => number): number {
  const by = new Map<string, number[]>();
  for (const i of items) by.set(key(i), [...(by.get(key(i)) ?? []), at(i)]);
  let peak = 0;
  for (const times of by.values()) {
    times.sort((a, b) => a - b);
    for (let lo = 0, hi = 0; hi < times.length; hi++) {
      while (times[hi]! - times[lo]! >= 1000) lo++;
      peak = Math.max(peak, hi - lo + 1);
    }
  }
  return peak;
}

async function main(): Promise<number> {
  const dbh = await createTestDatabase();
  teardown.push(() => dbh.drop());
  const prefix = uniquePrefix();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  teardown.push(async () => {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>)
      if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
  });

  const slack = await startFakeSlack({ token: BOT_TOKEN, teamId: team(0), botUserId: 'U0PLAINFRA' });
  const llm = await startFakeAnthropic({
    apiKey: 'sk-fanout',
    script: () => ({ text: 'Spend moved mostly in EC2; nothing critical stands out.' }),
  });
  const aws = await startFakeAws({
    handlers: {
      'sts:AssumeRole': assumeRole,
      'ce:GetCostAndUsage': logged(costAndUsage),
      'ce:GetCostForecast': logged(() => ({ result: { Total: { Amount: '2950.00', Unit: 'USD' }, ForecastResultsByTime: [] } })),
      'ce:GetAnomalies': logged(() => ({ result: { Anomalies: [] } })),
      'securityhub:GetFindings': logged(pagedJson(sampleFindings(20), 100, { listKey: 'Findings' })),
    },
  });
  teardown.push(() => Promise.all([slack.close(), llm.close(), aws.close()]));

  console.log(`setting up ${N} workspaces × ${M} accounts …`);
  for (let w = 0; w < N; w++) {
    for (let a = 0; a < M; a++) {
      const acct = await addAccount(dbh.db, { teamId: team(w), name: `acct${a}`, roleArn: roleArn(w, a), regions: ['us-east-1'] });
      externalIds.set(acct.roleArn, acct.externalId);
      await bindChannel(dbh.db, {
        teamId: team(w),
        channelId: channel(w),
        accountName: `acct${a}`,
        digestCron: '0 9 * * 1',
        digestTz: 'UTC',
      });
    }
  }

  const port = await freePort();
  const base = { DATABASE_URL: dbh.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: prefix, PLAINFRA_JOB_LOCK_MS: '30000', LOG_LEVEL: 'warn' };
  const env = roleEnvironments({
    base,
    port,
    slackUrl: slack.url,
    botToken: BOT_TOKEN,
    signingSecret: 'fanout-secret',
    botUserId: 'U0PLAINFRA',
    anthropicUrl: llm.url,
    anthropicKey: 'sk-fanout',
    awsUrl: aws.url,
  });
  // Budgets as a deployment would size them for this many accounts per workspace.
  env.hawk.PLAINFRA_MAX_CE_REQUESTS_PER_DAY = String(100 * M);
  const procs: RoleProcess[] = [
    spawnPlainfra(['bot'], { ...env.bot, LOG_LEVEL: 'info' }),
    spawnPlainfra(['hawk'], { ...env.hawk, LOG_LEVEL: 'info' }),
    spawnPlainfra(['sentinel'], { ...env.sentinel, LOG_LEVEL: 'info' }),
  ];
  teardown.push(() => Promise.all(procs.map((p) => p.stop())));
  await Promise.all([
    procs[0]!.waitForOutput(/bot ready/, 60_000),
    procs[1]!.waitForOutput(/hawk ready/, 60_000),
    procs[2]!.waitForOutput(/sentinel ready/, 60_000),
  ]);

  const queues = ['maintenance', 'sentinel', 'hawk', 'replies'].map((name) => new Queue(name, { connection: redis, prefix }));
  teardown.push(() => Promise.all(queues.map((q) => q.close())));
  const outRows = async () =>
    Number(
      (
        (await dbh.db.execute(sql`SELECT count(*)::int AS n FROM audit_events WHERE kind = 'message_out' AND step_key LIKE 'out:%'`))
          .rows[0] as { n: number }
      ).n,
    );

  // All due in the same minute: the schedulers' jobs, added at once (same job ids and options).
  const t0 = Date.now();
  await queues[0]!.addBulk(
    Array.from({ length: N }, (_, w) => ({
      name: 'maintenance',
      data: { task: 'digest', teamId: team(w), channelId: channel(w) },
      opts: {
        jobId: `fanout-${team(w)}-${t0}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 60_000 },
        removeOnComplete: { age: 3600 },
      },
    })),
  );
  let peakMem = 0;
  let peakDepth = 0;
  let done = 0;
  while (Date.now() - t0 < TIMEOUT_MS) {
    const info = await redis.info('memory');
    peakMem = Math.max(peakMem, Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0));
    const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
    peakDepth = Math.max(
      peakDepth,
      counts.reduce((s, c) => s + Object.values(c).reduce((a, b) => a + b, 0), 0),
    );
    done = await outRows();
    if (done >= N) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const elapsed = (Date.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 3000)); // room for a wrong second post

  const posts = slack.calls.filter((c) => c.ok && c.method === 'chat.postMessage');
  const uploads = slack.uploads.filter((u) => u.completed);
  const perChannel = new Map<string, number>();
  for (const p of posts) perChannel.set(String(p.args.channel), (perChannel.get(String(p.args.channel)) ?? 0) + 1);
  const wrong = [...Array(N).keys()].filter((w) => perChannel.get(channel(w)) !== M).length;
  const ce = new Map<string, number>();
  for (const c of calls.filter((x) => x.service === 'ce')) ce.set(c.account, (ce.get(c.account) ?? 0) + 1);
  const ceCounts = [...ce.values()];
  const ceMean = ceCounts.reduce((a, b) => a + b, 0) / Math.max(1, ceCounts.length);
  const channelMsgs = slack.calls.filter((c) => c.ok && (c.method === 'chat.postMessage' || c.method === 'files.completeUploadExternal'));

  const rows: [string, string][] = [
    ['workspaces × accounts', `${N} × ${M} (${N * M} account bundles)`],
    ['digests posted', `${done} / ${N}${wrong ? ` — ${wrong} channel(s) without exactly ${M} report messages` : ''}`],
    ['time to last post', `${elapsed.toFixed(1)} s`],
    ['report messages / charts', `${posts.length} / ${uploads.length} (expected ${N * M} / ${2 * N * M})`],
    ['posts per second (messages + charts)', ((posts.length + uploads.length) / elapsed).toFixed(1)],
    ['CE requests per account', `max ${Math.max(0, ...ceCounts)}, mean ${ceMean.toFixed(2)} (${ceCounts.length} accounts)`],
    [
      'Security Hub peak req/s per account+region',
      String(
        peakPerSecond(
          calls.filter((c) => c.service === 'securityhub'),
          (c) => `${c.account}/${c.region}`,
          (c) => c.at,
        ),
      ),
    ],
    [
      'Slack peak messages/s per channel',
      String(
        peakPerSecond(
          channelMsgs,
          (c) => String(c.args.channel ?? c.args.channel_id),
          (c) => c.at,
        ),
      ),
    ],
    ['peak Redis memory', `${(peakMem / 1048576).toFixed(1)} MiB`],
    ['peak queue depth (all queues)', String(peakDepth)],
    ['LLM calls', String(llm.requests.length)],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(44)} ${v}`);
  return done === N && wrong === 0 && uploads.length === 2 * N * M ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });
