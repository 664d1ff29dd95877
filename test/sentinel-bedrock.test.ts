import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { recordAudit } from '../src/audit/index.js';
import { conversations } from '../src/db/index.js';
import { byToolResults, firstUserText } from './fakes/anthropic.js';
import { startFakeBedrock, type FakeBedrock } from './fakes/bedrock.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { openTestEnqueuer, startRepliesStandIn } from './helpers/replies-stand-in.js';
import { spawnPlainfra, waitFor, type RoleProcess } from './helpers/processes.js';

/**
 * `plainfra sentinel` as operators run it with PLAINFRA_LLM_PROVIDER=bedrock: its own process and
 * environment (AWS credentials from the default chain, no Anthropic key), the real Bedrock SDK
 * against a local InvokeModel server that checks the SigV4 signature, answering a question that
 * the bot's replies queue receives.
 */
const REGION = 'eu-central-1';
const MODEL = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
const KEYS = { accessKeyId: 'AKIDSENTINELTASKROLE', secretAccessKey: 'sentinel-task-role-secret' };

describe('sentinel over Amazon Bedrock (end to end)', () => {
  let t: TestDatabase;
  let prefix: string;
  let bedrock: FakeBedrock;
  let sentinel: RoleProcess | undefined;

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    await addAccount(t.db, { teamId: 'T0B', name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: 'T0B', channelId: 'C0B', accountName: 'prod' });
    bedrock = await startFakeBedrock({
      region: REGION,
      credentials: KEYS,
      models: [MODEL],
      script: byToolResults([{ text: 'Your Bedrock-hosted answer: plainfra reads AWS through hawk, read-only.' }]),
    });
  });
  afterAll(async () => {
    await sentinel?.stop();
    await bedrock.close();
    await t.drop();
    await dropPrefix(prefix);
  });

  it('answers a question through InvokeModel, signed for bedrock in the region, with the model id in the path only', async () => {
    sentinel = spawnPlainfra(['sentinel'], {
      DATABASE_URL: t.url,
      REDIS_URL,
      PLAINFRA_QUEUE_PREFIX: prefix,
      PLAINFRA_LLM_PROVIDER: 'bedrock',
      AWS_REGION: REGION,
      PLAINFRA_MODEL: MODEL,
      PLAINFRA_BEDROCK_ENDPOINT: bedrock.url,
      // The default chain's environment provider, as an ECS task role's credentials would be found.
      AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      PLAINFRA_JOB_LOCK_MS: '5000',
    });
    await sentinel.waitForOutput(/sentinel ready/);
    expect(sentinel.output()).toContain('"llmProvider":"bedrock"');

    const [conv] = await t.db
      .insert(conversations)
      .values({ teamId: 'T0B', channelId: 'C0B', threadTs: '2.000001', startedBy: 'U1' })
      .returning();
    const q = await recordAudit(t.db, {
      conversationId: conv!.id,
      actor: 'bot',
      kind: 'message_in',
      payload: { text: 'Where does the model run?', user: 'U1' },
    });
    const replies = startRepliesStandIn(t.db, prefix);
    const { enqueuer, close: closeEnqueuer } = await openTestEnqueuer(prefix);
    try {
      await enqueuer.add('sentinel', { conversationId: conv!.id, turnId: String(q.row.id), step: 0 });
      await waitFor(() => (replies.posted.length === 1 ? true : undefined), 30_000, `the answer (sentinel output:\n${sentinel.output()})`);
      expect(replies.posted[0]).toContain('Your Bedrock-hosted answer');

      expect(bedrock.requests).toHaveLength(1);
      const [seen] = bedrock.requests;
      expect(seen!.status).toBe(200); // signature recomputed by the fake and matched
      expect(seen!.modelId).toBe(MODEL);
      expect(decodeURIComponent(seen!.path)).toBe(`/model/${MODEL}/invoke`);
      expect(seen!.sigv4).toMatchObject({ accessKeyId: KEYS.accessKeyId, region: REGION, service: 'bedrock' });
      expect(seen!.body).not.toHaveProperty('model');
      expect(seen!.body.anthropic_version).toBe('bedrock-2023-05-31');
      expect(firstUserText(seen!.body)).toContain('Where does the model run?');
      expect((seen!.body.tools ?? []).length).toBeGreaterThan(0);
    } finally {
      await closeEnqueuer();
      await replies.close();
    }
  });

  it('refuses to start with an Anthropic API key beside bedrock, naming it', async () => {
    const p = spawnPlainfra(['sentinel'], {
      DATABASE_URL: t.url,
      PLAINFRA_LLM_PROVIDER: 'bedrock',
      AWS_REGION: REGION,
      PLAINFRA_MODEL: MODEL,
      ANTHROPIC_API_KEY: 'sk-ant-leak',
    });
    await waitFor(() => (p.proc.exitCode !== null ? true : undefined), 20_000, 'the refusal');
    expect(p.proc.exitCode).toBe(2);
    expect(p.output()).toContain('ANTHROPIC_API_KEY is set, but the sentinel process must not hold it');
  });
});
