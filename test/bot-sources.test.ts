import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../src/audit/index.js';
import { loadConfig } from '../src/config/index.js';
import { conversations } from '../src/db/index.js';
import { createLogger } from '../src/log/index.js';
import type { Enqueuer } from '../src/queues/index.js';
import { buildSourcesView } from '../src/bot/sources.js';
import { runBot, type RunningBot } from '../src/workers/bot.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { postSignedEvent } from './fakes/slack-signing.js';
import { inProcessBotEnv } from './helpers/bot-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropPrefix, uniquePrefix } from './helpers/redis.js';
import { openQueueProbes, type QueueProbes } from './helpers/queue-probes.js';

/** The Sources button: on every answer, and a click opens the modal built from the audit trail. */

const SECRET = 'sources-signing-secret';
const TOKEN = 'xoxb-sources';
const TEAM = 'T0SRC0001';
const CHANNEL = 'C0SRC0001';
const THREAD = '1764600000.000100';

let tdb: TestDatabase;
let slack: FakeSlack;
let bot: RunningBot;
let eventsUrl: string;
let prefix: string;
let probes: QueueProbes;
let enqueuer: Enqueuer;
let conversationId: string;
let turnId: string;
let triggerSeq = 0;

/** A block_actions payload exactly as Slack posts it (form-encoded `payload`). */
function click(value: string, o: { team?: string; channel?: string; triggerId?: string } = {}) {
  const triggerId = o.triggerId ?? `${Date.now()}.${++triggerSeq}.abcdef0123456789`;
  const payload = {
    type: 'block_actions',
    team: { id: o.team ?? TEAM, domain: 'acme' },
    user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: o.team ?? TEAM },
    api_app_id: 'A0PLAINFRA',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: '1764600001.000200',
      channel_id: o.channel ?? CHANNEL,
      is_ephemeral: false,
      thread_ts: THREAD,
    },
    trigger_id: triggerId,
    channel: { id: o.channel ?? CHANNEL, name: 'cost' },
    message: { type: 'message', ts: '1764600001.000200', text: 'answer' },
    response_url: 'https://hooks.slack.com/actions/T0/1/x',
    actions: [
      {
        type: 'button',
        action_id: 'plainfra_sources',
        block_id: 'plainfra_sources_block',
        text: { type: 'plain_text', text: 'Sources' },
        value,
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), triggerId };
}

const viewOf = (call: { args: Record<string, unknown> }) =>
  (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
    title: { text: string };
    blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[];
  };
const textOf = (view: ReturnType<typeof viewOf>) =>
  view.blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');

beforeAll(async () => {
  tdb = await createTestDatabase();
  prefix = uniquePrefix();
  slack = await startFakeSlack({ token: TOKEN, teamId: TEAM, botUserId: 'U0PLAINFRA' });
  const [conv] = await tdb.db
    .insert(conversations)
    .values({ teamId: TEAM, channelId: CHANNEL, threadTs: THREAD, startedBy: 'U0ALICE' })
    .returning();
  conversationId = conv!.id;
  const db = tdb.db;
  const q = await recordAudit(db, {
    conversationId,
    actor: 'bot',
    kind: 'message_in',
    payload: { text: 'what did we spend in November?', user: 'U0ALICE' },
  });
  turnId = String(q.row.id);
  const input = {
    service: 'ce',
    operation: 'GetCostAndUsage',
    params: {
      TimePeriod: { Start: '2026-11-01', End: '2026-12-01' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'RECORD_TYPE' }],
    },
  };
  await recordAudit(db, {
    conversationId,
    actor: 'hawk',
    kind: 'tool_call',
    stepKey: `call:${turnId}:toolu_ce`,
    payload: { turnId, step: 0, toolUseId: 'toolu_ce', tool: 'aws_query', input, account: 'prod' },
  });
  await recordAudit(db, {
    conversationId,
    actor: 'hawk',
    kind: 'tool_result',
    stepKey: `result:${turnId}:toolu_ce`,
    payload: {
      turnId,
      step: 0,
      toolUseId: 'toolu_ce',
      tool: 'aws_query',
      account: 'prod',
      status: 'ok',
      cache: 'hit',
      result: { grandTotal: { UnblendedCost: { Amount: 1234.56 } } },
    },
  });
  await recordAudit(db, {
    conversationId,
    actor: 'sentinel',
    kind: 'tool_call',
    stepKey: `call:${turnId}:toolu_doc`,
    payload: {
      turnId,
      step: 0,
      toolUseId: 'toolu_doc',
      tool: 'aws_docs',
      input: { url: 'https://docs.aws.amazon.com/cost-management/latest/userguide/ce-filtering.html' },
    },
  });
  await recordAudit(db, {
    conversationId,
    actor: 'sentinel',
    kind: 'tool_result',
    stepKey: `result:${turnId}:toolu_doc`,
    payload: { turnId, step: 0, toolUseId: 'toolu_doc', tool: 'aws_docs', status: 'ok', forModel: 'page' },
  });
  await recordAudit(db, {
    conversationId,
    actor: 'sentinel',
    kind: 'grounding',
    stepKey: `grounding:${turnId}:1`,
    payload: {
      turnId,
      step: 1,
      verdict: 'grounded',
      figures: [{ text: '$1,234.56', value: 1234.56, kind: 'amount', verified: true, rule: 'direct', refs: ['toolu_ce'] }],
    },
  });

  const config = loadConfig(
    'bot',
    inProcessBotEnv({ databaseUrl: tdb.url, prefix, slackUrl: slack.url, botToken: TOKEN, transport: { SLACK_SIGNING_SECRET: SECRET } }),
  );
  bot = await runBot(config, createLogger('bot', process.env.TEST_LOG_LEVEL ?? 'silent'));
  eventsUrl = `http://127.0.0.1:${bot.port}/slack/events`;
  probes = openQueueProbes(prefix);
  enqueuer = probes.enqueuer;
});

