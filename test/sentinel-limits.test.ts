import { createServer, type Server } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { formatTrail, readTrail, recordAudit } from '../src/audit/index.js';
import { conversations } from '../src/db/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { createAnthropicLlm, runTurnStep } from '../src/agents/index.js';
import { TRANSCRIPT_BUDGET_TOKENS } from '../src/agents/context-limits.js';
import { lastToolResults, startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** Work per question is bounded: docs fetches per question, and the size of every request in a long thread. */
describe('sentinel limits', () => {
  const TEAM = 'T0LIMIT1';
  const CHANNEL = 'C0LIMIT1';
  const logger = pino({ level: 'silent' });
  let t: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let sentinel: Queue;
  let fake: FakeAnthropic;
  let docs: Server;
  let docsUrl: string;
  let docsHits = 0;
  let seq = 0;

  const deps = (over: Record<string, unknown> = {}) => ({
    db: t.db,
    enqueuer,
    logger,
    llm: createAnthropicLlm({ apiKey: 'sk-limits', baseURL: fake.url, maxRetries: 0 }),
    model: 'claude-test',
    maxSteps: 8,
    docsBaseUrl: docsUrl,
    ...over,
  });
  async function thread() {
    const [conv] = await t.db
      .insert(conversations)
      .values({ teamId: TEAM, channelId: CHANNEL, threadTs: `1764200000.${String(++seq).padStart(6, '0')}`, startedBy: 'U0ASK' })
      .returning();
    return conv!.id;
  }
  async function question(conversationId: string, text: string) {
    const { row } = await recordAudit(t.db, { conversationId, actor: 'bot', kind: 'message_in', payload: { text, user: 'U0ASK' } });
    return String(row.id);
  }

  /** The model's side: docs pages while asked for docs, a cost query per question, then an answer. */
  let script: Parameters<typeof startFakeAnthropic>[0]['script'] = () => ({ text: 'unused' });

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    enqueuer = new Enqueuer(redis, prefix);
    sentinel = new Queue('sentinel', { connection: redis, prefix });
    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    fake = await startFakeAnthropic({
      apiKey: 'sk-limits',
      script: (req, n) => (typeof script === 'function' ? script(req, n) : script[n]!),
    });
    docs = createServer((_req, res) => {
      docsHits++;
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>GetCostAndUsage</h1><p>End is exclusive.</p>');
    });
    await new Promise<void>((r) => docs.listen(0, '127.0.0.1', r));
    docsUrl = `http://127.0.0.1:${(docs.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await fake.close();
    docs.close();
    await sentinel.close();
    await enqueuer.close();
    redis.disconnect();
    await t.drop();
    await dropPrefix(prefix);
  });

  it(
    'fetches at most PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION docs pages per question, ' + 'counted from the trail across steps and retries',
    async () => {
      const page = (i: number) => ({ name: 'aws_docs', id: `toolu_doc_${i}`, input: { url: `${docsUrl}/page-${i}.html` } });
      // Step 0 asks for 3 pages, step 1 for 3 more: with a cap of 4, the last 2 are refused.
      script = (req) => (lastToolResults(req.body).length === 0 ? { toolUse: [0, 1, 2].map(page) } : { toolUse: [3, 4, 5].map(page) });
      const conv = await thread();
      const turnId = await question(conv, 'explain GetCostAndUsage');
      const limited = deps({ maxDocsFetches: 4 });
      docsHits = 0;
      await runTurnStep(limited, { conversationId: conv, turnId, step: 0 }, { number: 1, isFinal: false });
      await runTurnStep(limited, { conversationId: conv, turnId, step: 1 }, { number: 1, isFinal: false });
      // A retried step 1 (the job ran again after a crash) fetches nothing more and refuses nothing twice.
      await runTurnStep(limited, { conversationId: conv, turnId, step: 1 }, { number: 2, isFinal: false });
      expect(docsHits).toBe(4);
      const rows = await readTrail(t.db, conv);
      const refused = rows.filter((r) => r.kind === 'refused');
      expect(refused.map((r) => r.payload.toolUseId)).toEqual(['toolu_doc_4', 'toolu_doc_5']);
      expect(refused[0]!.payload).toMatchObject({ budget: 'docs', limit: 4 });
      expect(String(refused[0]!.payload.forModel)).toBe(
        'Refused: this question has used its 4 aws_docs fetches; answer from the pages already read',
      );
      // Readable in `plainfra audit`.
      expect(formatTrail(rows)).toMatch(/sentinel refused .*this question has used its 4 aws_docs fetches/);
      // The default is 10.
      const { sentinelEnv } = await import('../src/config/env.js');
      expect(sentinelEnv.parse({ DATABASE_URL: 'postgres://x@h/db', ANTHROPIC_API_KEY: 'k' }).PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION).toBe(
        10,
      );
    },
  );

  it('keeps every request of a 10-turn thread within the transcript budget plus the newest results', async () => {
    // Each question: one cost query whose result is as big as hawk allows (12 000 characters), then an answer.
    script = (req) => {
      const results = lastToolResults(req.body);
      if (results.length === 0) return { toolUse: [{ name: 'aws_query', input: { service: 'ce', operation: 'GetCostAndUsage' } }] };
      // Words only: an answer's figures must come from the results (these have none), else it is sent back.
      return {
        text: `Spend for that period is in request ${'one'.repeat((req.index % 3) + 1)}. ${'The largest service was EC2. '.repeat(10)}`,
      };
    };
    const conv = await thread();
    const sizes: { turn: number; step: number; chars: number; tokens: number }[] = [];
    for (let turn = 1; turn <= 10; turn++) {
      const turnId = await question(conv, `question ${turn}: what did we spend in week ${turn}?`);
      for (const step of [0, 1]) {
        await runTurnStep(deps(), { conversationId: conv, turnId, step }, { number: 1, isFinal: false });
        const body = fake.requests.at(-1)!.body;
        const chars = JSON.stringify(body.messages).length;
        sizes.push({ turn, step, chars, tokens: Math.ceil(chars / 4) });
        if (step === 0) {
          const use = (await readTrail(t.db, conv)).filter((r) => r.kind === 'llm_response').at(-1)!.payload.content as unknown as {
            id: string;
          }[];
          const result = { marker: `RESULT-OF-TURN-${turn}`, rows: 'x'.repeat(11_900) };
          await recordAudit(t.db, {
            conversationId: conv,
            actor: 'hawk',
            kind: 'tool_result',
            stepKey: `result:${turnId}:${use[0]!.id}`,
            payload: { turnId, step: 0, toolUseId: use[0]!.id, tool: 'aws_query', account: 'prod', status: 'ok', result },
          });
        }
      }
      await recordAudit(t.db, { conversationId: conv, actor: 'bot', kind: 'message_out', stepKey: `out:${turnId}`, payload: { turnId } });
    }
    const last = fake.requests.at(-1)!.body;
    const sent = JSON.stringify(last.messages);
    // The newest result and question are whole; the oldest results are one-line notes.
    expect(sent).toContain('RESULT-OF-TURN-10');
    expect(sent).toContain('question 10: what did we spend in week 10?');
    expect(sent).not.toContain('RESULT-OF-TURN-1"');
    expect(sent).toContain('older result left out to keep this thread within its size budget');
    // The bound (docs/architecture.md): budget + the newest step's results (one 12 000-character result here) + the question.
    const bound = TRANSCRIPT_BUDGET_TOKENS + Math.ceil(12_100 / 4) + 100;
    const largest = Math.max(...sizes.map((s) => s.tokens));
    expect(largest).toBeLessThanOrEqual(bound);
    // It plateaus: the 10th question costs no more than the 6th (without the budget it grows by ~3 000 tokens a turn).
    const ofTurn = (n: number) => Math.max(...sizes.filter((s) => s.turn === n).map((s) => s.tokens));
    expect(ofTurn(10)).toBeLessThanOrEqual(ofTurn(6) + 500);
    expect(ofTurn(10)).toBeGreaterThan(TRANSCRIPT_BUDGET_TOKENS / 2); // and it still carries real history
  });
});
