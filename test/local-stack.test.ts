import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORBIDDEN } from '../src/config/env.js';
import { startFakeAnthropic, type FakeAnthropic, type MessagesRequestBody, type Turn } from './fakes/anthropic.js';
import { assumeRoleHandler, startFakeAws, type FakeAws } from './fakes/aws.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { createTestDatabase, testRolesFor, type TestDatabase, type TestRoles } from './helpers/db.js';
import { freePort, runPlainfra, runPlainfraAsync, waitFor } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { costQueryTurn, monthlyCostReply, quotedAmount } from './helpers/cost-question.js';

/**
 * The README's way to run plainfra without Docker: scripts/local-stack.sh with a .env, then
 * `plainfra ask`. The script must start the three processes each with only its own secrets, and the
 * stack must answer a question end to end (local Slack, Anthropic and AWS servers stand in).
 */
const TEAM = 'T0LOCAL001';
const CHANNEL = 'C0LOCAL001';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/plainfra-readonly';

function script(request: { body: MessagesRequestBody; assistantTurns: number }): Turn {
  if (request.assistantTurns === 0) return costQueryTurn({ Start: '2026-10-01', End: '2026-11-01' });
  const amount = quotedAmount(request.body);
  return { text: `Last month's unblended cost was $${amount}.` };
}

describe('scripts/local-stack.sh (no Docker)', () => {
  let dbh: TestDatabase;
  let roles: TestRoles | undefined;
  let slack: FakeSlack;
  let llm: FakeAnthropic;
  let aws: FakeAws;
  let stack: ChildProcess | undefined;
  let output = '';
  let dir: string;
  const prefix = uniquePrefix();
  const rolePrefix = `plainfra_l${prefix.slice(2)}_`;

  beforeAll(async () => {
    dbh = await createTestDatabase();
    slack = await startFakeSlack({ token: 'xoxb-local', teamId: TEAM, botUserId: 'U0PLAINFRA' });
    llm = await startFakeAnthropic({ script: (req) => script(req), apiKey: 'sk-ant-local' });
    aws = await startFakeAws({
      handlers: {
        'ce:GetCostAndUsage': () => monthlyCostReply({ Start: '2026-10-01', End: '2026-11-01' }, '2468.10', false),
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'plainfra-local-'));
    const port = await freePort();
    writeFileSync(
      join(dir, '.env'),
      [
        'SLACK_BOT_TOKEN=xoxb-local',
        'SLACK_SIGNING_SECRET=local-signing-secret',
        `SLACK_API_URL=${slack.url}`,
        'ANTHROPIC_API_KEY=sk-ant-local',
        `ANTHROPIC_BASE_URL=${llm.url}`,
        'PLAINFRA_MODEL=claude-test',
        'HAWK_AWS_ACCESS_KEY_ID=AKIDLOCALHAWK',
        'HAWK_AWS_SECRET_ACCESS_KEY=local-hawk-secret',
        `AWS_ENDPOINT_URL=${aws.url}`,
        'AWS_REGION=us-east-1',
        'PLAINFRA_DB_PASSWORD_BOT=local-bot-password-1',
        'PLAINFRA_DB_PASSWORD_HAWK=local-hawk-password-1',
        'PLAINFRA_DB_PASSWORD_SENTINEL=local-sentinel-pw-1',
        `PLAINFRA_DB_ROLE_PREFIX=${rolePrefix}`,
        `PLAINFRA_QUEUE_PREFIX=${prefix}`,
        `PORT=${port}`,
        `REDIS_URL=${REDIS_URL}`,
      ].join('\n'),
    );
    roles = testRolesFor(dbh.url, rolePrefix);
    stack = spawn('bash', ['scripts/local-stack.sh'], {
      env: { PATH: process.env.PATH ?? '', PLAINFRA_ENV_FILE: join(dir, '.env'), PLAINFRA_OWNER_DATABASE_URL: dbh.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    stack.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => (output.includes('== running') ? true : undefined), 90_000, `local-stack to start:\n${output}`);
  }, 180_000);

  afterAll(async () => {
    if (stack && stack.exitCode === null) {
      stack.kill('SIGTERM');
      await new Promise((r) => stack!.once('exit', r));
    }
    await Promise.all([slack?.close(), llm?.close(), aws?.close()]);
    await dbh?.drop();
    await roles?.drop();
    await dropPrefix(prefix);
  });

  it('starts bot, hawk and sentinel, each with only its own variables and its own database login', async () => {
    const pids = Object.fromEntries([...output.matchAll(/== (bot|hawk|sentinel) started \(pid (\d+)/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(pids).sort()).toEqual(['bot', 'hawk', 'sentinel']);
    for (const role of ['bot', 'hawk', 'sentinel'] as const) {
      // The pid is `env -i`'s until it execs node: read the environment node was started with.
      const program = () => readFileSync(`/proc/${pids[role]}/cmdline`, 'utf8').split('\0')[0] ?? '';
      await waitFor(() => (/node$/.test(program()) ? true : undefined), 10_000, `${role} to exec node`);
      const environ = readFileSync(`/proc/${pids[role]}/environ`, 'utf8').split('\0').filter(Boolean);
      const names = environ.map((e) => e.slice(0, e.indexOf('=')));
      expect(
        names.filter((n) => FORBIDDEN[role].includes(n)),
        role,
      ).toEqual([]);
      expect(environ.find((e) => e.startsWith('DATABASE_URL='))).toContain(`${rolePrefix}${role}:`);
    }
    await waitFor(
      () => {
        const logs = ['bot', 'hawk', 'sentinel'].map((r) => readFileSync(`.local/${r}.log`, 'utf8'));
        return logs[0]!.includes('bot ready') && logs[1]!.includes('hawk ready') && logs[2]!.includes('sentinel ready') ? true : undefined;
      },
      90_000,
      'all three ready',
    );
  }, 120_000);

  it('answers a question asked with plainfra ask, as the README says', async () => {
    const owner = { DATABASE_URL: dbh.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: prefix };
    const added = runPlainfra(
      ['accounts', 'add', '--team', TEAM, '--name', 'prod', '--role-arn', ROLE_ARN, '--regions', 'us-east-1'],
      owner,
    );
    expect(added.status, added.stderr).toBe(0);
    aws.handle('sts:AssumeRole', assumeRoleHandler({ externalId: /ExternalId:\s+(\S+)/.exec(added.stdout)![1]!, roleArn: ROLE_ARN }));
    expect(runPlainfra(['channels', 'bind', '--team', TEAM, '--channel', CHANNEL, '--account', 'prod'], owner).status).toBe(0);
    const asked = await runPlainfraAsync(['ask', '--team', TEAM, '--channel', CHANNEL, '--json', 'what did we spend last month?'], owner);
    expect(asked.status, asked.stderr).toBe(0);
    expect(JSON.parse(asked.stdout)).toMatchObject({ status: 'answered' });
    expect(JSON.parse(asked.stdout).answer).toContain('2468.10');
  }, 120_000);

  it('stops all three on Ctrl-C (SIGINT)', async () => {
    stack!.kill('SIGINT');
    const code = await new Promise((r) => stack!.once('exit', r));
    expect(output).toContain('== stopping');
    expect(code).not.toBeNull();
  }, 60_000);
});
