import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, firstUserText, type FakeAnthropic, type Turn } from './fakes/anthropic.js';
import { startFakeAws, type FakeAws } from './fakes/aws.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { addProdAccountWithCli } from './helpers/cli-accounts.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { freePort, roleEnvironments, runPlainfra, runPlainfraAsync, spawnPlainfra, type RoleProcess } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { terminalSafe } from '../src/cli/ask.js';
import { costQueryTurn, monthlyCostReply, quotedAmount } from './helpers/cost-question.js';

/**
 * `plainfra ask`: the same intake, audit trail, queues, hawk and sentinel as a mention, with the
 * answer printed in the terminal. Real `plainfra hawk` and `plainfra sentinel` processes (and, for one
 * test, a bot) against the local Anthropic, AWS and Slack fakes.
 */

const TEAM = 'T0ASK0001';
const CHANNEL = 'C0ASK0001';
const UNBOUND = 'C0ASK0002';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/plainfra-readonly';

function script(req: { body: Parameters<typeof firstUserText>[0]; assistantTurns: number }): Turn {
  if (/terminate/.test(firstUserText(req.body))) {
    if (req.assistantTurns === 0)
      return {
        toolUse: [{ name: 'aws_query', input: { service: 'ec2', operation: 'TerminateInstances', params: { InstanceIds: ['i-0abc'] } } }],
      };
    return { text: 'I can only read: that call was refused.' };
  }
  if (req.assistantTurns === 0) return costQueryTurn({ Start: '2026-11-01', End: '2026-11-25' });
  const amount = quotedAmount(req.body) ?? 'NO-NUMBER';
  return { text: `You spent *$${amount}* this month.` };
}

