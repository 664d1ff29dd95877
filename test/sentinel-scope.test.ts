import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel, unbindChannel } from '../src/accounts/index.js';
import { readTrail, recordAudit } from '../src/audit/index.js';
import { conversations } from '../src/db/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { createAnthropicLlm, runTurnStep } from '../src/agents/index.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** A thread must not outlive its scope: every step re-reads what the channel may query. */
describe('sentinel scope of an old thread', () => {
  const TEAM = 'T0SCOPE1';
  const logger = pino({ level: 'silent' });
  let t: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let hawk: Queue;
  let replies: Queue;
  let fake: FakeAnthropic;
  let seq = 0;

  const deps = () => ({
    db: t.db,
    enqueuer,
    logger,
    llm: createAnthropicLlm({ apiKey: 'sk-scope', baseURL: fake.url, maxRetries: 0 }),
    model: 'claude-test',
    maxSteps: 4,
    docsBaseUrl: 'https://docs.aws.amazon.com',
  });

  async function thread(channelId: string) {
    const [conv] = await t.db
      .insert(conversations)
      .values({ teamId: TEAM, channelId, threadTs: `1764100000.${String(++seq).padStart(6, '0')}`, startedBy: 'U0ASK' })
      .returning();
    return conv!.id;
  }
  async function question(conversationId: string, text: string) {
    const { row } = await recordAudit(t.db, { conversationId, actor: 'bot', kind: 'message_in', payload: { text, user: 'U0ASK' } });
    return String(row.id);
  }
  /** One finished turn, written as the sentinel, hawk and the bot write it. */
  async function answeredTurn(conversationId: string, results: { id: string; account: string; result: unknown }[], answer: string) {
    const turnId = await question(conversationId, 'what did each account spend?');
    const use = (r: (typeof results)[number]) => ({
      type: 'tool_use',
      id: r.id,
      name: 'aws_query',
      input: { account: r.account, service: 'ce', operation: 'GetCostAndUsage' },
    });
    await recordAudit(t.db, {
      conversationId,
      actor: 'sentinel',
      kind: 'llm_response',
      stepKey: `llm:${turnId}:0`,
      payload: { turnId, step: 0, stopReason: 'tool_use', content: results.map(use) },
    });
    for (const r of results) {
      await recordAudit(t.db, {
        conversationId,
        actor: 'hawk',
        kind: 'tool_result',
        stepKey: `result:${turnId}:${r.id}`,
        payload: { turnId, step: 0, toolUseId: r.id, tool: 'aws_query', account: r.account, status: 'ok', result: r.result },
      });
    }
    await recordAudit(t.db, {
      conversationId,
      actor: 'sentinel',
      kind: 'llm_response',
      stepKey: `llm:${turnId}:1`,
      payload: { turnId, step: 1, stopReason: 'end_turn', content: [{ type: 'text', text: answer }] },
    });
    await recordAudit(t.db, { conversationId, actor: 'bot', kind: 'message_out', stepKey: `out:${turnId}`, payload: { turnId } });
    return turnId;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    enqueuer = new Enqueuer(redis, prefix);
    hawk = new Queue('hawk', { connection: redis, prefix });
    replies = new Queue('replies', { connection: redis, prefix });
    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
    await addAccount(t.db, { teamId: TEAM, name: 'partner', roleArn: 'arn:aws:iam::222222222222:role/plainfra-readonly' });
    fake = await startFakeAnthropic({ apiKey: 'sk-scope', script: () => ({ text: 'Prod spent $111.11.' }) });
  });
  afterAll(async () => {
    await fake.close();
    await Promise.all([hawk.close(), replies.close()]);
    await enqueuer.close();
    redis.disconnect();
    await t.drop();
    await dropPrefix(prefix);
  });

  it("withholds an unbound account's earlier results, and the answer that quoted them, from the next request", async () => {
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0TWO', accountName: 'prod' });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0TWO', accountName: 'partner' });
    const conv = await thread('C0TWO');
    await answeredTurn(
      conv,
      [
        { id: 'toolu_prod', account: 'prod', result: { grandTotal: { UnblendedCost: { Amount: 111.11 } } } },
        { id: 'toolu_partner', account: 'partner', result: { grandTotal: { UnblendedCost: { Amount: 98765.43 } }, note: 'PARTNER-ONLY' } },
      ],
      'Prod spent $111.11 and partner spent $98,765.43 (PARTNER-ONLY).',
    );
    await unbindChannel(t.db, { teamId: TEAM, channelId: 'C0TWO', accountName: 'partner' });

    const turnId = await question(conv, 'and how does that compare with last month?');
    const before = fake.requests.length;
    await runTurnStep(deps(), { conversationId: conv, turnId, step: 0 }, { number: 1, isFinal: false });
    expect(fake.requests).toHaveLength(before + 1);
    const sent = JSON.stringify(fake.requests.at(-1)!.body.messages);
    expect(sent).not.toContain('98765.43');
    expect(sent).not.toContain('98,765.43');
    expect(sent).not.toContain('PARTNER-ONLY');
    // prod's result stays; the partner result and the answer written after it are one-line notes.
    expect(sent).toContain('111.11');
    expect(sent).toContain('withheld: this result came from an AWS account this conversation may no longer query');
    expect(sent).toContain('withheld: an earlier answer written after reading data from an AWS account');
    expect(fake.requests.at(-1)!.body.system).not.toContain('partner');
    // The llm_request row says what was left out.
    const request = (await readTrail(t.db, conv)).filter((r) => r.kind === 'llm_request').at(-1)!;
    expect(request.payload.trimmed).toMatchObject({ withheld: { results: 1, texts: 1 } });
  });

  it("withholds the workspace default's results once the thread becomes Slack Connect", async () => {
    await bindChannel(t.db, { teamId: TEAM, channelId: '*', accountName: 'prod' });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0CONNECT', accountName: 'partner' });
    const conv = await thread('C0CONNECT');
    await answeredTurn(conv, [{ id: 'toolu_default', account: 'prod', result: { total: 4242.42 } }], 'Prod spent $4,242.42.');
    // Someone from another organisation joins: intake marks the conversation shared (sticky).
    await t.db.update(conversations).set({ externallyShared: true }).where(eq(conversations.id, conv));
    const turnId = await question(conv, 'and partner?');
    await runTurnStep(deps(), { conversationId: conv, turnId, step: 0 }, { number: 1, isFinal: false });
    const sent = JSON.stringify(fake.requests.at(-1)!.body.messages);
    expect(sent).not.toContain('4242.42');
    expect(sent).not.toContain('4,242.42');
    expect(sent).toContain('and partner?');
    await unbindChannel(t.db, { teamId: TEAM, channelId: '*', accountName: 'prod' });
  });

  it('answers a follow-up with the "not allowed to query" reply once no account is left: no LLM call, no AWS request', async () => {
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0GONE', accountName: 'prod' });
    const conv = await thread('C0GONE');
    await answeredTurn(conv, [{ id: 'toolu_gone', account: 'prod', result: { total: 5.55 } }], 'Prod spent $5.55.');
    await unbindChannel(t.db, { teamId: TEAM, channelId: 'C0GONE', all: true });

    const turnId = await question(conv, 'and yesterday?');
    const before = fake.requests.length;
    await runTurnStep(deps(), { conversationId: conv, turnId, step: 0 }, { number: 1, isFinal: false });
    expect(fake.requests).toHaveLength(before);
    expect(await hawk.getJob(`h-${turnId}-0`)).toBeUndefined();
    const reply = await replies.getJob(`r-${turnId}`);
    expect(reply?.data).toMatchObject({ outcome: 'refused' });
    expect(reply?.data.text).toContain("This channel isn't allowed to query any AWS account yet");
    expect(reply?.data.text).toContain(`plainfra channels bind --team ${TEAM} --channel C0GONE --account NAME`);
    const rows = await readTrail(t.db, conv);
    expect(rows.filter((r) => r.kind === 'llm_request' && r.payload.turnId === turnId)).toEqual([]);
    expect(rows.find((r) => r.kind === 'refused' && r.payload.turnId === turnId)?.payload).toMatchObject({ reason: 'channel_not_bound' });
  });
});
