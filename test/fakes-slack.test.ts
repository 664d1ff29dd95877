import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, verifySlackRequest, isValidSlackRequest } from '@slack/bolt';
import { WebClient, ErrorCode, LogLevel, type WebAPIRateLimitedError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { appMentionEnvelope, postSignedEvent, signSlackRequest, slashCommandBody } from './fakes/slack-signing.js';

const TOKEN = 'xoxb-test-token';
const SECRET = 'test-signing-secret';

describe('fake Slack Web API with the real WebClient', () => {
  let slack: FakeSlack;
  let web: WebClient;

  beforeEach(async () => {
    slack = await startFakeSlack({
      token: TOKEN,
      teamId: 'T123',
      botUserId: 'UBOT',
      botId: 'BBOT',
      channels: { CEXT: { is_ext_shared: true, name: 'shared-with-vendor' } },
      users: { UALICE: { name: 'alice', real_name: 'Alice A', email: 'alice@example.com' } },
    });
    web = new WebClient(TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('answers auth.test with the bot identity and records the call', async () => {
    const res = await web.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T123' });
    expect(slack.callsTo('auth.test')).toHaveLength(1);
    expect(slack.calls[0]).toMatchObject({ method: 'auth.test', token: TOKEN, ok: true });
    expect(slack.calls[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('posts, updates and reacts, with incrementing ts and decoded blocks', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    const first = await web.chat.postMessage({ channel: 'C1', text: 'hello', thread_ts: '1699999999.000001', blocks });
    const second = await web.chat.postMessage({ channel: 'C1', text: 'again' });
    expect(first.ts).toBe('1700000000.000100');
    expect(second.ts).toBe('1700000000.000200');
    expect(first.channel).toBe('C1');
    expect(first.message).toMatchObject({ text: 'hello', user: 'UBOT', bot_id: 'BBOT', thread_ts: '1699999999.000001' });

    const call = slack.callsTo('chat.postMessage')[0];
    expect(call.args).toMatchObject({ channel: 'C1', text: 'hello', thread_ts: '1699999999.000001' });
    expect(call.args.blocks).toEqual(blocks); // JSON-decoded from the form field

    const upd = await web.chat.update({ channel: 'C1', ts: first.ts!, text: 'edited' });
    expect(upd).toMatchObject({ ok: true, ts: first.ts, text: 'edited' });
    expect(slack.message('C1', first.ts!)).toMatchObject({ text: 'edited', edits: 1 });
    await expect(web.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'message_not_found' },
    });

    await web.reactions.add({ channel: 'C1', timestamp: first.ts!, name: 'eyes' });
    expect(slack.reactionsOn('C1', first.ts!)).toEqual(['eyes']);
    await expect(web.reactions.add({ channel: 'C1', timestamp: first.ts!, name: 'eyes' })).rejects.toMatchObject({
      data: { error: 'already_reacted' },
    });
    await web.reactions.remove({ channel: 'C1', timestamp: first.ts!, name: 'eyes' });
    expect(slack.reactionsOn('C1', first.ts!)).toEqual([]);
    expect(slack.callsTo('reactions.add').map((c) => c.ok)).toEqual([true, false]);

    const eph = await web.chat.postEphemeral({ channel: 'C1', user: 'UALICE', text: 'only you' });
    expect(eph.message_ts).toMatch(/^1700000000\.\d{6}$/);

    await web.assistant.threads.setStatus({ channel_id: 'C1', thread_ts: first.ts!, status: 'is thinking…' });
    expect(slack.callsTo('assistant.threads.setStatus')[0].args).toMatchObject({ status: 'is thinking…' });
  });

  it('answers conversations.info (ext-shared configurable) and users.info', async () => {
    const ext = await web.conversations.info({ channel: 'CEXT' });
    expect(ext.channel).toMatchObject({ id: 'CEXT', is_ext_shared: true, name: 'shared-with-vendor' });
    const plain = await web.conversations.info({ channel: 'CPLAIN' });
    expect(plain.channel).toMatchObject({ id: 'CPLAIN', is_ext_shared: false, is_channel: true });
    slack.setChannel('CPLAIN', { is_ext_shared: true });
    expect((await web.conversations.info({ channel: 'CPLAIN' })).channel?.is_ext_shared).toBe(true);

    const u = await web.users.info({ user: 'UALICE' });
    expect(u.user).toMatchObject({ id: 'UALICE', name: 'alice', real_name: 'Alice A', profile: { email: 'alice@example.com' } });
  });

  it('rejects bad or missing tokens and unknown methods like Slack', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    await expect(wrong.auth.test()).rejects.toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'invalid_auth' } });
    const none = new WebClient(undefined, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    await expect(none.auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
    // per-call token overrides the client's token (sent as Bearer and as a form field)
    await expect(none.auth.test({ token: TOKEN })).resolves.toMatchObject({ ok: true });
    await expect(web.apiCall('nope.nothing')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });

  it('failNext injects platform errors, 429s and HTTP errors', async () => {
    slack.failNext('chat.postMessage', 'channel_not_found');
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'channel_not_found' },
    });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });

    // With retries, a 429 is waited out (Retry-After seconds) and retried transparently.
    const retrying = new WebClient(TOKEN, {
      slackApiUrl: slack.url,
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 1 },
      logLevel: LogLevel.ERROR,
    });
    slack.failNext('reactions.add', { status: 429, retryAfter: 0 });
    await retrying.reactions.add({ channel: 'C1', timestamp: '1.1', name: 'eyes' });
    expect(slack.callsTo('reactions.add').map((c) => c.status)).toEqual([429, 200]);

    // rejectRateLimitedCalls surfaces the 429 as a WebAPIRateLimitedError with retryAfter.
    const rejecting = new WebClient(TOKEN, { slackApiUrl: slack.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const err = (await rejecting.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect(err.retryAfter).toBe(7);

    slack.failNext('auth.test', { status: 503 });
    await expect(web.auth.test()).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
  });

  it('supports files.uploadV2 (getUploadURLExternal → upload → completeUploadExternal)', async () => {
    const res = await web.files.uploadV2({
      channel_id: 'C1',
      thread_ts: '1700000000.000100',
      filename: 'report.csv',
      title: 'Report',
      content: 'a,b\n1,2\n',
      initial_comment: 'here you go',
    });
    expect(res.ok).toBe(true);
    expect(slack.callsTo('files.getUploadURLExternal')[0].args).toMatchObject({ filename: 'report.csv', length: '8' });
    const complete = slack.callsTo('files.completeUploadExternal')[0];
    expect(complete.args).toMatchObject({ channel_id: 'C1', thread_ts: '1700000000.000100', initial_comment: 'here you go' });
    expect(complete.args.files).toEqual([{ id: slack.uploads[0].fileId, title: 'Report' }]);
    expect(slack.uploads[0].bytes?.toString()).toBe('a,b\n1,2\n');
    expect(slack.uploads[0].completed).toMatchObject({ channel_id: 'C1', title: 'Report' });
  });

  it('waitFor resolves on past or future calls and times out with a useful message', async () => {
    await web.chat.postMessage({ channel: 'C1', text: 'early' });
    await expect(slack.waitFor('chat.postMessage')).resolves.toMatchObject({ args: { text: 'early' } });
    const later = slack.waitFor('chat.postMessage', (c) => c.args.text === 'late', 2000);
    setTimeout(() => void web.chat.postMessage({ channel: 'C1', text: 'late' }), 50);
    await expect(later).resolves.toMatchObject({ args: { text: 'late' } });
    await expect(slack.waitFor('chat.update', undefined, 100)).rejects.toThrow(/no matching chat.update call within 100ms/);
  });
});

describe('Slack request signing', () => {
  it('produces signatures Bolt verifies, and bad/stale ones it rejects', () => {
    const body = JSON.stringify(
      appMentionEnvelope({
        teamId: 'T123',
        channel: 'C1',
        user: 'UALICE',
        text: 'what is running?',
        ts: '1700000100.000200',
        eventId: 'Ev1',
        botUserId: 'UBOT',
      }),
    );
    const h = signSlackRequest(SECRET, body);
    expect(h['content-type']).toBe('application/json');
    const headers = { 'x-slack-signature': h['x-slack-signature'], 'x-slack-request-timestamp': Number(h['x-slack-request-timestamp']) };
    expect(() => verifySlackRequest({ signingSecret: SECRET, body, headers })).not.toThrow();
    expect(isValidSlackRequest({ signingSecret: 'other-secret', body, headers })).toBe(false);
    expect(isValidSlackRequest({ signingSecret: SECRET, body: `${body} `, headers })).toBe(false);

    const stale = signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000) - 600);
    expect(() =>
      verifySlackRequest({
        signingSecret: SECRET,
        body,
        headers: {
          'x-slack-signature': stale['x-slack-signature'],
          'x-slack-request-timestamp': Number(stale['x-slack-request-timestamp']),
        },
      }),
    ).toThrow(/stale/);

    const form = slashCommandBody({
      teamId: 'T123',
      channelId: 'C1',
      userId: 'UALICE',
      text: 'weekly',
      responseUrl: 'http://127.0.0.1:1/resp',
    });
    expect(signSlackRequest(SECRET, form)['content-type']).toBe('application/x-www-form-urlencoded');
    const parsed = new URLSearchParams(form);
    expect(parsed.get('command')).toBe('/plainfra-report');
    expect(parsed.get('response_url')).toBe('http://127.0.0.1:1/resp');
    expect(parsed.get('trigger_id')).toBeTruthy();
  });

  it('builds a realistic app_mention envelope', () => {
    const env = appMentionEnvelope({
      teamId: 'T123',
      channel: 'CEXT',
      user: 'UVENDOR',
      userTeamId: 'TOTHER',
      text: 'hi',
      ts: '1700000100.000200',
      threadTs: '1700000000.000100',
      eventId: 'Ev2',
      isExtSharedChannel: true,
      botUserId: 'UBOT',
    });
    expect(env).toMatchObject({
      type: 'event_callback',
      team_id: 'T123',
      event_id: 'Ev2',
      event_time: 1700000100,
      is_ext_shared_channel: true,
      authorizations: [{ team_id: 'T123', user_id: 'UBOT', is_bot: true }],
      event: { type: 'app_mention', text: '<@UBOT> hi', thread_ts: '1700000000.000100', user_team: 'TOTHER', channel: 'CEXT' },
    });
  });
});

