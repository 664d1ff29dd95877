import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { recordAudit } from '../src/audit/index.js';
import { loadConfig } from '../src/config/index.js';
import { conversations } from '../src/db/index.js';
import type { Llm, LlmRequest, LlmResponse } from '../src/agents/llm.js';
import { runSentinel } from '../src/workers/sentinel.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { openTestEnqueuer, startRepliesStandIn } from './helpers/replies-stand-in.js';
import { waitFor } from './helpers/processes.js';

/** The sentinel worker as deployed (BullMQ, delays, retries), with the model scripted in-process. */
describe('sentinel worker', () => {
  const logger = pino({ level: 'silent' });
  let t: TestDatabase;
  let prefix: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    await addAccount(t.db, { teamId: 'T0W', name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: 'T0W', channelId: 'C0W', accountName: 'prod' });
  });
  afterAll(async () => {
    await t.drop();
    await dropPrefix(prefix);
  });

  it('answers two questions of one thread in order, even when the follow-up is picked up first', async () => {
    const seen: string[][] = [];
    const llm: Llm = {
      async create(req: LlmRequest): Promise<LlmResponse> {
        seen.push(req.messages.map((m) => JSON.stringify(m.content)));
        const last = JSON.stringify(req.messages[req.messages.length - 1]!.content);
        return {
          id: 'm',
          model: req.model,
          stopReason: 'end_turn',
          usage: {},
          content: [{ type: 'text', text: last.includes('S3') ? 'S3 answer' : 'EC2 answer' }],
        };
      },
    };
    const config = loadConfig('sentinel', {
      DATABASE_URL: t.url,
      REDIS_URL,
      PLAINFRA_QUEUE_PREFIX: prefix,
      ANTHROPIC_API_KEY: 'unused',
      PLAINFRA_JOB_LOCK_MS: '5000',
    });
    const [conv] = await t.db
      .insert(conversations)
      .values({ teamId: 'T0W', channelId: 'C0W', threadTs: '1.000001', startedBy: 'U1' })
      .returning();
    const a = await recordAudit(t.db, {
      conversationId: conv!.id,
      actor: 'bot',
      kind: 'message_in',
      payload: { text: 'EC2 costs?', user: 'U1' },
    });
    const b = await recordAudit(t.db, {
      conversationId: conv!.id,
      actor: 'bot',
      kind: 'message_in',
      payload: { text: 'and S3?', user: 'U1' },
    });

    const replies = startRepliesStandIn(t.db, prefix);
    const sentinel = await runSentinel(config, logger, llm);
    const { enqueuer, close: closeEnqueuer } = await openTestEnqueuer(prefix);
    try {
      await enqueuer.add('sentinel', { conversationId: conv!.id, turnId: String(b.row.id), step: 0 });
      await new Promise((r) => setTimeout(r, 300)); // the follow-up is seen first and must wait
      await enqueuer.add('sentinel', { conversationId: conv!.id, turnId: String(a.row.id), step: 0 });
      await waitFor(() => (replies.posted.length === 2 ? true : undefined), 20_000, 'both answers');
      expect(replies.posted).toEqual(['EC2 answer', 'S3 answer']);
      // The follow-up's transcript: question A, answer A, question B.
      expect(seen[1]).toHaveLength(3);
      expect(seen[1]![1]).toContain('EC2 answer');
    } finally {
      await closeEnqueuer();
      await sentinel.close();
      await replies.close();
    }
  });
});