describe('plainfra ask', () => {
  let dbh: TestDatabase;
  let prefix: string;
  let llm: FakeAnthropic;
  let aws: FakeAws;
  let slack: FakeSlack;
  let base: Record<string, string>;
  let env: ReturnType<typeof roleEnvironments>;
  let hawk: RoleProcess, sentinel: RoleProcess;
  let metricsPorts: { hawk: number; sentinel: number };
  const scrape = async (role: 'hawk' | 'sentinel') => (await fetch(`http://127.0.0.1:${metricsPorts[role]}/metrics`)).text();
  const value = (text: string, series: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${series} `))
        ?.split(' ')
        .pop() ?? NaN,
    );
  const ask = (args: string[], timeoutMs = 60_000) => runPlainfraAsync(['ask', '--team', TEAM, ...args], base, timeoutMs);

  beforeAll(async () => {
    dbh = await createTestDatabase();
    prefix = uniquePrefix();
    llm = await startFakeAnthropic({ script: (r) => script(r), apiKey: 'sk-ask' });
    aws = await startFakeAws({
      handlers: {
        'ce:GetCostAndUsage': () => monthlyCostReply({ Start: '2026-11-01', End: '2026-11-25' }, '4321.09', true),
      },
    });
    slack = await startFakeSlack({ token: 'xoxb-ask', teamId: TEAM, botUserId: 'U0PLAINFRA' });
    base = { DATABASE_URL: dbh.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: prefix, PLAINFRA_JOB_LOCK_MS: '3000' };
    addProdAccountWithCli(base, { team: TEAM, roleArn: ROLE_ARN, aws });
    expect(runPlainfra(['channels', 'bind', '--team', TEAM, '--channel', CHANNEL, '--account', 'prod'], base).status).toBe(0);
    env = roleEnvironments({
      base,
      port: await freePort(),
      slackUrl: slack.url,
      botToken: 'xoxb-ask',
      signingSecret: 'ask-signing-secret',
      botUserId: 'U0PLAINFRA',
      anthropicUrl: llm.url,
      anthropicKey: 'sk-ask',
      awsUrl: aws.url,
    });
    // No bot: the way an operator tries plainfra before the Slack app exists.
    metricsPorts = { hawk: await freePort(), sentinel: await freePort() };
    hawk = spawnPlainfra(['hawk'], { ...env.hawk, PLAINFRA_METRICS_PORT: String(metricsPorts.hawk) });
    sentinel = spawnPlainfra(['sentinel'], { ...env.sentinel, PLAINFRA_METRICS_PORT: String(metricsPorts.sentinel) });
    // Generous: on a loaded CI machine a cold process start takes a while.
    await Promise.all([hawk.waitForOutput(/hawk ready/, 60_000), sentinel.waitForOutput(/sentinel ready/, 60_000)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([hawk, sentinel].filter(Boolean).map((p) => p.stop()));
    await Promise.all([llm?.close(), aws?.close(), slack?.close()]);
    await dbh?.drop();
    if (prefix) await dropPrefix(prefix);
  });

  it('answers with hawk and the sentinel alone (no bot): ' +
    'the figure from AWS printed, the whole trail audited, no reply job left behind', async () => {
    const r = await ask(['--channel', CHANNEL, 'what did we spend this month?']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout, r.stderr).toContain('You spent *$4321.09* this month.');
    expect(r.stdout).toContain('Sources: ce:GetCostAndUsage (prod)');
    // Progress on stderr as the trail grows, so the operator sees hawk and the sentinel work.
    expect(r.stderr).toMatch(/hawk\s+tool_call\s+ce:GetCostAndUsage \(prod\)/);

    const conversation = /conversation ([0-9a-f-]{36})/.exec(r.stderr)![1]!;
    const rows = (
      await dbh.db.$client.query('select kind, actor, payload from audit_events where conversation_id = $1 order by id', [conversation])
    ).rows as {
      kind: string;
      actor: string;
      payload: Record<string, unknown>;
    }[];
    // The answer's figures were checked against the AWS data (grounding) before the reply.
    expect(rows.map((x) => x.kind)).toEqual([
      'message_in',
      'llm_request',
      'llm_response',
      'tool_call',
      'tool_result',
      'llm_request',
      'llm_response',
      'grounding',
      'message_out',
    ]);
    expect(rows[0]!.payload).toMatchObject({
      source: 'cli',
      channel: CHANNEL,
      team: TEAM,
      accounts: ['prod'],
      text: 'what did we spend this month?',
    });
    expect(rows.at(-1)!.payload).toMatchObject({ delivered: 'terminal', recorded_by: 'cli', outcome: 'answer', ts: null });
    const replies = new Queue('replies', { connection: { url: REDIS_URL }, prefix });
    try {
      expect(await replies.getJobCounts('waiting', 'delayed', 'active')).toEqual({ waiting: 0, delayed: 0, active: 0 });
    } finally {
      await replies.close();
    }
  }, 60_000);

  it('--json prints one object a script can read', async () => {
    const r = await ask(['--channel', CHANNEL, '--json', 'and this month again?']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    // The model's words, then the cost note plainfra adds from the audited call (metric, netting, estimates).
    expect(out).toMatchObject({ status: 'answered', outcome: 'answer' });
    expect(out.answer).toMatch(
      /^You spent \*\$4321\.09\* this month\.\n\n_Cost Explorer UnblendedCost; totals are net of credits and refunds/,
    );
    expect(out.sources).toEqual([{ account: 'prod', service: 'ce', operation: 'GetCostAndUsage', region: null }]);
    expect(typeof out.conversationId).toBe('string');
    expect(out.elapsedMs).toBeGreaterThan(0);
  }, 60_000);

  it('with a bot running, the bot records the answer for the terminal and posts nothing to Slack', async () => {
    const bot = spawnPlainfra(['bot'], env.bot);
    try {
      await bot.waitForOutput(/bot ready/, 60_000);
      const r = await ask(['--channel', CHANNEL, 'what did we spend, with a bot?']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('$4321.09');
      const conversation = /conversation ([0-9a-f-]{36})/.exec(r.stderr)![1]!;
      const out = await dbh.db.$client.query("select payload from audit_events where conversation_id = $1 and kind = 'message_out'", [
        conversation,
      ]);
      expect(out.rows).toHaveLength(1);
      expect(out.rows[0].payload).toMatchObject({ delivered: 'terminal', recorded_by: 'bot' });
      expect(slack.callsTo('chat.postMessage')).toEqual([]);
      expect(slack.callsTo('reactions.add')).toEqual([]);
    } finally {
      await bot.stop();
    }
  }, 60_000);

  it('refuses a channel with no binding, with the command that fixes it, and calls neither the model nor AWS', async () => {
    const before = llm.requests.length;
    const r = await ask(['--channel', UNBOUND, 'anything?']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`plainfra channels bind --team ${TEAM} --channel ${UNBOUND} --account NAME`);
    expect(llm.requests.length).toBe(before);
  });

  it('gives up after --timeout with what to check when no sentinel consumes the queue', async () => {
    const r = await runPlainfraAsync(['ask', '--team', TEAM, '--channel', CHANNEL, '--timeout', '1', 'anyone there?'], {
      ...base,
      PLAINFRA_QUEUE_PREFIX: `${prefix}-nobody`,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no answer within 1 s\. Are `plainfra sentinel` and `plainfra hawk` running/);
    await dropPrefix(`${prefix}-nobody`);
  });

  it(
    'hawk and the sentinel serve /healthz and Prometheus /metrics on their own port: ' +
      'queue depth, job durations, tokens, CE requests, refusals',
    async () => {
      const h = await scrape('hawk');
      expect(h).toContain('# TYPE plainfra_queue_jobs gauge');
      expect(value(h, 'plainfra_queue_jobs{queue="hawk",state="waiting"}')).toBe(0);
      expect(value(h, 'plainfra_hawk_cost_explorer_requests_total')).toBeGreaterThanOrEqual(1);
      expect(value(h, 'plainfra_hawk_aws_calls_total{service="ce",operation="GetCostAndUsage",status="ok"}')).toBeGreaterThanOrEqual(2);
      expect(value(h, 'plainfra_job_duration_seconds_count{queue="hawk",outcome="completed"}')).toBeGreaterThanOrEqual(2);
      expect(h).toMatch(/^plainfra_job_duration_seconds_bucket\{queue="hawk",outcome="completed",le="\+Inf"\} \d+$/m);
      const s = await scrape('sentinel');
      expect(value(s, 'plainfra_llm_requests_total{outcome="ok"}')).toBeGreaterThanOrEqual(4);
      expect(value(s, 'plainfra_llm_tokens_total{type="input"}')).toBeGreaterThan(0);
      expect(value(s, 'plainfra_llm_tokens_total{type="output"}')).toBeGreaterThan(0);
      expect(s).not.toContain('plainfra_hawk_'); // each role shows what it does
      for (const role of ['hawk', 'sentinel'] as const) {
        const res = await fetch(`http://127.0.0.1:${metricsPorts[role]}/healthz`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });
        expect((await fetch(`http://127.0.0.1:${metricsPorts[role]}/slack/events`, { method: 'POST' })).status).toBe(404);
      }
    },
  );

  it("counts a refused aws_query on hawk's metrics", async () => {
    const before = value(await scrape('hawk'), 'plainfra_refusals_total{stage="allowlist"}');
    const r = await ask(['--channel', CHANNEL, 'please terminate i-0abc']);
    expect(r.status, r.stderr).toBe(0);
    expect(value(await scrape('hawk'), 'plainfra_refusals_total{stage="allowlist"}')).toBe((Number.isNaN(before) ? 0 : before) + 1);
  }, 60_000);

  it('usage errors name what is missing', async () => {
    const r = await ask(['--channel', CHANNEL]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ask needs the question');
  });

  it('keeps terminal control sequences in model text from reaching the terminal', () => {
    expect(terminalSafe('\u001b]0;pwned\u0007ok\n\ttab')).toBe(']0;pwnedok\n\ttab');
  });
});