describe('real Bolt App end to end (HTTP receiver ← signed events, client → fake Slack)', () => {
  let slack: FakeSlack;
  let app: App;
  let base: string;

  beforeEach(async () => {
    slack = await startFakeSlack({ token: TOKEN, teamId: 'T123', botUserId: 'UBOT', botId: 'BBOT' });
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      clientOptions: { slackApiUrl: slack.url, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    app.event('app_mention', async ({ event, client, context }) => {
      await client.chat.postMessage({
        channel: event.channel,
        thread_ts: event.thread_ts ?? event.ts,
        text: `echo(${context.retryNum ?? 0}): ${event.text}`,
      });
    });
    app.command('/plainfra-report', async ({ ack, command }) => {
      await ack(`report for ${command.text}`);
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await app.stop();
    await slack.close();
  });

  it('delivers a signed app_mention (and Slack-style retry headers) to the handler', async () => {
    const env = appMentionEnvelope({
      teamId: 'T123',
      channel: 'C1',
      user: 'UALICE',
      text: 'status?',
      ts: '1700000100.000200',
      eventId: 'Ev3',
      botUserId: 'UBOT',
    });
    const res = await postSignedEvent(`${base}/slack/events`, SECRET, env);
    expect(res.status).toBe(200);
    const posted = await slack.waitFor('chat.postMessage');
    expect(posted.args).toMatchObject({ channel: 'C1', thread_ts: '1700000100.000200', text: 'echo(0): <@UBOT> status?' });
    // Bolt's default authorize resolved the bot identity through auth.test on the fake
    expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);

    const retry = await postSignedEvent(`${base}/slack/events`, SECRET, env, { retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    await slack.waitFor('chat.postMessage', (c) => String(c.args.text).startsWith('echo(1)'));

    const bad = await postSignedEvent(`${base}/slack/events`, SECRET, env, { badSignature: true });
    expect(bad.status).toBe(401);
  });

  it('answers a signed slash command', async () => {
    const body = slashCommandBody({
      teamId: 'T123',
      channelId: 'C1',
      userId: 'UALICE',
      text: 'prod',
      responseUrl: `${slack.origin}/unused`,
    });
    const res = await postSignedEvent(`${base}/slack/events`, SECRET, body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('report for prod');
  });
});
