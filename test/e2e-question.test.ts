import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { appMentionEnvelope, postSignedEvent, slashCommandBody } from './fakes/slack-signing.js';
import { startFakeAnthropic, firstUserText, lastToolResults, type FakeAnthropic, type Turn } from './fakes/anthropic.js';
import {
  callerIdentityHandler,
  describeInstancesXml,
  pagedJson,
  sampleFindings,
  sampleInstances,
  sampleLambdaFunctions,
  startFakeAws,
  type FakeAws,
} from './fakes/aws.js';
import { allowedIamActions } from '../src/tools/allowlist.js';
import { addProdAccountWithCli } from './helpers/cli-accounts.js';
import { createTestDatabase, testRolesFor, type TestRoles } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import {
  freePort,
  roleEnvironments,
  runPlainfra,
  runPlainfraAsync,
  spawnPlainfra,
  waitFor,
  type RoleProcess,
} from './helpers/processes.js';
import { costQueryTurn, monthlyCostReply, quotedAmount } from './helpers/cost-question.js';

/**
 * The question path end to end: three real `plainfra` processes (bot, hawk, sentinel), each with only
 * its own secrets, against local servers that speak Slack's, Anthropic's and AWS's wire protocols.
 */

const TEAM = 'T0E2E0001';
const CHANNEL = 'C0E2E0001';
const OTHER_CHANNEL = 'C0E2E0002';
const BOT_USER = 'U0PLAINFRA';
const SIGNING_SECRET = 'e2e-signing-secret';
const BOT_TOKEN = 'xoxb-e2e-token';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/plainfra-readonly';

/** What the model does, by question: a scripted LLM that reads the tool results it is given. */
function modelScript(request: { body: Parameters<typeof firstUserText>[0]; assistantTurns: number }): Turn {
  // The digest narrative: no tools offered, tables in the prompt. Words only, no new numbers.
  if (!request.body.tools?.length) return { text: 'Spend moved mostly in EC2 this week; review the critical findings listed below.' };
  const question = firstUserText(request.body);
  const step = request.assistantTurns;
  if (/terminate/i.test(question)) {
    if (step === 0)
      return {
        toolUse: [
          { name: 'aws_query', input: { service: 'ec2', operation: 'TerminateInstances', params: { InstanceIds: ['i-0abc'] } } },
          { name: 'aws_query', input: { service: 's3', operation: 'GetObject', params: { Bucket: 'payroll', Key: 'salaries.csv' } } },
        ],
      };
    const results = lastToolResults(request.body)
      .map((r) => String(r.content))
      .join(' | ');
    return { text: `I can't do that. ${results.includes('Refused') ? 'Both calls were refused: plainfra is read-only.' : 'UNEXPECTED'}` };
  }
  if (/lambda/i.test(question)) {
    if (step === 0)
      return {
        toolUse: [
          { name: 'aws_query', input: { service: 'lambda', operation: 'ListFunctions', region: 'us-east-1' } },
          { name: 'aws_query', input: { service: 'ec2', operation: 'DescribeInstances', region: 'us-east-1' } },
        ],
      };
    return { text: 'You have 2 functions and 1 instance.' };
  }
  if (/shout/i.test(question)) return { text: 'Heads up <!channel> and <!here>, ping <@U123> — see <https://evil.example|this>.' };
  // Cost questions: "slow" ones ask for another month so the hawk-kill test never hits the cache.
  if (step === 0) {
    const month = /slow/i.test(question) ? { Start: '2026-10-01', End: '2026-11-01' } : { Start: '2026-11-01', End: '2026-11-25' };
    return costQueryTurn(month);
  }
  const result = String(lastToolResults(request.body)[0]?.content ?? '');
  if (/could not assume the role/.test(result)) return { text: "I couldn't get into that AWS account." };
  const amount = quotedAmount(request.body) ?? 'NO-NUMBER';
  return { text: `Your unblended cost for the period is *$${amount}*.` };
}

