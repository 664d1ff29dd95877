import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail, recordAudit } from '../src/audit/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { runTurnStep, type Llm } from '../src/agents/index.js';
import { hawkEnv } from '../src/config/env.js';
import { reportBundle } from '../src/reports/index.js';
import { createAwsQueryRunner, type AwsQueryRunner } from '../src/tools/aws/index.js';
import { CostExplorerBudget } from '../src/tools/aws/budget.js';
import { runHawkJob } from '../src/workers/hawk-job.js';
import {
  assumeRoleHandler,
  pagedJson,
  sampleFindings,
  startFakeAws,
  type FakeAws,
  type FakeHandler,
  useFakeAwsAsHawk,
} from './fakes/aws.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { recordQuestion } from './helpers/questions.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** hawk's Cost Explorer budgets: per question and per workspace-day, shared by every hawk process. */

const TEAM = 'T0BUDGET';
const logger = pino({ level: 'silent' });
const COST = {
  service: 'ce',
  operation: 'GetCostAndUsage',
  params: { TimePeriod: { Start: '2026-10-01', End: '2026-11-01' }, Granularity: 'DAILY', Metrics: ['UnblendedCost'] },
};

/** GetCostAndUsage in `pages` pages of daily results (NextPageToken is the next page number). */
function pagedCost(pages: number): FakeHandler {
  return (req) => {
    const n = Number(req.json?.NextPageToken ?? 0);
    const day = String(n + 1).padStart(2, '0');
    return {
      result: {
        ResultsByTime: [
          {
            TimePeriod: { Start: `2026-10-${day}`, End: `2026-10-${day}` },
            Total: { UnblendedCost: { Amount: '10.00', Unit: 'USD' } },
            Groups: [],
          },
        ],
        ...(n + 1 < pages && { NextPageToken: String(n + 1) }),
      },
    };
  };
}

