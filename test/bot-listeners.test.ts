import type { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { type AppMentionArgs, onAppMention } from '../src/bot/listeners/mention.js';
import { onReportCommand, REPORT_COMMAND, type ReportCommandArgs } from '../src/bot/listeners/command.js';
import type { ListenerDeps } from '../src/bot/listeners/context.js';
import { onSourcesAction, type SourcesActionArgs } from '../src/bot/listeners/sources.js';
import { BotMetrics } from '../src/bot/metrics.js';
import { SOURCES_ACTION } from '../src/bot/sources.js';
import { conversations, slackEvents } from '../src/db/index.js';
import { type Enqueuer, type IntakeJob, QUEUES, type QueueName, type SentinelJob } from '../src/queues/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

/**
 * The listeners as plain functions: each named callback called directly with a fake `ack`, a fake
 * Slack client and a fake queue — no HTTP, no signing, no Bolt app. (The signed, wire-level paths
 * stay in bot-slack.test.ts and bot-socket-*.test.ts.) Commands and the Sources button record in
 * Postgres, so those use a fresh test database.
 */

const TEAM = 'T0LISTEN';
const BOUND = 'C0LBOUND';
const UNBOUND = 'C0LNOBIND';
const ALICE = 'U0ALICE';
const BOT_USER = 'U0PLAINFRA';

let t: TestDatabase;
let seq = 0;
const next = () => String(++seq).padStart(4, '0');

beforeAll(async () => {
  t = await createTestDatabase();
  await addAccount(t.db, { teamId: TEAM, name: 'acme-prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
  await bindChannel(t.db, { teamId: TEAM, channelId: BOUND, accountName: 'acme-prod' });
});

afterAll(async () => {
  await t?.drop();
});

/** A queue as BullMQ treats it: a second add with a job id it still holds is ignored. */
function fakeQueue(order: string[], fail?: Error) {
  const jobs = new Map<string, { name: QueueName; payload: unknown }>();
  let adds = 0;
  const enqueuer = {
    async add(name: QueueName, payload: unknown): Promise<string> {
      order.push(`add:${name}`);
      if (fail) throw fail;
      adds += 1;
      const jobId = (QUEUES[name].jobId as (p: unknown) => string)(payload);
      if (!jobs.has(jobId)) jobs.set(jobId, { name, payload });
      return jobId;
    },
  };
  return {
    enqueuer: enqueuer as unknown as Enqueuer,
    jobs,
    adds: () => adds,
    payloads: <P>(name: QueueName) => [...jobs.values()].filter((j) => j.name === name).map((j) => j.payload as P),
  };
}

/** The short-timeout WebClient the listeners use while Slack waits: conversations.info and views.open. */
function fakeSlack(order: string[], opts: { infoFails?: boolean } = {}) {
  const opened: { trigger_id: string; view: unknown }[] = [];
  const client = {
    conversations: {
      async info({ channel }: { channel: string }) {
        order.push('conversations.info');
        if (opts.infoFails) throw Object.assign(new Error('missing_scope'), { data: { error: 'missing_scope' } });
        return { ok: true, channel: { id: channel, is_ext_shared: false } };
      },
    },
    views: {
      async open(args: { trigger_id: string; view: unknown }) {
        order.push('views.open');
        opened.push(args);
        return { ok: true };
      },
    },
  };
  return { client: client as unknown as WebClient, opened };
}

function harness(opts: { queueFails?: Error; infoFails?: boolean } = {}) {
  const order: string[] = [];
  const queue = fakeQueue(order, opts.queueFails);
  const slack = fakeSlack(order, opts);
  const metrics = new BotMetrics();
  const deps: ListenerDeps = {
    db: t.db,
    enqueuer: queue.enqueuer,
    metrics,
    logger: pino({ level: 'silent' }),
    fastClient: slack.client,
  };
  return { order, queue, slack, metrics, deps };
}

/** A fake `ack` that keeps what it was given and when, among the other effects. */
function fakeAck(order: string[], onAck?: () => Promise<void>) {
  const calls: unknown[] = [];
  const ack = async (response?: unknown) => {
    order.push('ack');
    calls.push(response);
    await onAck?.();
  };
  return { ack, calls, texts: () => calls.map((c) => (c as { text?: string } | undefined)?.text) };
}

describe('onAppMention', () => {
  function mentionArgs(o: { text: string; eventId?: string; retryNum?: number; bot?: boolean; edited?: boolean; userTeam?: string }) {
    const ts = `1700000${next()}.000100`;
    const args: AppMentionArgs = {
      event: {
        type: 'app_mention',
        user: o.bot ? undefined : ALICE,
        text: o.text,
        ts,
        event_ts: ts,
        channel: BOUND,
        ...(o.bot && { bot_id: 'B0OTHER', subtype: 'bot_message' }),
        ...(o.edited && { edited: { user: ALICE, ts } }),
        ...(o.userTeam && { user_team: o.userTeam }),
      },
      body: {
        token: 'x',
        team_id: TEAM,
        api_app_id: 'A0APP',
        type: 'event_callback',
        event_id: o.eventId ?? `Ev0L${next()}`,
        event_time: 1_700_000_000,
        event: undefined as never,
      },
      context: { isEnterpriseInstall: false, botUserId: BOT_USER, ...(o.retryNum && { retryNum: o.retryNum }) },
    };
    args.body.event = args.event;
    return args;
  }

  it('queues the question with our mentions stripped and the ids from the signed envelope', async () => {
    const h = harness();
    const args = mentionArgs({ text: `<@${BOT_USER}> what did   EC2 cost last week? <@${BOT_USER}|plainfra>` });
    await onAppMention(h.deps)(args);
    expect(h.queue.payloads<IntakeJob>('intake')).toEqual([
      {
        source: 'app_mention',
        deliveryId: args.body.event_id,
        teamId: TEAM,
        channelId: BOUND,
        userId: ALICE,
        text: 'what did EC2 cost last week?',
        ts: args.event.ts,
        threadTs: undefined,
        externallyShared: false,
      },
    ]);
    expect(h.metrics.eventsReceived.total({ type: 'app_mention' })).toBe(1);
  });

  it('a bare mention asks for the default report', async () => {
    const h = harness();
    await onAppMention(h.deps)(mentionArgs({ text: `<@${BOT_USER}>` }));
    expect(h.queue.payloads<IntakeJob>('intake').map((j) => j.text)).toEqual(['Weekly cost and security digest']);
  });

  it('a user from another organisation marks the question as from a shared channel', async () => {
    const h = harness();
    await onAppMention(h.deps)(mentionArgs({ text: `<@${BOT_USER}> hi`, userTeam: 'T0OTHER' }));
    expect(h.queue.payloads<IntakeJob>('intake')[0]?.externallyShared).toBe(true);
  });

  it('bots and edits start no work and are not counted', async () => {
    const h = harness();
    const listener = onAppMention(h.deps);
    await listener(mentionArgs({ text: `<@${BOT_USER}> from a bot`, bot: true }));
    await listener(mentionArgs({ text: `<@${BOT_USER}> edited`, edited: true }));
    expect(h.order).toEqual([]);
    expect(h.metrics.eventsReceived.total()).toBe(0);
  });

  it("a duplicate delivery (Slack's retry of the same event) lands on the same intake job", async () => {
    const h = harness();
    const listener = onAppMention(h.deps);
    const first = mentionArgs({ text: `<@${BOT_USER}> cost?` });
    await listener(first);
    await listener({ ...first, context: { ...first.context, retryNum: 1 } });
    expect(h.queue.adds()).toBe(2);
    expect(h.queue.jobs.size).toBe(1);
    expect(h.metrics.retriesReceived.total({ type: 'app_mention' })).toBe(1);
  });

  it('throws when the queue refuses, so Slack redelivers, and counts the error', async () => {
    const h = harness({ queueFails: new Error('READONLY') });
    await expect(onAppMention(h.deps)(mentionArgs({ text: `<@${BOT_USER}> cost?` }))).rejects.toThrow('READONLY');
    expect(h.metrics.intakeErrors.total()).toBe(1);
  });
});

describe('onReportCommand', () => {
  function commandArgs(h: ReturnType<typeof harness>, o: { text: string; channel?: string; triggerId?: string }) {
    const ack = fakeAck(h.order);
    const args: ReportCommandArgs = {
      command: {
        token: 'x',
        command: REPORT_COMMAND,
        text: o.text,
        response_url: 'https://hooks.slack.invalid/commands/1',
        trigger_id: o.triggerId ?? `trig.${next()}`,
        user_id: ALICE,
        user_name: 'alice',
        team_id: TEAM,
        team_domain: 'listen',
        channel_id: o.channel ?? BOUND,
        channel_name: 'ops',
        api_app_id: 'A0APP',
      },
      ack: ack.ack,
    };
    return { args, ack };
  }

  async function recorded(triggerId: string) {
    return t.db
      .select()
      .from(slackEvents)
      .where(eq(slackEvents.eventId, `trigger:${triggerId}`));
  }

  it('`help` acks once with the usage and records and enqueues nothing', async () => {
    const h = harness();
    const { args, ack } = commandArgs(h, { text: 'help' });
    await onReportCommand(h.deps)(args);
    expect(h.order).toEqual(['ack']);
    expect(ack.calls).toHaveLength(1);
    expect(ack.calls[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(ack.texts()[0]).toContain(REPORT_COMMAND);
    expect(await recorded(args.command.trigger_id)).toEqual([]);
    expect(h.metrics.questionsRefused.total({ reason: 'report_help' })).toBe(1);
  });

  it('words it does not know get the usage, with the words escaped', async () => {
    const h = harness();
    const { args, ack } = commandArgs(h, { text: 'bogus <!channel>' });
    await onReportCommand(h.deps)(args);
    expect(ack.calls).toHaveLength(1);
    expect(ack.texts()[0]).not.toContain('<!channel>');
    expect(h.queue.adds()).toBe(0);
    expect(h.metrics.questionsRefused.total({ reason: 'report_usage' })).toBe(1);
  });

  it('a bound channel: recorded and the sentinel queued before the one ack says it was taken', async () => {
    const h = harness();
    const { args, ack } = commandArgs(h, { text: 'cost 30d' });
    await onReportCommand(h.deps)(args);
    // processBeforeResponse: the ack is the HTTP response, so it comes once the request is durable.
    expect(h.order).toEqual(['conversations.info', 'add:sentinel', 'ack']);
    expect(ack.texts()).toEqual([expect.stringMatching(/^Working on it \(.*\) — I'll post the report in this channel\.$/)]);
    const [row] = await recorded(args.command.trigger_id);
    expect(h.queue.payloads<SentinelJob>('sentinel')).toEqual([{ conversationId: row!.conversationId, turnId: row!.turnId, step: 0 }]);
  });

  it('an unbound channel is refused with the message, and nothing is queued', async () => {
    const h = harness();
    const { args, ack } = commandArgs(h, { text: '', channel: UNBOUND });
    await onReportCommand(h.deps)(args);
    expect(ack.calls).toHaveLength(1);
    expect(ack.texts()[0]).toContain("This channel isn't allowed to query any AWS account yet.");
    expect(ack.texts()[0]).not.toContain("couldn't check whether this channel is shared");
    expect(h.queue.adds()).toBe(0);
    expect(h.metrics.questionsRefused.total({ reason: 'channel_not_bound' })).toBe(1);
  });

  it('a refusal says so when Slack could not tell whether the channel is shared', async () => {
    const h = harness({ infoFails: true });
    const { args, ack } = commandArgs(h, { text: '', channel: UNBOUND });
    await onReportCommand(h.deps)(args);
    expect(ack.texts()[0]).toContain("couldn't check whether this channel is shared");
  });

  it('a duplicate delivery (same trigger_id) acks "already on it" and queues no second job', async () => {
    const h = harness();
    const listener = onReportCommand(h.deps);
    const first = commandArgs(h, { text: 'security' });
    await listener(first.args);
    const again = commandArgs(h, { text: 'security', triggerId: first.args.command.trigger_id });
    await listener(again.args);
    expect(again.ack.texts()).toEqual(['Already on it — the answer will appear in this channel.']);
    expect(h.queue.payloads<SentinelJob>('sentinel')).toHaveLength(1);
    expect(await recorded(first.args.command.trigger_id)).toHaveLength(1);
    expect(h.metrics.duplicatesDropped.total({ type: 'slash_command' })).toBe(1);
  });

  it('an account the channel may not query gets the accounts it may, before anything is recorded', async () => {
    const h = harness();
    const { args, ack } = commandArgs(h, { text: 'account someone-else' });
    await onReportCommand(h.deps)(args);
    expect(ack.texts()[0]).toContain('Account "someone-else" is not bound to this channel; it may query: acme-prod.');
    expect(await recorded(args.command.trigger_id)).toEqual([]);
    expect(h.queue.adds()).toBe(0);
  });

  it('an intake failure is apologised for in the ack (Slack does not retry commands)', async () => {
    const h = harness({ queueFails: new Error('redis down') });
    const { args, ack } = commandArgs(h, { text: '' });
    await onReportCommand(h.deps)(args);
    expect(ack.texts()).toEqual(["Sorry, I couldn't take that request just now. Please try again in a minute."]);
    expect(h.metrics.intakeErrors.total()).toBe(1);
  });
});

describe('onSourcesAction', () => {
  let conversationId: string;
  const turnId = '42';

  beforeAll(async () => {
    const [conv] = await t.db
      .insert(conversations)
      .values({ teamId: TEAM, channelId: BOUND, threadTs: '1700000000.000100', startedBy: ALICE })
      .returning();
    conversationId = conv!.id;
  });

  function clickArgs(h: ReturnType<typeof harness>, o: { value?: string; channel?: string; triggerId?: string } = {}) {
    const triggerId = o.triggerId ?? `click.${next()}`;
    // Acked before the slow work: the click is not yet recorded when the ack runs.
    const claimedAtAck: boolean[] = [];
    const ack = fakeAck(h.order, async () => {
      const rows = await t.db
        .select()
        .from(slackEvents)
        .where(eq(slackEvents.eventId, `action:${triggerId}`));
      claimedAtAck.push(rows.length > 0);
    });
    const value = o.value ?? JSON.stringify({ c: conversationId, t: turnId });
    const body = {
      type: 'block_actions',
      trigger_id: triggerId,
      team: { id: TEAM, domain: 'listen' },
      channel: { id: o.channel ?? BOUND, name: 'ops' },
      user: { id: ALICE, name: 'alice' },
      actions: [],
    } as unknown as SourcesActionArgs['body'];
    const action = { type: 'button', action_id: SOURCES_ACTION, value } as unknown as SourcesActionArgs['action'];
    const args: SourcesActionArgs = { ack: ack.ack as SourcesActionArgs['ack'], body, action };
    return { args, ack, claimedAtAck, triggerId };
  }

  it('acks once, first, then opens the modal with the click’s trigger_id', async () => {
    const h = harness();
    const click = clickArgs(h);
    await onSourcesAction(h.deps)(click.args);
    expect(h.order).toEqual(['ack', 'views.open']);
    expect(click.ack.calls).toEqual([undefined]);
    expect(click.claimedAtAck).toEqual([false]);
    expect(h.slack.opened.map((o) => o.trigger_id)).toEqual([click.triggerId]);
  });

  it('a redelivered click opens nothing twice', async () => {
    const h = harness();
    const listener = onSourcesAction(h.deps);
    const first = clickArgs(h);
    await listener(first.args);
    const again = clickArgs(h, { triggerId: first.triggerId });
    await listener(again.args);
    expect(again.ack.calls).toHaveLength(1);
    expect(h.slack.opened).toHaveLength(1);
    expect(h.metrics.duplicatesDropped.total({ type: 'block_actions' })).toBe(1);
  });

  it('a click from another channel than the answer is acked and ignored', async () => {
    const h = harness();
    const click = clickArgs(h, { channel: 'C0ELSEWHERE' });
    await onSourcesAction(h.deps)(click.args);
    expect(h.order).toEqual(['ack']);
  });

  it('a value that names no turn is acked and records nothing', async () => {
    const h = harness();
    const click = clickArgs(h, { value: '{"c":"not-a-uuid","t":"x"}' });
    await onSourcesAction(h.deps)(click.args);
    expect(h.order).toEqual(['ack']);
    expect(
      await t.db
        .select()
        .from(slackEvents)
        .where(eq(slackEvents.eventId, `action:${click.triggerId}`)),
    ).toEqual([]);
  });
});