describe('plainfra end to end', () => {
  let slack: FakeSlack;
  let llm: FakeAnthropic;
  let aws: FakeAws;
  let dbh: Awaited<ReturnType<typeof createTestDatabase>>;
  let roles: TestRoles | undefined;
  let prefix: string;
  let port: number;
  let base: Record<string, string>;
  let hawkEnv: Record<string, string>;
  let bot: RoleProcess, hawk: RoleProcess, sentinel: RoleProcess;
  let sentinelQueue: Queue;
  let ceDelayMs = 0;
  let externalId = '';
  let tsCounter = 100;

  const nextTs = () => `1764070000.${String(++tsCounter).padStart(6, '0')}`;
  const url = () => `http://127.0.0.1:${port}/slack/events`;
  const mention = (text: string, ts: string, eventId: string, channel = CHANNEL) =>
    JSON.stringify(appMentionEnvelope({ teamId: TEAM, channel, user: 'U0ALICE', text, ts, eventId, botUserId: BOT_USER }));
  const repliesIn = (threadTs: string) => slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === threadTs);
  const auditKinds = (threadTs: string) => {
    const r = runPlainfra(['audit', '--thread', `${CHANNEL}:${threadTs}`, '--json'], base);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { kind: string; actor: string; payload: Record<string, unknown> }[];
  };

  beforeAll(async () => {
    dbh = await createTestDatabase();
    prefix = uniquePrefix();
    port = await freePort();
    slack = await startFakeSlack({ token: BOT_TOKEN, teamId: TEAM, botUserId: BOT_USER });
    llm = await startFakeAnthropic({ script: (req) => modelScript(req), apiKey: 'sk-e2e' });
    aws = await startFakeAws({
      handlers: {
        'ce:GetCostAndUsage': async (req) => {
          if (ceDelayMs) await new Promise((r) => setTimeout(r, ceDelayMs));
          if (req.json?.GroupBy) {
            // The digest's by-service calls: last week cheaper than this week, per service.
            const current = req.json.TimePeriod.End >= new Date().toISOString().slice(0, 10);
            const costs: [string, number][] = [
              ['Amazon Elastic Compute Cloud - Compute', current ? 700 : 500],
              ['Amazon Simple Storage Service', current ? 120.5 : 120.5],
            ];
            const groups = (share: number) =>
              costs.map(([k, v]) => ({ Keys: [k], Metrics: { UnblendedCost: { Amount: String(v * share), Unit: 'USD' } } }));
            // DAILY (the current period, for the daily chart): the amounts spread evenly over its days.
            const { Start, End } = req.json.TimePeriod as { Start: string; End: string };
            const days = Math.round((Date.parse(End) - Date.parse(Start)) / 86_400_000);
            const day = (i: number) => new Date(Date.parse(Start) + i * 86_400_000).toISOString().slice(0, 10);
            const periods =
              req.json.Granularity === 'DAILY'
                ? Array.from({ length: days }, (_, i) => ({
                    TimePeriod: { Start: day(i), End: day(i + 1) },
                    Total: {},
                    Estimated: true,
                    Groups: groups(1 / days),
                  }))
                : [{ TimePeriod: req.json.TimePeriod, Total: {}, Estimated: true, Groups: groups(1) }];
            return {
              result: { GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }], ResultsByTime: periods, DimensionValueAttributes: [] },
            };
          }
          return monthlyCostReply({ Start: '2026-11-01', End: '2026-11-25' }, '1234.56', true);
        },
      },
    });
    // Secrets where AWS really puts them: Lambda environments, and an access key someone left in a tag.
    const leaky = sampleInstances(1).map((i) => ({ ...i, Tags: [...i.Tags, { Key: 'deploy', Value: 'key=AKIAIOSFODNN7EXAMPLE' }] }));
    aws.handle('lambda:ListFunctions', () => ({ result: { Functions: sampleLambdaFunctions(2) } }));
    aws.handle('ec2:DescribeInstances', () => ({ xml: describeInstancesXml(leaky) }));
    aws.handle('sts:GetCallerIdentity', callerIdentityHandler());
    aws.handle('ce:GetCostForecast', () => ({ result: { Total: { Amount: '2950.00', Unit: 'USD' }, ForecastResultsByTime: [] } }));
    aws.handle('ce:GetAnomalies', () => ({ result: { Anomalies: [] } }));
    aws.handle('securityhub:GetFindings', pagedJson(sampleFindings(25), 100, { listKey: 'Findings' }));
    aws.handle('iam:SimulatePrincipalPolicy', (req) => {
      const names = Object.entries(req.form ?? {})
        .filter(([k]) => k.startsWith('ActionNames.member.'))
        .map(([, v]) => v);
      // A correctly deployed role: the allowlisted reads are allowed, everything else is denied.
      const decision = (a: string) => (allowedIamActions().includes(a) ? 'allowed' : 'explicitDeny');
      return {
        result: {
          EvaluationResults: names.map((a) => ({ EvalActionName: a, EvalResourceName: '*', EvalDecision: decision(a) })),
          IsTruncated: false,
        },
      };
    });
    base = { DATABASE_URL: dbh.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: prefix, PLAINFRA_JOB_LOCK_MS: '3000', LOG_LEVEL: 'info' };
    // Idempotent on a migrated database; creates this run's own logins (roles are cluster-wide).
    const rolePrefix = `plainfra_e${prefix.slice(2)}_`;
    const migrated = runPlainfra(['migrate'], { ...base, PLAINFRA_DB_ROLE_PREFIX: rolePrefix });
    roles = testRolesFor(dbh.url, rolePrefix);
    expect(migrated.status, migrated.stderr).toBe(0);
    externalId = addProdAccountWithCli(base, { team: TEAM, roleArn: ROLE_ARN, aws });
    // A second account whose role was never deployed with its ExternalId: every AssumeRole is denied.
    expect(
      runPlainfra(
        ['accounts', 'add', '--team', TEAM, '--name', 'staging', '--role-arn', 'arn:aws:iam::210987654321:role/plainfra-readonly'],
        base,
      ).status,
    ).toBe(0);
    expect(runPlainfra(['channels', 'bind', '--team', TEAM, '--channel', OTHER_CHANNEL, '--account', 'staging'], base).status).toBe(0);
    expect(runPlainfra(['channels', 'bind', '--team', TEAM, '--channel', CHANNEL, '--account', 'prod'], base).status).toBe(0);

    const env = roleEnvironments({
      base,
      port,
      slackUrl: slack.url,
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      botUserId: BOT_USER,
      anthropicUrl: llm.url,
      anthropicKey: 'sk-e2e',
      awsUrl: aws.url,
      // Each process logs in as its own least-privilege role, as in production.
      databaseUrls: roles.urls,
    });
    hawkEnv = env.hawk;
    bot = spawnPlainfra(['bot'], env.bot);
    hawk = spawnPlainfra(['hawk'], hawkEnv);
    sentinel = spawnPlainfra(['sentinel'], env.sentinel);
    await Promise.all([
      bot.waitForOutput(/bot ready|listening/i, 60_000),
      hawk.waitForOutput(/hawk ready/, 60_000),
      sentinel.waitForOutput(/sentinel ready/, 60_000),
    ]);
    sentinelQueue = new Queue('sentinel', { connection: { url: REDIS_URL }, prefix });
  }, 180_000);

  afterAll(async () => {
    await Promise.all([bot, hawk, sentinel].filter(Boolean).map((p) => p.stop()));
    await sentinelQueue?.close();
    await Promise.all([slack?.close(), llm?.close(), aws?.close()]);
    await dbh?.drop();
    await roles?.drop();
    if (prefix) await dropPrefix(prefix);
  });

  it('answers a mention in its thread with the number from the AWS response, and audits every step in order', async () => {
    const ts = nextTs();
    const started = Date.now();
    const res = await postSignedEvent(url(), SIGNING_SECRET, mention('what did we spend this month?', ts, 'Ev0E2E0001'));
    expect(res.status).toBe(200);
    const reply = await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts, 30_000);
    console.log(`[figures] mention → answer: ${Date.now() - started} ms`);
    expect(String(reply.args.text)).toContain('1234.56');
    expect(reply.args.unfurl_links).toBe('false');
    expect(reply.args.unfurl_media).toBe('false');
    expect(repliesIn(ts)).toHaveLength(1);

    const trail = auditKinds(ts);
    const core = trail
      .map((e) => e.kind)
      .filter((k) => ['message_in', 'llm_request', 'llm_response', 'tool_call', 'tool_result', 'message_out'].includes(k));
    expect(core).toEqual([
      'message_in',
      'llm_request',
      'llm_response',
      'tool_call',
      'tool_result',
      'llm_request',
      'llm_response',
      'message_out',
    ]);
    expect(trail.find((e) => e.kind === 'tool_call')?.actor).toBe('hawk');

    const assume = aws.requests.find((r) => r.action === 'AssumeRole');
    expect(assume, 'hawk assumed the role').toBeDefined();
    expect(assume!.form?.ExternalId).toBe(externalId);
    expect(assume!.form?.RoleArn).toBe(ROLE_ARN);
    expect(aws.requests.filter((r) => r.action === 'GetCostAndUsage')).toHaveLength(1);
  });

  it('answers an event delivered three times (Slack retries) exactly once', async () => {
    const ts = nextTs();
    const body = mention('what did we spend this month, again?', ts, 'Ev0E2E0002');
    const deliveries = await Promise.all([
      postSignedEvent(url(), SIGNING_SECRET, body),
      postSignedEvent(url(), SIGNING_SECRET, body, { retryNum: 1, retryReason: 'http_timeout' }),
      postSignedEvent(url(), SIGNING_SECRET, body, { retryNum: 2, retryReason: 'http_timeout' }),
    ]);
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts, 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // room for a wrong second answer to show up
    expect(repliesIn(ts)).toHaveLength(1);
    const trail = auditKinds(ts);
    expect(trail.filter((e) => e.kind === 'message_in')).toHaveLength(1);
    // Same Cost Explorer request as the first question: served from the cache, and audited as such.
    expect(trail.find((e) => e.kind === 'tool_result')?.payload.cache).toBe('hit');
    expect(aws.requests.filter((r) => r.action === 'GetCostAndUsage')).toHaveLength(1);
  });

  it('rejects a bad signature and a stale timestamp with 401 and enqueues nothing', async () => {
    const before = await sentinelQueue.getJobCounts();
    const ts = nextTs();
    const forged = await postSignedEvent(url(), SIGNING_SECRET, mention('forged', ts, 'Ev0E2E0003'), { badSignature: true });
    const stale = await postSignedEvent(url(), SIGNING_SECRET, mention('replayed', nextTs(), 'Ev0E2E0004'), {
      timestampSec: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    const after = await sentinelQueue.getJobCounts();
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(total(after)).toBe(total(before));
    expect(runPlainfra(['audit', '--thread', `${CHANNEL}:${ts}`], base).status).toBe(1);
  });

  it('refuses ec2:TerminateInstances and s3:GetObject before any AWS request, audits them, and tells the model why', async () => {
    const ts = nextTs();
    const awsBefore = aws.requests.length;
    await postSignedEvent(url(), SIGNING_SECRET, mention('please terminate i-0abc and read payroll/salaries.csv', ts, 'Ev0E2E0005'));
    const reply = await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts, 30_000);
    expect(String(reply.args.text)).toContain('Both calls were refused');
    const newRequests = aws.requests.slice(awsBefore);
    expect(newRequests.filter((r) => /TerminateInstances|GetObject/.test(r.action ?? ''))).toEqual([]);
    expect(newRequests.filter((r) => r.action === 'AssumeRole')).toEqual([]);
    const refused = auditKinds(ts).filter((e) => e.kind === 'refused');
    expect(refused).toHaveLength(2);
    expect(refused.map((e) => String(e.payload.reason)).join(' ')).toMatch(
      /TerminateInstances[\s\S]*GetObject|GetObject[\s\S]*TerminateInstances/,
    );
    const modelSaw = llm.requests.find((r) => firstUserText(r.body).includes('terminate') && r.assistantTurns === 1);
    expect(JSON.stringify(modelSaw?.body.messages)).toContain('Refused');
  });

  it('keeps Lambda environments and keys in tags out of the audit log and away from the model', async () => {
    const ts = nextTs();
    await postSignedEvent(url(), SIGNING_SECRET, mention('what lambdas and instances do we run?', ts, 'Ev0E2E0009'));
    await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts, 30_000);
    const trail = auditKinds(ts);
    const results = trail.filter((e) => e.kind === 'tool_result');
    expect(results).toHaveLength(2);
    expect(JSON.stringify(results)).toContain('orders-1'); // the data did arrive…
    const toModel = llm.requests.filter((r) => firstUserText(r.body).includes('lambdas')).map((r) => JSON.stringify(r.body));
    for (const secret of ['hunter2-super-secret', 'sk_live_51HxYzSECRET', 'AKIAIOSFODNN7EXAMPLE', 'DB_PASSWORD']) {
      expect(JSON.stringify(trail)).not.toContain(secret); // …without its secrets, in every audit row
      for (const body of toModel) expect(body).not.toContain(secret);
    }
    expect(results.some((e) => Number(e.payload.redactions) > 0)).toBe(true);
  });

  it("verifies an account from the CLI with hawk's identity: ExternalId required, writes denied", async () => {
    const { AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION } = hawkEnv;
    const env = {
      DATABASE_URL: dbh.url,
      AWS_ENDPOINT_URL: AWS_ENDPOINT_URL!,
      AWS_ACCESS_KEY_ID: AWS_ACCESS_KEY_ID!,
      AWS_SECRET_ACCESS_KEY: AWS_SECRET_ACCESS_KEY!,
      AWS_REGION: AWS_REGION!,
    };
    const ok = await runPlainfraAsync(['accounts', 'verify', '--team', TEAM, '--name', 'prod'], env);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/\[PASS\] assume role without ExternalId is refused/);
    expect(ok.stdout).toMatch(/ec2:TerminateInstances/);
    const broken = await runPlainfraAsync(['accounts', 'verify', '--team', TEAM, '--name', 'staging'], env);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/ExternalId/);
    const llmKey = await runPlainfraAsync(['accounts', 'verify', '--team', TEAM, '--name', 'prod'], { ...env, ANTHROPIC_API_KEY: 'sk' });
    expect(llmKey.status).toBe(2);
  }, 90_000);

  it('posts a channel digest on `plainfra digest --now`: tables computed in code, narrative from the model, chart attached', async () => {
    const before = slack.callsTo('chat.postMessage').length;
    const queued = await runPlainfraAsync(['digest', '--team', TEAM, '--channel', CHANNEL, '--now'], base);
    expect(queued.status, queued.stderr).toBe(0);
    const post = await slack.waitFor(
      'chat.postMessage',
      (c) => Array.isArray(c.args.blocks) && slack.callsTo('chat.postMessage').indexOf(c) >= before,
      30_000,
    );
    expect(post.args.thread_ts).toBeUndefined(); // the digest starts its own thread
    const blocks = JSON.stringify(post.args.blocks);
    expect(blocks).toContain('AWS report, last 7 days');
    expect(blocks).toContain('Spend moved mostly in EC2 this week');
    // Totals and deltas computed by plainfra from the two weeks' Cost Explorer answers.
    expect(blocks).toMatch(/Total\s+620\.50\s+820\.50\s+\+200\.00\s+\+32\.2%/);
    expect(blocks).toContain('$2,950.00'); // the forecast
    const ts = String(post.response.ts);
    // Both charts, drawn in the bot's worker thread, uploaded into the digest's thread.
    await waitFor(
      () => (slack.uploads.filter((u) => u.completed?.thread_ts === ts).length === 2 ? true : undefined),
      30_000,
      'the two chart uploads',
    );
    expect(slack.uploads.filter((u) => u.completed?.thread_ts === ts).map((u) => u.filename)).toEqual([
      'plainfra-cost-by-service.png',
      'plainfra-daily-cost.png',
    ]);
    // The conversation adopts the digest's thread right after the last part is posted.
    // Asynchronously: a blocking spawn would also stall the fake Slack the bot is still talking to.
    await waitFor(
      async () =>
        (await runPlainfraAsync(['audit', '--thread', `${CHANNEL}:${ts}`], base)).stdout.includes('message_out') ? true : undefined,
      60_000,
      'the digest thread to be adopted',
    );
    const trail = auditKinds(ts);
    expect(trail.filter((e) => e.kind === 'tool_call')).toHaveLength(6);
    expect(trail.filter((e) => e.kind === 'tool_result')).toHaveLength(6);
    expect(trail.filter((e) => e.kind === 'llm_response')).toHaveLength(1);
    expect(trail[trail.length - 1]!.kind).toBe('message_out');
  }, 90_000);

  const slash = (text: string) =>
    postSignedEvent(
      url(),
      SIGNING_SECRET,
      slashCommandBody({ teamId: TEAM, channelId: CHANNEL, userId: 'U0ALICE', text, responseUrl: `${slack.origin}/response` }),
    );

  it('answers `/plainfra-report banana` and `help` with the usage: no AWS request, no LLM call, nothing posted', async () => {
    const before = { aws: aws.requests.length, llm: llm.requests.length, posts: slack.callsTo('chat.postMessage').length };
    for (const text of ['banana', 'help', 'cost security']) {
      const started = Date.now();
      const res = await slash(text);
      expect(Date.now() - started).toBeLessThan(3000);
      const ack = (await res.json()) as { response_type: string; text: string };
      expect(ack.response_type).toBe('ephemeral');
      expect(ack.text).toContain('/plainfra-report [cost|security|all] [7d|30d|mtd|last-month] [account NAME]');
    }
    await new Promise((r) => setTimeout(r, 2000)); // room for a wrong digest to start
    expect({ aws: aws.requests.length, llm: llm.requests.length, posts: slack.callsTo('chat.postMessage').length }).toEqual(before);
  });

  it('`/plainfra-report cost 30d`: Cost Explorer only, the last 30 days by day vs the 30 before, and a cost-only report', async () => {
    const awsBefore = aws.requests.length;
    const postsBefore = slack.callsTo('chat.postMessage').length;
    const res = await slash('cost 30d');
    expect(((await res.json()) as { text: string }).text).toContain('Working on it (cost 30d)');
    const post = await slack.waitFor(
      'chat.postMessage',
      (c) => Array.isArray(c.args.blocks) && slack.callsTo('chat.postMessage').indexOf(c) >= postsBefore,
      30_000,
    );
    const blocks = JSON.stringify(post.args.blocks);
    expect(blocks).toContain('AWS report, last 30 days');
    expect(blocks).not.toContain('Security Hub');
    const made = aws.requests.slice(awsBefore);
    expect(made.filter((r) => r.service === 'securityhub')).toEqual([]);
    const ce = made.filter((r) => r.service === 'ce');
    expect(ce.length).toBeLessThanOrEqual(4);
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const byGranularity = Object.fromEntries(
      ce.filter((r) => r.action === 'GetCostAndUsage').map((r) => [r.json.Granularity, r.json.TimePeriod]),
    );
    expect(byGranularity).toEqual({ DAILY: { Start: day(-30), End: day(0) }, MONTHLY: { Start: day(-60), End: day(-30) } });
    const ts = String(post.response.ts);
    await waitFor(
      () => (slack.uploads.filter((u) => u.completed?.thread_ts === ts).length === 2 ? true : undefined),
      30_000,
      'the 30-day charts',
    );
  }, 90_000);

  it('neutralises <!channel> and user mentions from the model before they reach Slack', async () => {
    const ts = nextTs();
    await postSignedEvent(url(), SIGNING_SECRET, mention('shout something', ts, 'Ev0E2E0006'));
    const reply = await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts, 30_000);
    const text = String(reply.args.text);
    expect(text).not.toMatch(/<!channel>|<!here>|<@U123>|<https?:/);
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('tells the admin exactly what to fix when AWS refuses the role (AccessDenied on AssumeRole)', async () => {
    const ts = nextTs();
    await postSignedEvent(url(), SIGNING_SECRET, mention('what did staging spend this month?', ts, 'Ev0E2E0008', OTHER_CHANNEL));
    const reply = await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && c.args.channel === OTHER_CHANNEL, 30_000);
    const text = String(reply.args.text);
    expect(text).toContain('Setup problem for your AWS admin');
    expect(text).toContain('arn:aws:iam::210987654321:role/plainfra-readonly');
    expect(text).toMatch(/ExternalId/);
    expect(text).toContain('aws cloudformation deploy --template-file deploy/aws/plainfra-readonly-role.yaml');
    // The staging channel can only reach staging: the model was offered staging and nothing else.
    const asked = llm.requests.find((r) => firstUserText(r.body).includes('staging spend'));
    expect(JSON.stringify(asked?.body.system)).toContain('staging (regions');
    expect(JSON.stringify(asked?.body.system)).not.toContain('prod (regions');
    const denied = aws.requests.filter((r) => r.action === 'AssumeRole' && r.form?.RoleArn?.includes('210987654321'));
    expect(denied.length).toBeGreaterThan(0);
  });

  it('finishes the question once when hawk is SIGKILLed while holding the job', async () => {
    const ts = nextTs();
    ceDelayMs = 4000;
    const ceBefore = aws.requests.filter((r) => r.action === 'GetCostAndUsage').length;
    await postSignedEvent(url(), SIGNING_SECRET, mention('what did we spend last month? (slow)', ts, 'Ev0E2E0007'));
    await waitFor(
      () => aws.requests.filter((r) => r.action === 'GetCostAndUsage').length > ceBefore || undefined,
      30_000,
      'hawk to call Cost Explorer',
    );
    hawk.proc.kill('SIGKILL');
    await hawk.stop();
    ceDelayMs = 0;
    hawk = spawnPlainfra(['hawk'], hawkEnv);
    await hawk.waitForOutput(/hawk ready/);
    const reply = await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts, 45_000);
    expect(String(reply.args.text)).toContain('1234.56');
    await new Promise((r) => setTimeout(r, 2000));
    expect(repliesIn(ts)).toHaveLength(1);
    const kinds = auditKinds(ts).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'tool_result')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'message_out')).toHaveLength(1);
  }, 90_000);

  it("ran every process on its own database login, and the whole run's audit trail verifies", () => {
    for (const p of [bot, hawk, sentinel]) expect(p.output()).not.toMatch(/connects to Postgres as/);
    const verified = runPlainfra(['audit', 'verify'], base);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/every chain is intact/);
  });
});