describe('hawk Cost Explorer budget', () => {
  let t: TestDatabase;
  let redis: Redis;
  let other: Redis;
  let prefix: string;
  let fake: FakeAws;
  let enqueuer: Enqueuer;
  let replies: Queue;
  const runners: AwsQueryRunner[] = [];
  const externalIds: Record<string, string> = {};
  let seq = 0;

  const runner = (perQuestion: number, perDay = 1000) => {
    const r = createAwsQueryRunner({
      redis,
      logger,
      cacheKeyPrefix: `${prefix}:ce-cache`,
      limits: { maxAttempts: 1, securityHubRps: 1000 },
      ceBudget: { perQuestion, perDay },
    });
    runners.push(r);
    return r;
  };
  async function question(channelId: string, payload: Record<string, unknown> = {}) {
    const threadTs = `1764300000.${String(++seq).padStart(6, '0')}`;
    const q = await recordQuestion(t.db, { teamId: TEAM, channelId, threadTs, user: 'U0ASK', text: 'costs?', payload });
    return { ...q, step: 0 };
  }
  /** A model that answers at once with `text`. */
  const answering = (text: string): Llm => ({
    create: async (req) => ({ id: 'msg', model: req.model, stopReason: 'end_turn', usage: {}, content: [{ type: 'text', text }] }),
  });
  const ceRequests = () => fake.requests.filter((r) => r.service === 'ce').length;

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    enqueuer = new Enqueuer(redis, prefix);
    replies = new Queue('replies', { connection: redis, prefix });
    for (const [name, id] of [
      ['prod', '111111111111'],
      ['dev', '222222222222'],
    ] as const) {
      const a = await addAccount(t.db, {
        teamId: TEAM,
        name,
        roleArn: `arn:aws:iam::${id}:role/plainfra-readonly`,
        regions: ['us-east-1'],
      });
      externalIds[a.roleArn] = a.externalId;
    }
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0ONE', accountName: 'prod' });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0DIGEST', accountName: 'prod' });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0DIGEST', accountName: 'dev' });
    // Each account's role trusts only its own ExternalId, as the deployed template does.
    fake = await startFakeAws({
      handlers: { 'sts:AssumeRole': (req) => assumeRoleHandler({ externalId: externalIds[req.form!.RoleArn!]! })(req) },
    });
    useFakeAwsAsHawk(fake);
  });
  afterEach(() => {
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await Promise.all(runners.map((r) => r.close()));
    await replies.close();
    await enqueuer.close();
    redis.disconnect();
    other.disconnect();
    await fake.close();
    await t.drop();
    await dropPrefix(prefix);
  });

  it('counts atomically across hawk replicas: 60 concurrent reservations on two connections, exactly 20 granted, with TTLs', async () => {
    const a = new CostExplorerBudget(redis, prefix, { perQuestion: 20, perDay: 1000 });
    const b = new CostExplorerBudget(other, prefix, { perQuestion: 20, perDay: 1000 });
    const scope = { teamId: 'T0ATOMIC', question: 'conv-atomic:1' };
    const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).reserve(scope)));
    expect(outcomes.filter((o) => o === undefined)).toHaveLength(20);
    expect(outcomes.find((o) => o !== undefined)).toMatchObject({ which: 'question', limit: 20 });
    expect(await a.used(scope)).toEqual({ question: 20, day: 20 });
    for (const key of a.keys(scope)) {
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2 * 24 * 3600);
    }
    // The day's budget is the workspace's, across questions.
    const day = new CostExplorerBudget(redis, prefix, { perQuestion: 20, perDay: 25 });
    const second = { teamId: 'T0ATOMIC', question: 'conv-atomic:2' };
    const more = await Promise.all(Array.from({ length: 10 }, () => day.reserve(second)));
    expect(more.filter((o) => o === undefined)).toHaveLength(5);
    expect(more.find((o) => o !== undefined)).toMatchObject({ which: 'day', limit: 25 });
  });

  it('refuses mid-pagination and before the next call once the question has spent its budget; cache hits are free', async () => {
    fake.handle('ce:GetCostAndUsage', pagedCost(5));
    const q = await question('C0ONE');
    const deps = { db: t.db, enqueuer, runner: runner(3), logger };
    const call = (id: string, input: unknown) => ({ ...q, calls: [{ toolUseId: id, input }] });
    await runHawkJob(deps, call('toolu_big', COST), { isFinal: false });
    // Three pages were requested (and paid); the fourth was never sent.
    expect(ceRequests()).toBe(3);
    let rows = await readTrail(t.db, q.conversationId);
    const refused = rows.find((r) => r.kind === 'refused' && r.payload.toolUseId === 'toolu_big')!;
    expect(refused.payload.budget).toEqual({ kind: 'ce', which: 'question', limit: 3, pagesSpent: 3 });
    expect(String(refused.payload.forModel)).toMatch(
      /^Refused: this question has used its Cost Explorer budget \(3 requests, pages included/,
    );
    expect(String(refused.payload.forModel)).toContain('tell the user the question hit its Cost Explorer budget');

    // The next Cost Explorer call of the same question is refused before any request.
    const small = { ...COST, params: { ...COST.params, Granularity: 'MONTHLY' } };
    await runHawkJob(deps, { ...call('toolu_next', small), step: 1 }, { isFinal: false });
    expect(ceRequests()).toBe(3);
    rows = await readTrail(t.db, q.conversationId);
    expect(rows.find((r) => r.payload.toolUseId === 'toolu_next' && r.kind !== 'tool_call')?.kind).toBe('refused');
    // Both calls were audited before hawk asked the budget (no audit row, no action).
    expect(rows.filter((r) => r.kind === 'tool_call').map((r) => r.payload.toolUseId)).toEqual(['toolu_big', 'toolu_next']);

    // Another question caches the small query; asking it again in the spent question is a free cache hit.
    fake.handle('ce:GetCostAndUsage', pagedCost(1));
    const fresh = await question('C0ONE');
    await runHawkJob(deps, { ...fresh, calls: [{ toolUseId: 'toolu_fill', input: small }] }, { isFinal: false });
    await runHawkJob(deps, { ...call('toolu_hit', small), step: 2 }, { isFinal: false });
    const hit = (await readTrail(t.db, q.conversationId)).find((r) => r.payload.toolUseId === 'toolu_hit' && r.kind !== 'tool_call')!;
    expect(hit.kind).toBe('tool_result');
    expect(hit.payload).toMatchObject({ status: 'ok', cache: 'hit' });
  });

  it('a retried job skips the paginated call it already finished: each page is requested, and counted, once', async () => {
    fake.handle('ce:GetCostAndUsage', pagedCost(3));
    let forecasts = 0;
    fake.handle('ce:GetCostForecast', () =>
      ++forecasts === 1
        ? { error: { code: 'LimitExceededException', message: 'Rate exceeded', status: 429 } }
        : { result: { Total: { Amount: '42', Unit: 'USD' } } },
    );
    const q = await question('C0ONE');
    const forecast = {
      service: 'ce',
      operation: 'GetCostForecast',
      params: { TimePeriod: { Start: '2099-01-01', End: '2099-02-01' }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' },
    };
    const job = {
      ...q,
      calls: [
        { toolUseId: 'toolu_pages', input: COST },
        { toolUseId: 'toolu_forecast', input: forecast },
      ],
    };
    const r = runner(20);
    // First attempt: the 3-page call completes, the forecast is throttled and the job is retried.
    await expect(runHawkJob({ db: t.db, enqueuer, runner: r, logger }, job, { isFinal: false })).rejects.toThrow();
    await runHawkJob({ db: t.db, enqueuer, runner: r, logger }, job, { isFinal: false });
    expect(fake.requests.filter((x) => x.key === 'ce:GetCostAndUsage')).toHaveLength(3);
    expect(forecasts).toBe(2);
    // The budget saw exactly the requests AWS saw (and bills): 3 pages + 2 forecast attempts.
    const used = await new CostExplorerBudget(redis, `${prefix}:ce-cache`).used({
      teamId: TEAM,
      question: `${q.conversationId}:${q.turnId}`,
    });
    expect(used.question).toBe(5);
    const results = (await readTrail(t.db, q.conversationId)).filter((x) => x.kind === 'tool_result');
    expect(results.map((x) => [x.payload.toolUseId, x.payload.pages])).toEqual([
      ['toolu_pages', 3],
      ['toolu_forecast', 1],
    ]);
  });

  it('tells the asker, whatever the model wrote, that the question hit its Cost Explorer budget', async () => {
    fake.handle('ce:GetCostAndUsage', pagedCost(2));
    const q = await question('C0ONE');
    // A period no other test cached: the call must really go to Cost Explorer.
    const september = { ...COST, params: { ...COST.params, TimePeriod: { Start: '2026-09-01', End: '2026-10-01' } } };
    await runHawkJob(
      { db: t.db, enqueuer, runner: runner(1), logger },
      { ...q, calls: [{ toolUseId: 'toolu_over', input: september }] },
      { isFinal: false },
    );
    await recordAudit(t.db, {
      conversationId: q.conversationId,
      actor: 'sentinel',
      kind: 'llm_response',
      stepKey: `llm:${q.turnId}:0`,
      payload: {
        turnId: q.turnId,
        step: 0,
        stopReason: 'tool_use',
        content: [{ type: 'tool_use', id: 'toolu_over', name: 'aws_query', input: september }],
      },
    });
    const llm = answering('October cost what the first day showed.');
    await runTurnStep(
      { db: t.db, enqueuer, llm, logger, model: 'm', maxSteps: 4, docsBaseUrl: 'https://docs.aws.amazon.com' },
      { ...q, step: 1 },
      { number: 1, isFinal: false },
    );
    const reply = await replies.getJob(`r-${q.turnId}`);
    expect(reply?.data.text).toContain(
      '_This question hit its Cost Explorer budget (1 requests, pages included), so some cost data could not be fetched',
    );
  });

  it("fits a digest's fixed bundle inside the per-question budget for every account of the channel", async () => {
    fake.handle('ce:GetCostAndUsage', pagedCost(1));
    fake.handle('ce:GetCostForecast', () => ({ result: { Total: { Amount: '100', Unit: 'USD' }, ForecastResultsByTime: [] } }));
    fake.handle('ce:GetAnomalies', () => ({ result: { Anomalies: [] } }));
    fake.handle('securityhub:GetFindings', pagedJson(sampleFindings(3), 100, { listKey: 'Findings' }));
    const q = await question('C0DIGEST', { report: true });
    const today = new Date();
    const calls = ['prod', 'dev'].flatMap((a) =>
      reportBundle(a, today).map((c) => ({ toolUseId: `report-${a}-${c.key}`, input: c.input })),
    );
    const ceCalls = calls.filter((c) => c.input.service === 'ce').length;
    expect(ceCalls).toBe(8);
    // The smallest budget the hawk role accepts is one account's bundle: 4 Cost Explorer requests.
    const smallest = hawkEnv.parse({
      DATABASE_URL: 'postgres://x@h/db',
      PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION: '4',
    }).PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION;
    await runHawkJob({ db: t.db, enqueuer, runner: runner(smallest), logger }, { ...q, calls }, { isFinal: false });
    const rows = await readTrail(t.db, q.conversationId);
    expect(rows.filter((r) => r.kind === 'refused')).toEqual([]);
    expect(rows.filter((r) => r.kind === 'tool_result' && r.payload.status === 'ok')).toHaveLength(calls.length);
    expect(ceRequests()).toBe(8);
  });

  it('a digest that meets a spent daily budget still posts, and says plainly which tables are missing', async () => {
    const q = await question('C0DIGEST', { report: true, accounts: ['prod'] });
    const today = new Date();
    const calls = reportBundle('prod', today).map((c) => ({ toolUseId: `report-prod-${c.key}`, input: c.input }));
    // Another question already spent the workspace's day.
    const spent = createAwsQueryRunner({
      redis,
      logger,
      cacheKeyPrefix: `${prefix}:day-spent`,
      limits: { maxAttempts: 1, securityHubRps: 1000 },
      ceBudget: { perQuestion: 20, perDay: 1 },
    });
    runners.push(spent);
    await new CostExplorerBudget(redis, `${prefix}:day-spent`, { perQuestion: 20, perDay: 1 }).reserve({ teamId: TEAM, question: 'other' });
    await runHawkJob({ db: t.db, enqueuer, runner: spent, logger }, { ...q, calls }, { isFinal: false });
    const llm = answering('A quiet week.');
    await runTurnStep(
      { db: t.db, enqueuer, llm, logger, model: 'm', maxSteps: 4, docsBaseUrl: 'https://docs.aws.amazon.com' },
      { ...q, step: 1 },
      { number: 1, isFinal: false },
    );
    const reply = await replies.getJob(`r-${q.turnId}`);
    expect(reply?.data.outcome).toBe('report');
    const problems = (reply!.data.reports as { problems: string[] }[])[0]!.problems;
    expect(
      problems.filter((p) => p.includes('not fetched: the Cost Explorer budget for today (1 requests per workspace) is used up')),
    ).toHaveLength(4);
    expect(problems.join('\n')).not.toContain('Answer with the data already retrieved');
  });

  it('validates the budgets in the hawk role: defaults 20 and 1000, a message naming the variable otherwise', () => {
    const base = { DATABASE_URL: 'postgres://x@h/db' };
    expect(hawkEnv.parse(base)).toMatchObject({ PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION: 20, PLAINFRA_MAX_CE_REQUESTS_PER_DAY: 1000 });
    const bad = hawkEnv.safeParse({ ...base, PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION: 'lots', PLAINFRA_MAX_CE_REQUESTS_PER_DAY: '0' });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message);
    expect(messages).toContain('PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION must be a whole number of requests, e.g. 20');
    expect(messages).toContain('PLAINFRA_MAX_CE_REQUESTS_PER_DAY must be at least 1');
  });
});
