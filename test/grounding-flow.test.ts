import { Redis } from 'ioredis';
import pino from 'pino';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { isKind, readTrail, recordAudit } from '../src/audit/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { createAnthropicLlm, runTurnStep } from '../src/agents/index.js';
import { BotMetrics, deliverReply } from '../src/bot/index.js';
import { FIGURE_REMOVED } from '../src/grounding/gate.js';
import { byToolResults, startFakeAnthropic, type FakeAnthropic, type Turn } from './fakes/anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { recordQuestion } from './helpers/questions.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { dropTurnQueues, openTurnQueues, type TurnQueues } from './helpers/queue-probes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * No unverified number reaches Slack: the real Anthropic SDK against the local Messages server, the
 * sentinel's steps, hawk's result as hawk records it, and the bot's real reply path against the
 * local Slack Web API.
 */

const TEAM = 'T0GROUND1';
const CHANNEL = 'C0GROUND1';
const INVENTED = /98,?765(?:\.43)?/;
const logger = pino({ level: 'silent' });

const costQuery: Turn = {
  toolUse: [
    {
      name: 'aws_query',
      input: {
        service: 'ce',
        operation: 'GetCostAndUsage',
        params: { TimePeriod: { Start: '2026-11-01', End: '2026-12-01' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] },
      },
    },
  ],
};
/** hawk's shaped Cost Explorer result, as it records it. */
const ceResult = {
  ResultsByTime: [
    {
      TimePeriod: { Start: '2026-11-01', End: '2026-12-01' },
      Total: { UnblendedCost: { Amount: '1234.5612', Unit: 'USD' } },
      Estimated: true,
    },
  ],
  grandTotal: { UnblendedCost: { Amount: 1234.56, Unit: 'USD' } },
};
/** October's data is another figure: a model that fetches it may then use it. */
function resultFor(input: unknown) {
  const start = (input as { params?: { TimePeriod?: { Start?: string } } }).params?.TimePeriod?.Start;
  if (start !== '2026-10-01') return ceResult;
  return {
    ResultsByTime: [
      {
        TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
        Total: { UnblendedCost: { Amount: '1100.0', Unit: 'USD' } },
        Estimated: false,
      },
    ],
  };
}
const invented: Turn = { text: 'In November EC2 cost *$1,234.56* and S3 cost *$98,765.43* (98765.43 USD).' };
const corrected: Turn = { text: 'In November your unblended cost was *$1,234.56*; I have no S3 figure from the data.' };

