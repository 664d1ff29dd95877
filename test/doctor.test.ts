import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorCommand } from '../src/cli/doctor.js';
import { MANIFEST_BOT_SCOPES } from '../src/doctor/slack.js';
import { eq } from 'drizzle-orm';
import { addAccount } from '../src/accounts/index.js';
import { awsAccounts } from '../src/db/index.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic.js';
import { assumeRoleHandler, callerIdentityHandler, startFakeAws, type FakeAws } from './fakes/aws.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack.js';
import { ADMIN_DATABASE_URL, createTestDatabase, type TestDatabase } from './helpers/db.js';
import { freePort, runPlainfra } from './helpers/processes.js';
import { REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * `plainfra doctor`: each dependency of a role's environment checked against real Postgres and Redis
 * and the local Slack, AWS and Anthropic fakes; every ✘ carries the fix.
 */

async function doctor(role: Parameters<typeof doctorCommand>[0], env: Record<string, string>) {
  const lines: string[] = [];
  const code = await doctorCommand(role, { json: false }, env, (l) => lines.push(l));
  const json: string[] = [];
  await doctorCommand(role, { json: true }, env, (l) => json.push(l));
  return {
    code,
    text: lines.join('\n'),
    checks: (JSON.parse(json.join('\n')) as { checks: { name: string; ok: boolean; detail: string; fix?: string }[] }).checks,
  };
}

describe('plainfra doctor', () => {
  let dbh: TestDatabase;
  let base: Record<string, string>;
  let slack: FakeSlack;
  let aws: FakeAws;
  let llm: FakeAnthropic;
  let lru: ChildProcess;
  let lruPort: number;

  beforeAll(async () => {
    dbh = await createTestDatabase();
    base = { DATABASE_URL: dbh.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: uniquePrefix() };
    slack = await startFakeSlack({ token: 'xoxb-doctor', scopes: MANIFEST_BOT_SCOPES });
    llm = await startFakeAnthropic({
      script: [],
      apiKey: 'sk-doctor',
      models: {
        'claude-good': { display_name: 'Claude Good' },
        'claude-old': { lifecycle: 'deprecated', retires_at: '2026-12-31T00:00:00Z' },
      },
    });
    aws = await startFakeAws({ handlers: { 'sts:GetCallerIdentity': callerIdentityHandler() } });
    const prod = await addAccount(dbh.db, { teamId: 'T0DOC', name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly' });
    await addAccount(dbh.db, { teamId: 'T0DOC', name: 'staging', roleArn: 'arn:aws:iam::210987654321:role/plainfra-readonly' });
    aws.handle('sts:AssumeRole', assumeRoleHandler({ externalId: prod.externalId }));
    // A second Redis that evicts: what a default managed Redis often is.
    lruPort = await freePort();
    lru = spawn(
      'redis-server',
      ['--port', String(lruPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'],
      { stdio: 'ignore' },
    );
    const { Redis } = await import('ioredis');
    const probe = new Redis(`redis://127.0.0.1:${lruPort}`, { lazyConnect: true, retryStrategy: () => 100 });
    probe.on('error', () => undefined);
    await probe.connect();
    await probe.ping();
    probe.disconnect();
  }, 60_000);

  afterAll(async () => {
    lru?.kill();
    await Promise.all([slack?.close(), aws?.close(), llm?.close()]);
    await dbh?.drop();
  });

  it('bot: Postgres migrated, Redis noeviction, Slack token and every manifest scope → all ✔, exit 0', async () => {
    const r = await doctor('bot', {
      ...base,
      SLACK_BOT_TOKEN: 'xoxb-doctor',
      SLACK_SIGNING_SECRET: 'doctor-secret',
      SLACK_API_URL: slack.url,
    });
    expect(r.code, r.text).toBe(0);
    expect(r.checks.map((c) => `${c.ok ? '✔' : '✘'} ${c.name}`)).toEqual([
      '✔ configuration',
      '✔ postgres reachable',
      '✔ postgres migrated',
      '✔ redis reachable',
      '✔ redis noeviction',
      '✔ slack auth.test',
      '✔ slack scopes',
    ]);
    expect(r.text).toMatch(/^✔ slack auth\.test\s+bot \S+ in /m);
  });

  it('bot: a token without files:write is ✘ with the reinstall fix; a refused token names the page to copy it from', async () => {
    const narrow = await startFakeSlack({ token: 'xoxb-narrow', scopes: MANIFEST_BOT_SCOPES.filter((s) => s !== 'files:write') });
    try {
      const r = await doctor('bot', {
        ...base,
        SLACK_BOT_TOKEN: 'xoxb-narrow',
        SLACK_SIGNING_SECRET: 'doctor-secret',
        SLACK_API_URL: narrow.url,
      });
      expect(r.code).toBe(1);
      expect(r.text).toMatch(/✘ slack scopes\s+missing files:write\n\s+fix: add the missing scopes under OAuth & Permissions/);
      const bad = await doctor('bot', {
        ...base,
        SLACK_BOT_TOKEN: 'xoxb-wrong',
        SLACK_SIGNING_SECRET: 'doctor-secret',
        SLACK_API_URL: narrow.url,
      });
      expect(bad.text).toMatch(/✘ slack auth\.test\s+invalid_auth\n\s+fix: SLACK_BOT_TOKEN is refused: copy the Bot User OAuth Token/);
    } finally {
      await narrow.close();
    }
  });

  it('hawk: its identity ✔, an account whose role takes the ExternalId ✔, one that refuses it ✘ with the verify command', async () => {
    // The SDK's default chain reads the process environment, as it does in the real hawk.
    const awsEnv = { AWS_ENDPOINT_URL: aws.url, AWS_ACCESS_KEY_ID: 'AKIDDOCTOR', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
    const saved = Object.fromEntries(Object.keys(awsEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, awsEnv);
    let r: Awaited<ReturnType<typeof doctor>>;
    try {
      r = await doctor('hawk', { ...base, ...awsEnv });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(r.code).toBe(1);
    const byName = Object.fromEntries(r.checks.map((c) => [c.name, c]));
    expect(byName['aws identity']!.ok).toBe(true);
    expect(byName['assume prod (T0DOC)']!.ok).toBe(true);
    expect(byName['assume staging (T0DOC)']).toMatchObject({ ok: false });
    expect(byName['assume staging (T0DOC)']!.fix).toContain('plainfra accounts verify --team T0DOC --name staging');
    const assume = aws.requests.filter((q) => q.action === 'AssumeRole');
    // Each account's own ExternalId (doctor ran twice: text and --json).
    expect(new Set(assume.map((q) => q.form?.ExternalId)).size).toBe(2);
    expect(assume.every((q) => String(q.form?.SourceIdentity).startsWith('slack-') && q.form?.Policy)).toBe(true);
  });

  it('hawk during an ExternalId rotation: ✔ with whichever id the role takes, saying which', async () => {
    const awsEnv = { AWS_ENDPOINT_URL: aws.url, AWS_ACCESS_KEY_ID: 'AKIDDOCTOR', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
    const saved = Object.fromEntries(Object.keys(awsEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, awsEnv);
    const { rotateExternalId, cancelRotation } = await import('../src/accounts/index.js');
    const { newExternalId } = await rotateExternalId(dbh.db, 'T0DOC', 'prod');
    const [prod] = await dbh.db.select().from(awsAccounts).where(eq(awsAccounts.name, 'prod'));
    try {
      aws.requests.length = 0;
      const before = await doctor('hawk', { ...base, ...awsEnv });
      const check = (r: typeof before) => r.checks.find((c) => c.name === 'assume prod (T0DOC)')!;
      expect(check(before)).toMatchObject({ ok: true });
      expect(check(before).detail).toContain('with the current ExternalId; a rotation is pending');
      // The stack now carries the new id.
      aws.handle('sts:AssumeRole', assumeRoleHandler({ externalId: newExternalId }));
      const after = await doctor('hawk', { ...base, ...awsEnv });
      expect(check(after)).toMatchObject({ ok: true });
      expect(check(after).detail).toContain(
        'with the new ExternalId of a pending rotation: run plainfra accounts verify --team T0DOC --name prod',
      );
    } finally {
      aws.handle('sts:AssumeRole', assumeRoleHandler({ externalId: prod!.externalId }));
      await cancelRotation(dbh.db, 'T0DOC', 'prod');
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('sentinel: an active model ✔; a deprecated one ✘ with its retirement date; an unknown one ✘', async () => {
    const env = { ...base, ANTHROPIC_API_KEY: 'sk-doctor', ANTHROPIC_BASE_URL: llm.url };
    expect((await doctor('sentinel', { ...env, PLAINFRA_MODEL: 'claude-good' })).code).toBe(0);
    const old = await doctor('sentinel', { ...env, PLAINFRA_MODEL: 'claude-old' });
    expect(old.code).toBe(1);
    expect(old.text).toMatch(
      /✘ llm model\s+claude-old is deprecated, retirement 2026-12-31\n\s+fix: set PLAINFRA_MODEL to an active model/,
    );
    const unknown = await doctor('sentinel', { ...env, PLAINFRA_MODEL: 'claude-nope' });
    expect(unknown.text).toMatch(/✘ llm model\s+no model "claude-nope" for this key/);
    const badKey = await doctor('sentinel', { ...env, ANTHROPIC_API_KEY: 'sk-wrong', PLAINFRA_MODEL: 'claude-good' });
    expect(badKey.text).toContain('the API refused ANTHROPIC_API_KEY (HTTP 401)');
  });

  it("a role given another role's secret: the configuration ✘ names the variable, the role checks are skipped", async () => {
    const r = await doctor('sentinel', {
      ...base,
      ANTHROPIC_API_KEY: 'sk-doctor',
      ANTHROPIC_BASE_URL: llm.url,
      AWS_ACCESS_KEY_ID: 'AKIDLEAK',
    });
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/✘ configuration\s+1 problem\(s\)\n\s+fix: AWS_ACCESS_KEY_ID is set, but the sentinel process must not hold it/);
    expect(r.text).toMatch(/✘ llm model\s+not checked/);
  });

  it('an unmigrated database ✘ says to run plainfra migrate; an evicting Redis ✘ says to set noeviction', async () => {
    const name = `plainfra_t_doctor_${Date.now()}`;
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const url = new URL(ADMIN_DATABASE_URL);
      url.pathname = `/${name}`;
      const r = await doctor('all', { DATABASE_URL: url.toString(), REDIS_URL: `redis://127.0.0.1:${lruPort}` });
      expect(r.code).toBe(1);
      expect(r.text).toMatch(/✘ postgres migrated\s+\d+ of \d+ migrations not applied \(0000_init,/);
      expect(r.text).toContain('fix: run: plainfra migrate');
      expect(r.text).toMatch(/✘ redis noeviction\s+maxmemory-policy is allkeys-lru/);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('the built command exits 1 and prints the fix when Postgres is unreachable', async () => {
    const port = await freePort();
    const r = runPlainfra(['doctor'], { DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${port}/x`, REDIS_URL });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/✘ postgres reachable\s+postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
    expect(r.stdout).toContain('fix: is Postgres running and reachable');
    expect(r.stdout).not.toContain('secret');
  });

  it('the scopes it checks are exactly the ones the Slack app manifest asks for', () => {
    const manifest = parse(readFileSync('deploy/slack-app-manifest.yaml', 'utf8')) as { oauth_config: { scopes: { bot: string[] } } };
    expect([...MANIFEST_BOT_SCOPES].sort()).toEqual([...manifest.oauth_config.scopes.bot].sort());
  });
});
