import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail, recordAudit } from '../src/audit/index.js';
import { awsAccounts } from '../src/db/index.js';
import { assumeRoleHandler, sampleCostAndUsage, startFakeAws, type FakeAws } from './fakes/aws.js';
import { createTestDatabase, createTestRoles, type TestDatabase, type TestRoles } from './helpers/db.js';
import { spawnPlainfra, waitFor, type RoleProcess } from './helpers/processes.js';
import { recordQuestion } from './helpers/questions.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { hawkProcessEnv } from './helpers/role-env.js';

/**
 * A hawk job is a request, not an authority (issue 7 §2, issue 6 §4): jobs forged straight into
 * Redis — as a compromised sentinel could — reach the real `plainfra hawk` process (logged in as its
 * own database role), which re-derives the account and scope from the bot-written message_in and the
 * bindings. Forged jobs make no AWS request at all.
 */
const TEAM = 'T0FORGE01';
const CHANNEL = 'C0FORGE01';
const CE = {
  service: 'ce',
  operation: 'GetCostAndUsage',
  params: { TimePeriod: { Start: '2026-11-01', End: '2026-11-25' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] },
};

describe('forged hawk jobs', () => {
  let t: TestDatabase;
  let roles: TestRoles;
  let aws: FakeAws;
  let hawk: RoleProcess;
  let queue: Queue;
  let sentinelQueue: Queue;
  let prefix: string;
  let seq = 0;

  /** A question the bot recorded, as intake does (owner login here stands in for the bot's). */
  async function question(accounts = ['prod']) {
    return recordQuestion(t.db, {
      teamId: TEAM,
      channelId: CHANNEL,
      threadTs: `1764000000.${String(++seq).padStart(6, '0')}`,
      user: 'U0ANN',
      text: 'costs?',
      payload: { team: TEAM, channel: CHANNEL, accounts },
    });
  }
  /** Adds a job the way anyone holding the Redis connection could, bypassing plainfra's Enqueuer. */
  async function forge(data: { conversationId: string; turnId: string; step?: number; calls: { toolUseId: string; input: unknown }[] }) {
    const jobId = `forged-${++seq}`;
    await queue.add('hawk', { step: 0, ...data }, { jobId, attempts: 1 });
    return waitFor(
      async () => {
        const state = await (await queue.getJob(jobId))?.getState();
        return state === 'completed' || state === 'failed' ? state : undefined;
      },
      20_000,
      `forged job ${jobId} to finish`,
    );
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    roles = await createTestRoles(t);
    prefix = uniquePrefix();
    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
    await addAccount(t.db, { teamId: TEAM, name: 'partner', roleArn: 'arn:aws:iam::222222222222:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0OTHER01', accountName: 'partner' });
    const [prod] = await t.db.select().from(awsAccounts).where(sql`name = 'prod'`);
    aws = await startFakeAws({
      handlers: {
        'sts:AssumeRole': assumeRoleHandler({ externalId: prod!.externalId, roleArn: prod!.roleArn }),
        'ce:GetCostAndUsage': () => ({ result: sampleCostAndUsage() }),
      },
    });
    queue = new Queue('hawk', { connection: { url: REDIS_URL }, prefix });
    sentinelQueue = new Queue('sentinel', { connection: { url: REDIS_URL }, prefix });
    hawk = spawnPlainfra(['hawk'], hawkProcessEnv({ databaseUrl: roles.urls.hawk, prefix, awsUrl: aws.url }));
    await hawk.waitForOutput(/hawk ready/, 60_000);
  }, 90_000);
  afterAll(async () => {
    await hawk?.stop();
    await queue?.close();
    await sentinelQueue?.close();
    await aws?.close();
    await t.drop();
    await roles.drop();
    await dropPrefix(prefix);
  });

  it('runs with its own login, without the owner-login warning', () => {
    expect(hawk.output()).not.toMatch(/connects to Postgres as/);
  });

  it("refuses a forged job naming an account outside the conversation's scope, with no AWS request", async () => {
    const q = await question();
    expect(await forge({ ...q, calls: [{ toolUseId: 'toolu_f1', input: { ...CE, account: 'partner' } }] })).toBe('completed');
    expect(aws.requests).toHaveLength(0);
    const refused = (await readTrail(t.db, q.conversationId)).find((r) => r.kind === 'refused');
    expect(refused).toMatchObject({ actor: 'hawk', payload: { reason: 'account "partner" is not bound to this channel (bound: prod)' } });
  });

  it('refuses an account whose binding was removed after the question came in (current scope)', async () => {
    const q = await question();
    await t.db.execute(sql`DELETE FROM channel_bindings WHERE channel_id = ${CHANNEL}`);
    try {
      expect(await forge({ ...q, calls: [{ toolUseId: 'toolu_f2', input: { ...CE, account: 'prod' } }] })).toBe('completed');
    } finally {
      await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    }
    expect(aws.requests).toHaveLength(0);
    const refused = (await readTrail(t.db, q.conversationId)).find((r) => r.kind === 'refused');
    expect(String(refused?.payload.reason)).toMatch(/no AWS account is bound to this Slack channel/);
  });

  it('refuses an account bound after the question came in (scope is fixed at intake)', async () => {
    const q = await question([]);
    expect(await forge({ ...q, calls: [{ toolUseId: 'toolu_f3', input: { ...CE, account: 'prod' } }] })).toBe('completed');
    expect(aws.requests).toHaveLength(0);
  });

  it('drops a job whose turn is not a bot-written message_in, audits why, and hands nothing to the sentinel', async () => {
    const q = await question();
    const { row: notAQuestion } = await recordAudit(t.db, {
      conversationId: q.conversationId,
      actor: 'sentinel',
      kind: 'llm_response',
      payload: { turnId: q.turnId, step: 0, content: [{ type: 'text', text: 'x' }] },
    });
    expect(
      await forge({ conversationId: q.conversationId, turnId: String(notAQuestion.id), calls: [{ toolUseId: 'toolu_f4', input: CE }] }),
    ).toBe('failed');
    expect(aws.requests).toHaveLength(0);
    const refused = (await readTrail(t.db, q.conversationId)).filter((r) => r.kind === 'refused');
    expect(refused).toEqual([
      expect.objectContaining({
        actor: 'hawk',
        payload: expect.objectContaining({ reason: `turn ${notAQuestion.id} is not a question the bot recorded in this conversation` }),
      }),
    ]);
    expect(await sentinelQueue.getJob(`s-${notAQuestion.id}-1`)).toBeUndefined();
    expect(await sentinelQueue.getJob(`s-${q.turnId}-1`)).toBeUndefined();
  });

  it('drops a job for a turn that is already answered, and one for a conversation that does not exist', async () => {
    const q = await question();
    await recordAudit(t.db, {
      conversationId: q.conversationId,
      actor: 'bot',
      kind: 'message_out',
      stepKey: `out:${q.turnId}`,
      payload: { turnId: q.turnId, text: 'done' },
    });
    expect(await forge({ ...q, calls: [{ toolUseId: 'toolu_f5', input: CE }] })).toBe('failed');
    expect(
      await forge({
        conversationId: '00000000-0000-4000-8000-000000000001',
        turnId: q.turnId,
        calls: [{ toolUseId: 'toolu_f6', input: CE }],
      }),
    ).toBe('failed');
    expect(aws.requests).toHaveLength(0);
    expect((await readTrail(t.db, q.conversationId)).at(-1)?.payload.reason).toBe(`turn ${q.turnId} is already closed (out)`);
  });

  it("still runs a genuine call in scope (the control): AssumeRole with the account's ExternalId", async () => {
    const q = await question();
    expect(await forge({ ...q, calls: [{ toolUseId: 'toolu_ok', input: CE }] })).toBe('completed');
    expect(aws.requestsFor('sts:AssumeRole')).toHaveLength(1);
    expect(aws.requestsFor('ce:GetCostAndUsage')).toHaveLength(1);
    expect((await readTrail(t.db, q.conversationId)).map((r) => r.kind)).toEqual(['message_in', 'tool_call', 'tool_result']);
  });
});
