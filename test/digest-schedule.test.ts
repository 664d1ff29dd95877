import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail, recordAudit } from '../src/audit/index.js';
import { Enqueuer } from '../src/queues/index.js';
import type { Llm, LlmRequest, LlmResponse } from '../src/agents/llm.js';
import { runTurnStep, LlmError } from '../src/agents/index.js';
import { runMaintenance, startDigest, syncDigestSchedules } from '../src/workers/maintenance.js';
import { ReportAccountNotBound } from '../src/bot/intake.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { runPlainfra } from './helpers/processes.js';

/** Digests: when they run, what they cover, and what happens when the model is away. */
describe('digest', () => {
  const logger = pino({ level: 'silent' });
  let t: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let maintenance: Queue;
  let sentinel: Queue;
  let hawk: Queue;
  let replies: Queue;

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    prefix = uniquePrefix();
    enqueuer = new Enqueuer(redis, prefix);
    [maintenance, sentinel, hawk, replies] = ['maintenance', 'sentinel', 'hawk', 'replies'].map(
      (n) => new Queue(n, { connection: redis, prefix }),
    );
    await addAccount(t.db, { teamId: 'T0D', name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
    await addAccount(t.db, { teamId: 'T0D', name: 'dev', roleArn: 'arn:aws:iam::222222222222:role/plainfra-readonly' });
  });
  afterAll(async () => {
    await Promise.all([maintenance, sentinel, hawk, replies].map((q) => q.close()));
    await enqueuer.close();
    redis.disconnect();
    await t.drop();
    await dropPrefix(prefix);
  });

  it('keeps one scheduler per channel with a digest, in its time zone, and drops it when the schedule goes', async () => {
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0OPS', accountName: 'prod', digestCron: '0 9 * * 1', digestTz: 'Europe/Berlin' });
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0OPS', accountName: 'dev', digestCron: '0 9 * * 1', digestTz: 'Europe/Berlin' });
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0QUIET', accountName: 'dev' });
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
    let schedulers = await maintenance.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([['digest:T0D:C0OPS', '0 9 * * 1', 'Europe/Berlin']]);

    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0OPS', accountName: 'prod' });
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0OPS', accountName: 'dev' });
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
    schedulers = await maintenance.getJobSchedulers();
    expect(schedulers).toEqual([]);
  });

  it('leaves a due digest alone when the schedules are synced again, and keeps one schedule per channel', async () => {
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0DUE', accountName: 'prod', digestCron: '0 9 * * 1', digestTz: 'UTC' });
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
    const due = (await maintenance.getDelayed()).find((j) => j.data.channelId === 'C0DUE');
    expect(due).toBeDefined();
    expect(due!.opts.attempts).toBe(3); // a failed run is retried, not lost for a week
    // The digest falls due while the worker is busy with a sweep: it waits in the queue. The sweep's
    // re-sync must not drop it (BullMQ's upsert of an unchanged scheduler would).
    await due!.promote();
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
    expect((await maintenance.getWaiting()).filter((j) => j.data.channelId === 'C0DUE').map((j) => j.id)).toEqual([due!.id]);

    // A second account bound with another schedule moves the whole channel to it: one digest, one time.
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0DUE', accountName: 'dev', digestCron: '30 8 * * 5', digestTz: 'Asia/Tokyo' });
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
    const mine = (await maintenance.getJobSchedulers()).filter((x) => x.key === 'digest:T0D:C0DUE');
    expect(mine.map((x) => [x.pattern, x.tz])).toEqual([['30 8 * * 5', 'Asia/Tokyo']]);
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0DUE', accountName: 'prod' });
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0DUE', accountName: 'dev' });
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
  });

  it('refuses a digest schedule on the workspace default binding', async () => {
    const r = runPlainfra(['channels', 'bind', '--team', 'T0D', '--channel', '*', '--account', 'prod', '--digest', '0 9 * * 1'], {
      DATABASE_URL: t.url,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/use --digest with a real channel id/);
  });

  it('explains the digest command instead of guessing: --now is required, an unbound channel is refused', async () => {
    const usage = runPlainfra(['digest', '--team', 'T0D', '--channel', 'C0RUN'], {
      DATABASE_URL: t.url,
      REDIS_URL,
      PLAINFRA_QUEUE_PREFIX: prefix,
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/digest needs --now/);
    const unbound = runPlainfra(['digest', '--team', 'T0D', '--channel', 'C0NOBIND', '--now'], {
      DATABASE_URL: t.url,
      REDIS_URL,
      PLAINFRA_QUEUE_PREFIX: prefix,
    });
    expect(unbound.status).toBe(1);
    expect(unbound.stderr).toMatch(/plainfra channels bind/);
  });

  it('posts one digest per scheduled run, however often the run is retried', async () => {
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0RUN', accountName: 'prod' });
    const deps = { db: t.db, enqueuer, logger };
    const first = await startDigest(deps, 'T0D', 'C0RUN', 'repeat:digest:T0D:C0RUN:1764000000000');
    const again = await startDigest(deps, 'T0D', 'C0RUN', 'repeat:digest:T0D:C0RUN:1764000000000');
    expect(first.status).toBe('accepted');
    expect(again).toMatchObject({ duplicate: true, turnId: first.turnId });
    const unbound = await startDigest(deps, 'T0D', 'C0NOTHING', randomUUID());
    expect(unbound.status).toBe('refused');
  });

  it('asks hawk for the fixed bundle without the model, then posts the tables even when the model is down', async () => {
    await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0LLM', accountName: 'dev' });
    const started = await startDigest({ db: t.db, enqueuer, logger }, 'T0D', 'C0LLM', randomUUID());
    const job = { conversationId: started.conversationId, turnId: started.turnId };
    const calls: LlmRequest[] = [];
    const llm: Llm = {
      async create(req: LlmRequest): Promise<LlmResponse> {
        calls.push(req);
        throw new LlmError('language model API error (HTTP 529): Overloaded', 529, true);
      },
    };
    const deps = { db: t.db, enqueuer, llm, logger, model: 'claude-test', maxSteps: 8, docsBaseUrl: 'https://docs.aws.amazon.com' };
    await runTurnStep(deps, { ...job, step: 0 }, { number: 1, isFinal: false });
    expect(calls).toHaveLength(0);
    const bundle = (await hawk.getJob(`h-${job.turnId}-0`))!.data.calls as {
      toolUseId: string;
      input: { account: string; service: string; operation: string };
    }[];
    expect(bundle.map((c) => `${c.input.service}:${c.input.operation}`).sort()).toEqual([
      'ce:GetAnomalies',
      'ce:GetCostAndUsage',
      'ce:GetCostAndUsage',
      'ce:GetCostForecast',
      'securityhub:GetFindings',
      'securityhub:GetFindings',
    ]);
    expect(new Set(bundle.map((c) => c.input.account))).toEqual(new Set(['dev']));

    // hawk's results, as the hawk worker records them (a Cost Explorer answer and some failures).
    for (const c of bundle) {
      const ok = c.input.operation === 'GetCostAndUsage';
      await recordAudit(t.db, {
        conversationId: job.conversationId,
        actor: 'hawk',
        kind: 'tool_result',
        stepKey: `result:${job.turnId}:${c.toolUseId}`,
        payload: ok
          ? {
              turnId: job.turnId,
              step: 0,
              toolUseId: c.toolUseId,
              status: 'ok',
              result: {
                grandTotal: { UnblendedCost: { Amount: 42, Unit: 'USD' } },
                totalsByGroup: [{ group: 'AWS Lambda', UnblendedCost: 42 }],
              },
            }
          : { turnId: job.turnId, step: 0, toolUseId: c.toolUseId, status: 'error', isError: true, message: 'Security Hub is not enabled' },
      });
    }
    await expect(runTurnStep(deps, { ...job, step: 1 }, { number: 1, isFinal: false })).rejects.toThrow(/529/);
    await runTurnStep(deps, { ...job, step: 1 }, { number: 2, isFinal: true });
    const reply = (await replies.getJob(`r-${job.turnId}`))!.data;
    expect(reply.outcome).toBe('report');
    expect(reply.text).toMatch(/the summary could not be written/);
    expect(reply.reports).toHaveLength(1);
    expect(reply.reports[0]).toMatchObject({ account: 'dev', cost: { totalThis: 42 } });
    expect((await readTrail(t.db, job.conversationId)).filter((r) => r.kind === 'llm_request')).toHaveLength(2);
  });

  /** The bundle the sentinel's step 0 hands hawk for a started report turn. */
  async function bundleOf(started: { conversationId: string; turnId: string }) {
    const llm: Llm = {
      create: async () => {
        throw new Error('step 0 makes no LLM call');
      },
    };
    const deps = { db: t.db, enqueuer, llm, logger, model: 'claude-test', maxSteps: 8, docsBaseUrl: 'https://docs.aws.amazon.com' };
    await runTurnStep(deps, { ...started, step: 0 }, { number: 1, isFinal: false });
    return (await hawk.getJob(`h-${started.turnId}-0`))!.data.calls as {
      input: { account: string; service: string; operation: string; params: { TimePeriod: { Start: string; End: string } } };
    }[];
  }

  it('runs a schedule with its stored words: `--what cost --period 30d` asks Cost Explorer only, for 30 days', async () => {
    await bindChannel(t.db, {
      teamId: 'T0D',
      channelId: 'C0FIN',
      accountName: 'prod',
      digestCron: '0 9 * * 1',
      digestTz: 'UTC',
      digestWhat: 'cost',
      digestPeriod: '30d',
    });
    await runMaintenance(
      { task: 'digest', teamId: 'T0D', channelId: 'C0FIN' },
      { db: t.db, enqueuer, logger },
      'repeat:digest:T0D:C0FIN:1',
    );
    const [convo] = (
      await t.db.execute<{ conversation_id: string; id: string }>(
        `SELECT conversation_id, id FROM audit_events WHERE kind = 'message_in' AND payload->>'channel' = 'C0FIN'` as never,
      )
    ).rows;
    const trail = await readTrail(t.db, convo!.conversation_id);
    expect(trail[0]!.payload).toMatchObject({
      text: 'Weekly cost and security digest: cost 30d',
      report_request: { what: 'cost', period: '30d' },
    });
    const calls = await bundleOf({ conversationId: convo!.conversation_id, turnId: String(convo!.id) });
    expect(calls.map((c) => c.input.service)).toEqual(['ce', 'ce', 'ce', 'ce']);
    const [current] = calls;
    const days = (Date.parse(current!.input.params.TimePeriod.End) - Date.parse(current!.input.params.TimePeriod.Start)) / 86_400_000;
    expect(days).toBe(30);
  });

  it(
    '`plainfra digest --now --what security --account NAME`: that account only, Security Hub only; ' +
      'bad words and an unbound account are refused',
    async () => {
      await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0SEC', accountName: 'prod' });
      await bindChannel(t.db, { teamId: 'T0D', channelId: 'C0SEC', accountName: 'dev' });
      const env = { DATABASE_URL: t.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: prefix };
      const run = (...extra: string[]) => runPlainfra(['digest', '--team', 'T0D', '--channel', 'C0SEC', '--now', ...extra], env);
      const ok = run('--what', 'security', '--account', 'dev');
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('digest (security 7d account dev) queued for channel C0SEC');
      const conversationId = /conversation ([0-9a-f-]{36})/.exec(ok.stdout)![1]!;
      const [messageIn] = await readTrail(t.db, conversationId);
      expect(messageIn!.payload).toMatchObject({ accounts: ['dev'], report_request: { what: 'security', period: '7d', account: 'dev' } });
      const calls = await bundleOf({ conversationId, turnId: String(messageIn!.id) });
      expect(calls.map((c) => `${c.input.account}:${c.input.service}`)).toEqual(['dev:securityhub', 'dev:securityhub']);

      const bad = run('--period', 'fortnight');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('--period must be one of 7d, 30d, mtd, last-month (got "fortnight")');
      const unbound = run('--account', 'staging');
      expect(unbound.status).toBe(1);
      expect(unbound.stderr).toContain('Account "staging" is not bound to this channel; it may query: dev, prod.');
      await expect(
        startDigest({ db: t.db, enqueuer, logger }, 'T0D', 'C0SEC', randomUUID(), { what: 'all', period: '7d', account: 'nope' }),
      ).rejects.toBeInstanceOf(ReportAccountNotBound);
    },
  );
});