describe('grounding: no unverified number reaches Slack', () => {
  let t: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let queues: TurnQueues;
  let llm: FakeAnthropic;
  let slack: FakeSlack;
  let web: WebClient;
  let script: Array<Turn> = [];
  let seq = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    enqueuer = new Enqueuer(redis, prefix);
    queues = openTurnQueues(redis, prefix);
    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    llm = await startFakeAnthropic({ apiKey: 'sk-ground', script: (req) => byToolResults(script)(req) });
    slack = await startFakeSlack({ token: 'xoxb-ground', teamId: TEAM });
    web = new WebClient('xoxb-ground', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await dropTurnQueues(queues);
    await enqueuer.close();
    redis.disconnect();
    await llm.close();
    await slack.close();
    await t.drop();
    await dropPrefix(prefix);
  });

  const deps = {
    get db() {
      return t.db;
    },
    get enqueuer() {
      return enqueuer;
    },
    logger,
    get llm() {
      return createAnthropicLlm({ apiKey: 'sk-ground', baseURL: llm.url, maxRetries: 0 });
    },
    model: 'claude-test',
    maxSteps: 6,
    docsBaseUrl: 'https://docs.aws.amazon.com',
  };

  /** A question through every step until its reply is queued, then posted by the bot's reply path. */
  async function ask(question: string, maxSteps = 6) {
    const threadTs = `1764300000.${String(++seq).padStart(6, '0')}`;
    const q = await recordQuestion(t.db, { teamId: TEAM, channelId: CHANNEL, threadTs, user: 'U0ASK', text: question });
    for (let step = 0; step < maxSteps + 1; step++) {
      await runTurnStep({ ...deps, maxSteps }, { ...q, step }, { number: 1, isFinal: false });
      const reply = await queues.replies.getJob(`r-${q.turnId}`);
      if (reply) {
        await deliverReply({ db: t.db, client: web, logger, metrics: new BotMetrics() }, reply.data);
        break;
      }
      const hawk = await queues.hawk.getJob(`h-${q.turnId}-${step}`);
      for (const call of hawk?.data.calls ?? []) {
        await recordAudit(t.db, {
          conversationId: q.conversationId,
          actor: 'hawk',
          kind: 'tool_result',
          stepKey: `result:${q.turnId}:${call.toolUseId}`,
          payload: { turnId: q.turnId, step, toolUseId: call.toolUseId, account: 'prod', status: 'ok', result: resultFor(call.input) },
        });
      }
    }
    return { ...q, threadTs, trail: await readTrail(t.db, q.conversationId) };
  }

  it('sends a draft with an invented figure back once, and posts the corrected answer', async () => {
    script = [costQuery, invented, corrected];
    slack.clearCalls();
    const { threadTs, trail } = await ask('what did we spend in November?');
    const posted = slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === threadTs);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.args.text).toContain('$1,234.56');
    expect(JSON.stringify(slack.calls)).not.toMatch(INVENTED);
    // The model read plainfra's note naming the figure, right after its draft.
    const third = llm.requests.filter((r) => r.status === 200).at(-1)!.body;
    const note = JSON.stringify(third.messages!.at(-1));
    expect(note).toContain('$98,765.43');
    expect(note).toMatch(/appear in no tool result/);
    expect(third.messages!.at(-2)!.role).toBe('assistant');
    // Audited: the send-back, then the corrected answer grounded (with the call that supplied it).
    const checks = trail.filter(isKind('grounding')).map((r) => r.payload);
    expect(checks.map((c) => c.verdict)).toEqual(['sent_back', 'grounded']);
    expect(checks[0]!.figures.filter((f) => !f.verified).map((f) => f.text)).toEqual(['$98,765.43', '(98765.43 USD)']);
    const hawkCall = trail.filter(isKind('tool_result'))[0]!.payload.toolUseId;
    expect(checks[1]!.figures[0]).toMatchObject({ text: '$1,234.56', verified: true, rule: 'direct', refs: [hawkCall] });
    expect(trail.filter(isKind('llm_request'))).toHaveLength(3);
  });

  it('replaces figures a model never corrects; Slack never sees the number', async () => {
    script = [costQuery, invented, invented];
    slack.clearCalls();
    const { threadTs, trail } = await ask('what did we spend in November?');
    const posted = slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === threadTs);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.args.text).toContain(FIGURE_REMOVED);
    expect(posted[0]!.args.text).toContain('$1,234.56');
    expect(JSON.stringify(slack.calls)).not.toMatch(INVENTED);
    expect(trail.filter(isKind('grounding')).map((r) => r.payload.verdict)).toEqual(['sent_back', 'removed']);
    // The bot's own record of what it posted carries no trace of the number either.
    expect(JSON.stringify(trail.filter(isKind('message_out')))).not.toMatch(INVENTED);
  });

  it('at the step cap there is no room to send back: the figure is removed at once', async () => {
    script = [costQuery, invented];
    slack.clearCalls();
    const { trail } = await ask('what did we spend in November?', 2);
    expect(trail.filter(isKind('grounding')).map((r) => r.payload.verdict)).toEqual(['removed']);
    expect(JSON.stringify(slack.calls)).not.toMatch(INVENTED);
    expect(slack.callsTo('chat.postMessage').at(-1)!.args.text).toContain(FIGURE_REMOVED);
  });

  it('a model that answers the send-back with a tool call gets its data, and the figure then stands', async () => {
    const retried: Turn = {
      toolUse: [
        {
          name: 'aws_query',
          input: {
            service: 'ce',
            operation: 'GetCostAndUsage',
            params: { TimePeriod: { Start: '2026-10-01', End: '2026-11-01' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] },
          },
        },
      ],
    };
    script = [
      costQuery,
      { text: 'October $1,100.00, November $1,234.56.' },
      retried,
      { text: 'October $1,100.00, November $1,234.56: $2,334.56 in all.' },
    ];
    slack.clearCalls();
    const { trail } = await ask('what did we spend in October and November?');
    expect(trail.filter(isKind('grounding')).map((r) => r.payload.verdict)).toEqual(['sent_back', 'grounded']);
    // The total is the sum of the two months, each from its own call.
    const total = trail
      .filter(isKind('grounding'))
      .at(-1)!
      .payload.figures.find((f) => f.text === '$2,334.56')!;
    expect(total).toMatchObject({ verified: true, rule: 'sum' });
    expect(total.refs).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage').at(-1)!.args.text).toContain('$2,334.56');
  });
});
