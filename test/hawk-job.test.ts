import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail } from '../src/audit/index.js';
import { Enqueuer } from '../src/queues/index.js';
import type { AwsQueryOutcome, AwsQueryRunner } from '../src/tools/aws/index.js';
import type { AccountTarget, AwsQueryInput, QueryContext } from '../src/tools/aws/types.js';
import { abandonHawkJob, runHawkJob } from '../src/workers/hawk-job.js';
import { recordQuestion } from './helpers/questions.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** hawk's job handler: which account, what gets audited when, and what happens on failure. */

const TEAM = 'T0HAWK001';
const CE = {
  service: 'ce',
  operation: 'GetCostAndUsage',
  params: { TimePeriod: { Start: '2026-11-01', End: '2026-11-25' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] },
};
const logger = pino({ level: 'silent' });

class RecordingRunner implements AwsQueryRunner {
  calls: { account: AccountTarget; ctx: QueryContext; input: AwsQueryInput }[] = [];
  next: AwsQueryOutcome = { status: 'ok', result: { total: '12.34' }, cache: 'none', pages: 1, truncated: false, redactions: 0 };
  async run(account: AccountTarget, ctx: QueryContext, input: AwsQueryInput) {
    this.calls.push({ account, ctx, input });
    return this.next;
  }
  forgetConversation() {}
  async close() {}
}

describe('hawk job', () => {
  let t: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let sentinelQueue: Queue;
  let seq = 0;

  async function question(channelId: string, externallyShared = false) {
    const threadTs = `1764000000.${String(++seq).padStart(6, '0')}`;
    const q = await recordQuestion(t.db, { teamId: TEAM, channelId, threadTs, user: 'U0BOB', text: 'q', externallyShared });
    return { ...q, step: 0 };
  }
  const job = (q: Awaited<ReturnType<typeof question>>, ...inputs: unknown[]) => ({
    ...q,
    calls: inputs.map((input, i) => ({ toolUseId: `toolu_${q.turnId}_${i}`, input })),
  });
  const trail = async (conversationId: string) => readTrail(t.db, conversationId);

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    prefix = uniquePrefix();
    enqueuer = new Enqueuer(redis, prefix);
    sentinelQueue = new Queue('sentinel', { connection: redis, prefix });
    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
    await addAccount(t.db, { teamId: TEAM, name: 'partner', roleArn: 'arn:aws:iam::222222222222:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: TEAM, channelId: '*', accountName: 'prod' });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0SHARED', accountName: 'partner' });
  });
  afterAll(async () => {
    await sentinelQueue.obliterate({ force: true });
    await sentinelQueue.close();
    await enqueuer.close();
    redis.disconnect();
    await t.drop();
    await dropPrefix(prefix);
  });

  it('runs the call on the bound account, audits tool_call before it and tool_result after, then hands back to the sentinel', async () => {
    const runner = new RecordingRunner();
    const q = await question('C0INTERNAL');
    await runHawkJob({ db: t.db, enqueuer, runner, logger }, job(q, CE), { isFinal: false });
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]!.account.accountName).toBe('prod');
    expect(runner.calls[0]!.ctx).toMatchObject({ conversationId: q.conversationId, turnId: q.turnId, teamId: TEAM, userId: 'U0BOB' });
    expect((await trail(q.conversationId)).map((r) => r.kind)).toEqual(['message_in', 'tool_call', 'tool_result']);
    expect(await sentinelQueue.getJob(`s-${q.turnId}-1`)).toBeDefined();
  });

  it("in a Slack Connect thread, uses only the channel's explicit bindings — never the workspace default", async () => {
    const runner = new RecordingRunner();
    const q = await question('C0SHARED', true);
    await runHawkJob({ db: t.db, enqueuer, runner, logger }, job(q, { ...CE, account: 'prod' }, CE), { isFinal: false });
    expect(runner.calls.map((c) => c.account.accountName)).toEqual(['partner']);
    const refused = (await trail(q.conversationId)).find((r) => r.kind === 'refused');
    expect(refused?.payload.reason).toMatch(/account "prod" is not bound to this channel \(bound: partner\)/);
  });

  it('refuses a write before any AWS work and tells the model why', async () => {
    const runner = new RecordingRunner();
    const q = await question('C0INTERNAL');
    await runHawkJob(
      { db: t.db, enqueuer, runner, logger },
      job(q, { service: 'ec2', operation: 'TerminateInstances', params: { InstanceIds: ['i-1'] } }),
      { isFinal: false },
    );
    expect(runner.calls).toHaveLength(0);
    const rows = await trail(q.conversationId);
    expect(rows.map((r) => r.kind)).toEqual(['message_in', 'refused']);
    expect(String(rows[1]!.payload.forModel)).toMatch(/^Refused: .*TerminateInstances/);
  });

  it('makes no AWS call when the tool_call audit row cannot be written', async () => {
    const runner = new RecordingRunner();
    const q = await question('C0INTERNAL');
    await t.db.execute(sql`CREATE OR REPLACE FUNCTION test_fail_tool_call() RETURNS trigger AS $$
      BEGIN IF NEW.kind = 'tool_call' THEN RAISE EXCEPTION 'audit unavailable'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql`);
    await t.db.execute(
      sql`CREATE TRIGGER test_fail_tool_call BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_fail_tool_call()`,
    );
    try {
      await expect(runHawkJob({ db: t.db, enqueuer, runner, logger }, job(q, CE), { isFinal: false })).rejects.toThrow();
      expect(runner.calls).toHaveLength(0);
    } finally {
      await t.db.execute(sql`DROP TRIGGER test_fail_tool_call ON audit_events`);
    }
  });

  it('retries a throttled call, skipping calls already answered, and records the error on the last attempt', async () => {
    const runner = new RecordingRunner();
    const q = await question('C0INTERNAL');
    const j = job(q, { service: 'ec2', operation: 'DescribeRegions' }, CE);
    const deps = { db: t.db, enqueuer, runner, logger };
    runner.run = async function (account, ctx, input) {
      this.calls.push({ account, ctx, input });
      return input.service === 'ce'
        ? { status: 'error', kind: 'throttled', message: 'AWS kept throttling', retryable: true }
        : { status: 'ok', result: { regions: 17 }, cache: 'none', pages: 1, truncated: false, redactions: 0 };
    };
    await expect(runHawkJob(deps, j, { isFinal: false })).rejects.toThrow(/throttling/);
    await runHawkJob(deps, j, { isFinal: true });
    // DescribeRegions ran once; the throttled call twice; its error reached the model on the last try.
    expect(runner.calls.map((c) => c.input.operation)).toEqual(['DescribeRegions', 'GetCostAndUsage', 'GetCostAndUsage']);
    const results = (await trail(q.conversationId)).filter((r) => r.kind === 'tool_result');
    expect(results.map((r) => r.payload.status)).toEqual(['ok', 'error']);
  });

  it('when a job fails for good, closes its calls with errors and still hands the turn back', async () => {
    const q = await question('C0INTERNAL');
    await abandonHawkJob({ db: t.db, enqueuer, runner: new RecordingRunner(), logger }, job(q, CE), new Error('redis down'));
    const result = (await trail(q.conversationId)).find((r) => r.kind === 'tool_result');
    expect(result?.payload).toMatchObject({ isError: true, message: 'redis down' });
    expect(await sentinelQueue.getJob(`s-${q.turnId}-1`)).toBeDefined();
  });
});