afterAll(async () => {
  await bot?.close();
  await probes?.close();
  await slack?.close();
  await tdb?.drop();
  if (prefix) await dropPrefix(prefix);
});

describe('bot › Sources', () => {
  it('every answer carries a Sources button naming its turn', async () => {
    await enqueuer.add('replies', { conversationId, turnId, text: 'November: *$1,234.56*.', outcome: 'answer' });
    const post = await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === THREAD, 15_000);
    const blocks = post.args.blocks as { type: string; text?: { text: string }; elements?: { action_id: string; value: string }[] }[];
    expect(blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: 'November: *$1,234.56*.' } });
    expect(blocks.at(-1)).toMatchObject({
      type: 'actions',
      elements: [{ action_id: 'plainfra_sources', value: JSON.stringify({ c: conversationId, t: turnId }) }],
    });
  });

  it('a signed click opens the modal from the audit trail, with the click’s trigger_id, within 3 s', async () => {
    slack.clearCalls();
    const { body, triggerId } = click(JSON.stringify({ c: conversationId, t: turnId }));
    const started = Date.now();
    const res = await postSignedEvent(eventsUrl, SECRET, body);
    expect(res.status).toBe(200);
    const open = await slack.waitFor('views.open', () => true, 3_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(open.ok).toBe(true);
    expect(open.args.trigger_id).toBe(triggerId);
    const view = viewOf(open);
    expect(view.title.text).toBe('Sources');
    const text = textOf(view);
    expect(text).toContain('*ce GetCostAndUsage* — account prod, region us-east-1 (global)');
    expect(text).toContain(
      'TimePeriod 2026-11-01 → 2026-12-01 (end exclusive); Granularity "MONTHLY"; Metrics ["UnblendedCost"]; ' +
        'GroupBy [{"Key":"RECORD_TYPE","Type":"DIMENSION"}]',
    );
    expect(text).toMatch(/ok, from the Cost Explorer cache · \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    expect(text).toContain('Figures from this call: $1,234.56');
    expect(text).toContain('*Docs page* https://docs.aws.amazon.com/cost-management/latest/userguide/ce-filtering.html — fetched');
    expect(text).toContain(`plainfra audit --thread ${CHANNEL}:${THREAD}`);
    // No AWS request, no LLM call: the bot holds neither, and nothing but views.open went to Slack.
    expect(slack.calls.map((c) => c.method)).toEqual(['views.open']);
  });

  it('a redelivered click (same trigger_id) opens nothing twice', async () => {
    slack.clearCalls();
    const first = click(JSON.stringify({ c: conversationId, t: turnId }));
    await postSignedEvent(eventsUrl, SECRET, first.body);
    await slack.waitFor('views.open', () => true, 3_000);
    const again = await postSignedEvent(eventsUrl, SECRET, first.body, { retryNum: 1 });
    expect(again.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.callsTo('views.open')).toHaveLength(1);
  });

  it('rejects a forged click and ignores a click from another channel', async () => {
    slack.clearCalls();
    const forged = await postSignedEvent(eventsUrl, SECRET, click(JSON.stringify({ c: conversationId, t: turnId })).body, {
      badSignature: true,
    });
    expect(forged.status).toBe(401);
    const elsewhere = await postSignedEvent(
      eventsUrl,
      SECRET,
      click(JSON.stringify({ c: conversationId, t: turnId }), { channel: 'C0OTHER01' }).body,
    );
    expect(elsewhere.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.callsTo('views.open')).toHaveLength(0);
  });

  it('a click on an answer whose audit rows were pruned says so', async () => {
    slack.clearCalls();
    await postSignedEvent(eventsUrl, SECRET, click(JSON.stringify({ c: '00000000-0000-4000-8000-000000000000', t: '42' })).body);
    const open = await slack.waitFor('views.open', () => true, 3_000);
    expect(textOf(viewOf(open))).toMatch(/audit records behind this answer are no longer kept/);
  });

  it('stays within Slack’s modal limits on a turn with many calls, and keeps AWS text inert', async () => {
    const trail = Array.from({ length: 150 }, (_, i) => ({
      id: i + 2,
      createdAt: new Date('2026-12-01T00:00:00Z'),
      conversationId,
      actor: 'hawk' as const,
      stepKey: null,
      kind: 'tool_call' as const,
      payload: {
        turnId: '1',
        toolUseId: `t${i}`,
        tool: 'aws_query',
        account: 'prod',
        input: {
          service: 'ec2',
          operation: 'DescribeInstances',
          region: '<!channel>',
          params: { Filters: [{ Name: 'tag:x', Values: ['y'.repeat(5000)] }] },
        },
      },
    }));
    const view = buildSourcesView(
      [{ id: 1, createdAt: new Date(), conversationId, actor: 'bot', stepKey: null, kind: 'message_in', payload: { text: 'q' } }, ...trail],
      '1',
      { channel: CHANNEL, threadTs: THREAD },
    ) as { blocks: { text?: { text: string }; elements?: { text: string }[] }[] };
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    for (const b of view.blocks)
      for (const t of [b.text?.text, ...(b.elements ?? []).map((e) => e.text)]) if (t) expect(t.length).toBeLessThanOrEqual(3_000);
    const all = JSON.stringify(view);
    expect(all).toMatch(/more; the whole list is in the audit trail/);
    expect(all).not.toContain('<!channel>');
  });
});
