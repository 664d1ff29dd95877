import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel, externalIdsOf } from '../src/accounts/index.js';
import { externalIdFingerprint } from '../src/accounts/lifecycle.js';
import { stackUpdateCommand, KEPT_STACK_PARAMETERS } from '../src/accounts/instructions.js';
import { pruneExpired, readAdminTrail, readTrailRows, recordAudit } from '../src/audit/index.js';
import { adminConversationId } from '../src/audit/admin.js';
import { awsAccounts, channelBindings, closeDb, connectDb, conversations, type Db } from '../src/db/index.js';
import type { ProcessRole } from '../src/db/roles.js';
import { parsePolicySource } from '../src/policy/load.js';
import { Enqueuer } from '../src/queues/index.js';
import { ALLOWED_OPERATIONS } from '../src/tools/allowlist.js';
import { createAwsQueryRunner, type AwsQueryRunner } from '../src/tools/aws/index.js';
import { ExternalIdChoice } from '../src/tools/aws/session.js';
import { runHawkJob } from '../src/workers/hawk-job.js';
import { syncDigestSchedules } from '../src/workers/maintenance.js';
import { assumeRoleHandler, callerIdentityHandler, startFakeAws, type FakeAws } from './fakes/aws.js';
import { recordQuestion } from './helpers/questions.js';
import { createTestDatabase, createTestRoles, type TestDatabase, type TestRoles } from './helpers/db.js';
import { runPlainfraAsync } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * Account lifecycle without SQL (issue 7 §5): `plainfra accounts list`, `rotate-external-id` (hawk
 * keeps working through the customer's stack update, and `accounts verify` retires the old id),
 * `remove` (bindings and digest schedules go, the audit trail stays whole), and an admin audit row
 * for every change. Runs the built CLI against a fake STS/IAM, and hawk's job handler on hawk's own
 * database login.
 */
const TEAM = 'T0LIFE01';
const CHANNEL = 'C0LIFE01';
const PROD_ARN = 'arn:aws:iam::123456789012:role/plainfra-readonly';
const logger = pino({ level: 'silent' });

describe('account lifecycle', { timeout: 180_000 }, () => {
  let t: TestDatabase;
  let roles: TestRoles;
  let aws: FakeAws;
  let redis: Redis;
  let prefix: string;
  let enqueuer: Enqueuer;
  let maintenance: Queue;
  let runner: AwsQueryRunner;
  const dbs = {} as Record<ProcessRole, Db>;
  /** The ExternalIds the customer's role trust policy accepts right now (its stack's parameter). */
  let trusted = new Set<string>();
  let seq = 0;

  const env = () => ({
    DATABASE_URL: t.url,
    REDIS_URL,
    PLAINFRA_QUEUE_PREFIX: prefix,
    AWS_ENDPOINT_URL: aws.url,
    AWS_ACCESS_KEY_ID: 'AKIDHAWKLIFECYCLE',
    AWS_SECRET_ACCESS_KEY: 'hawk-secret',
    AWS_REGION: 'us-east-1',
  });
  const cli = (...args: string[]) => runPlainfraAsync(['accounts', ...args], env());
  const prodRow = async () =>
    (
      await t.db
        .select()
        .from(awsAccounts)
        .where(and(eq(awsAccounts.teamId, TEAM), eq(awsAccounts.name, 'prod')))
    )[0]!;
  /** ExternalIds hawk presented, in order (verify's own sessions are named hawk-verify-…). */
  const hawkAssumes = () =>
    aws
      .requestsFor('sts:AssumeRole')
      .filter((r) => !r.form!.RoleSessionName!.startsWith('hawk-verify'))
      .map((r) => r.form!.ExternalId);
  const simulate = (req: { form?: Record<string, string> }) => {
    const names = Object.entries(req.form ?? {})
      .filter(([k]) => k.startsWith('ActionNames.member.'))
      .map(([, v]) => v);
    const reads = new Set(ALLOWED_OPERATIONS.map((o) => o.iamAction));
    return {
      result: {
        EvaluationResults: names.map((a) => ({
          EvalActionName: a,
          EvalResourceName: '*',
          EvalDecision: reads.has(a) ? 'allowed' : 'implicitDeny',
        })),
        IsTruncated: false,
      },
    };
  };

  /** One question in CHANNEL answered by hawk (as hawk's login): one `sts:GetCallerIdentity` call. */
  async function askHawk(): Promise<string | undefined> {
    const { conversationId, turnId } = await recordQuestion(t.db, {
      teamId: TEAM,
      channelId: CHANNEL,
      threadTs: `1764100000.${String(++seq).padStart(6, '0')}`,
      user: 'U0ANN',
      text: 'who am I?',
      payload: { team: TEAM, channel: CHANNEL, accounts: ['prod'] },
    });
    const job = {
      conversationId,
      turnId,
      step: 0,
      calls: [{ toolUseId: `toolu_${seq}`, input: { service: 'sts', operation: 'GetCallerIdentity' } }],
    };
    await runHawkJob({ db: dbs.hawk, enqueuer, runner, logger }, job, { isFinal: true });
    const result = (await readTrailRows(t.db, conversationId)).find((r) => r.kind === 'tool_result');
    return (result?.payload as { status?: string } | undefined)?.status;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    roles = await createTestRoles(t);
    for (const role of ['bot', 'hawk', 'sentinel'] as const) dbs[role] = connectDb(roles.urls[role], 2);
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    enqueuer = new Enqueuer(redis, prefix);
    maintenance = new Queue('maintenance', { connection: redis, prefix });
    aws = await startFakeAws({
      handlers: {
        'sts:AssumeRole': (req) =>
          assumeRoleHandler({ externalId: trusted.has(req.form!.ExternalId!) ? req.form!.ExternalId! : '\u0000never' })(req),
        'sts:GetCallerIdentity': callerIdentityHandler(),
        'iam:SimulatePrincipalPolicy': simulate,
      },
    });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIDHAWKLIFECYCLE',
      AWS_SECRET_ACCESS_KEY: 'hawk-secret',
      AWS_REGION: 'us-east-1',
    });
    runner = createAwsQueryRunner({ redis, logger, cacheKeyPrefix: `${prefix}:hawk`, limits: { maxAttempts: 1 } });

    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: PROD_ARN, regions: ['us-east-1', 'eu-west-1'] });
    await addAccount(t.db, { teamId: TEAM, name: 'legacy', roleArn: 'arn:aws:iam::222222222222:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    trusted = new Set([(await prodRow()).externalId]);
  });
  afterAll(async () => {
    await runner?.close();
    await maintenance?.close();
    await enqueuer?.close();
    redis?.disconnect();
    for (const db of Object.values(dbs)) await closeDb(db).catch(() => undefined);
    await aws?.close();
    await t?.drop();
    await roles?.drop();
    if (prefix) await dropPrefix(prefix);
  });

  it(
    'lists accounts with AWS account id, role, regions, verification, channels and digests, ' + 'ExternalIds only as fingerprints',
    async () => {
      await bindChannel(t.db, {
        teamId: TEAM,
        channelId: 'C0LEGACY',
        accountName: 'legacy',
        digestCron: '0 9 * * 1',
        digestTz: 'Europe/Berlin',
      });
      const prod = await prodRow();
      const r = await cli('list', '--team', TEAM);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`AWS accounts of team ${TEAM}:`);
      expect(lines[1]).toMatch(/^NAME\s+ACCOUNT ID\s+ROLE ARN\s+REGIONS\s+VERIFIED\s+CHANNELS$/);
      expect(lines).toContainEqual(
        expect.stringMatching(/^legacy\s+222222222222\s+arn:aws:iam::222222222222:role\/plainfra-readonly\s+us-east-1\s+never\s+C0LEGACY$/),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^prod\s+123456789012\s+arn:aws:iam::123456789012:role\/plainfra-readonly\s+us-east-1,eu-west-1\s+never\s+C0LIFE01$/,
        ),
      );
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^prod\\s+${externalIdFingerprint(prod.externalId)}\\s+-$`)));
      expect(lines).toContainEqual(expect.stringMatching(/^legacy\s+C0LEGACY\s+0 9 \* \* 1\s+Europe\/Berlin$/));
      expect(r.stdout).toContain(`plainfra accounts external-id --team ${TEAM} --name NAME [--pending] (audited)`);
      expect(r.stdout).not.toContain(prod.externalId);

      const json = await cli('list', '--team', TEAM, '--json');
      expect(json.status).toBe(0);
      const listed = JSON.parse(json.stdout) as { accounts: Record<string, unknown>[] };
      expect(listed.accounts.find((a) => a.name === 'prod')).toMatchObject({
        awsAccountId: '123456789012',
        roleArn: PROD_ARN,
        regions: ['us-east-1', 'eu-west-1'],
        verifiedAt: null,
        externalId: { fingerprint: externalIdFingerprint(prod.externalId) },
        pendingExternalId: null,
        channels: [CHANNEL],
        digests: [],
      });
      expect(json.stdout).not.toContain(prod.externalId);

      // The full id is one audited command away.
      const shown = await cli('external-id', '--team', TEAM, '--name', 'prod');
      expect([shown.status, shown.stdout.trim()]).toEqual([0, prod.externalId]);

      const unknown = await cli('list', '--team', 'T0NOBODY');
      expect([unknown.status, unknown.stderr.trim()]).toEqual([
        1,
        'plainfra: no workspace T0NOBODY: no AWS account was ever added for it (check --team, or run plainfra accounts add)',
      ]);
    },
  );

  it(
    'rotates the ExternalId: hawk keeps using the old id until verify passes with the new one, ' + 'then the old is retired and refused',
    async () => {
      const oldId = (await prodRow()).externalId;
      const started = await cli('rotate-external-id', '--team', TEAM, '--name', 'prod');
      expect(started.status, started.stderr).toBe(0);
      const newId = /new ExternalId:\s+(\S+)/.exec(started.stdout)![1]!;
      expect(newId).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(newId).not.toBe(oldId);
      expect(started.stdout).toContain(stackUpdateCommand(newId));
      expect(started.stdout).toContain('in AWS account 123456789012');
      expect(await prodRow()).toMatchObject({ externalId: oldId, pendingExternalId: newId });

      // Rotating twice is a wrong state, with the way out.
      const twice = await cli('rotate-external-id', '--team', TEAM, '--name', 'prod');
      expect(twice.status).toBe(1);
      expect(twice.stderr).toMatch(/^plainfra: a rotation of account "prod" is already pending since .*--cancel and rotate again$/m);
      expect((await prodRow()).pendingExternalId).toBe(newId);

      // Before the customer updates the stack: the new id is refused, hawk falls back to the old once,
      // then remembers it (one AssumeRole per session from then on).
      aws.requests.length = 0;
      expect(await askHawk()).toBe('ok');
      expect(await askHawk()).toBe('ok');
      expect(hawkAssumes()).toEqual([newId, oldId, oldId]);

      // verify with the stack not yet updated: fails, says what to run, and changes nothing.
      const early = await cli('verify', '--team', TEAM, '--name', 'prod');
      expect(early.status).toBe(1);
      expect(early.stdout).toContain('[FAIL] assume role with ExternalId: the role does not accept the new ExternalId (AccessDenied)');
      expect(early.stdout).toContain('The ExternalId rotation stays pending');
      expect(await prodRow()).toMatchObject({ externalId: oldId, pendingExternalId: newId, verifiedAt: null });

      // The customer runs the update: now only the new id is trusted. hawk switches once, then sticks.
      trusted = new Set([newId]);
      aws.requests.length = 0;
      expect(await askHawk()).toBe('ok');
      expect(await askHawk()).toBe('ok');
      expect(hawkAssumes()).toEqual([oldId, newId, newId]);

      aws.requests.length = 0;
      const done = await cli('verify', '--team', TEAM, '--name', 'prod');
      expect(done.status, done.stdout + done.stderr).toBe(0);
      expect(done.stdout).toContain('[PASS] assume role with the previous ExternalId is refused: AWS answered AccessDenied');
      expect(done.stdout).toContain(
        `ExternalId rotated: hawk now uses only the new ExternalId (${externalIdFingerprint(newId)}); ` +
          `the previous one (${externalIdFingerprint(oldId)}) is retired.`,
      );
      const verifyAssumes = aws.requestsFor('sts:AssumeRole').map((r) => r.form!.ExternalId);
      expect(verifyAssumes).toEqual([newId, oldId, undefined, expect.stringMatching(/^wrong-/)]);
      const after = await prodRow();
      expect(after).toMatchObject({ externalId: newId, pendingExternalId: null, pendingSince: null });
      expect(after.verifiedAt).toBeInstanceOf(Date);

      // Retired: hawk presents only the new id, and the old one is refused by the role.
      aws.requests.length = 0;
      expect(await askHawk()).toBe('ok');
      expect(hawkAssumes()).toEqual([newId]);
      expect(await externalIdsOf(dbs.hawk, after.id)).toEqual({ current: newId, pending: null });

      // Nothing pending any more: verify checks the current id again; cancel has nothing to cancel.
      const again = await cli('verify', '--team', TEAM, '--name', 'prod');
      expect(again.status).toBe(0);
      expect(again.stdout).not.toContain('previous ExternalId');
      const cancel = await cli('rotate-external-id', '--team', TEAM, '--name', 'prod', '--cancel');
      expect([cancel.status, cancel.stderr.trim()]).toEqual([
        1,
        'plainfra: account "prod" has no ExternalId rotation pending; nothing to cancel',
      ]);
      const pending = await cli('external-id', '--team', TEAM, '--name', 'prod', '--pending');
      expect(pending.status).toBe(1);
      const list = await cli('list', '--team', TEAM);
      expect(list.stdout).toMatch(
        new RegExp(
          `^prod\\s+123456789012\\s+\\S+\\s+us-east-1,eu-west-1\\s+` +
            `${(await prodRow()).verifiedAt!.toISOString().replace(/\./g, '\\.')}\\s+C0LIFE01$`,
          'm',
        ),
      );
    },
  );

  it('does not retire the old id while the role still accepts it, and a rotation can be cancelled', async () => {
    const current = (await prodRow()).externalId;
    const started = await cli('rotate-external-id', '--team', TEAM, '--name', 'prod');
    const newId = /new ExternalId:\s+(\S+)/.exec(started.stdout)![1]!;
    const listed = await cli('list', '--team', TEAM);
    expect(listed.stdout).toMatch(
      new RegExp(`^prod\\s+${externalIdFingerprint(current)}\\s+pending since \\S+: new ${externalIdFingerprint(newId)}$`, 'm'),
    );
    expect(listed.stdout).not.toContain(newId);

    // A trust policy that lists both ids: retiring the old would change nothing, so verify refuses to.
    trusted = new Set([current, newId]);
    const both = await cli('verify', '--team', TEAM, '--name', 'prod');
    expect(both.status).toBe(1);
    expect(both.stdout).toContain(
      '[FAIL] assume role with the previous ExternalId is refused: the role still accepts the ExternalId being retired',
    );
    expect(await prodRow()).toMatchObject({ externalId: current, pendingExternalId: newId });

    const shown = await cli('external-id', '--team', TEAM, '--name', 'prod', '--pending');
    expect(shown.stdout.trim()).toBe(newId);
    const cancelled = await cli('rotate-external-id', '--team', TEAM, '--name', 'prod', '--cancel');
    expect(cancelled.status).toBe(0);
    expect(await prodRow()).toMatchObject({ externalId: current, pendingExternalId: null, pendingSince: null });
    trusted = new Set([current]);
    aws.requests.length = 0;
    expect(await askHawk()).toBe('ok');
    expect(hawkAssumes()).toEqual([current]);
  });

  it('the sentinel and the bot cannot read either ExternalId, hawk can read both; no process login can write an admin row', async () => {
    await t.db
      .update(awsAccounts)
      .set({ pendingExternalId: 'pending-id-for-grant-test-0001', pendingSince: new Date() })
      .where(eq(awsAccounts.name, 'legacy'));
    const code = async (role: ProcessRole, statement: string) =>
      dbs[role].$client.query(statement).then(
        () => undefined,
        (err: { code?: string }) => err.code,
      );
    for (const role of ['sentinel', 'bot'] as const) {
      expect(await code(role, 'SELECT pending_external_id FROM aws_accounts')).toBe('42501');
      expect(await code(role, 'SELECT external_id FROM aws_accounts')).toBe('42501');
      expect(await code(role, 'SELECT * FROM aws_accounts')).toBe('42501');
      expect(await code(role, `UPDATE aws_accounts SET pending_external_id = 'mine'`)).toBe('42501');
      // The non-secret rotation state is readable (the scope query names its columns).
      expect(await code(role, 'SELECT id, name, pending_since, verified_at FROM aws_accounts')).toBeUndefined();
    }
    const hawkRead = await dbs.hawk.$client.query(`SELECT pending_external_id FROM aws_accounts WHERE name = 'legacy'`);
    expect(hawkRead.rows[0].pending_external_id).toBe('pending-id-for-grant-test-0001');
    expect(await code('hawk', `UPDATE aws_accounts SET pending_external_id = NULL`)).toBe('42501');
    await t.db.update(awsAccounts).set({ pendingExternalId: null, pendingSince: null }).where(eq(awsAccounts.name, 'legacy'));

    const admin = adminConversationId(TEAM);
    for (const role of ['bot', 'hawk', 'sentinel'] as const) {
      expect(
        await code(
          role,
          'INSERT INTO audit_events (conversation_id, actor, kind, payload) ' +
            `VALUES ('${admin}', 'admin', 'admin', '{"action":"account_removed","team":"${TEAM}"}')`,
        ),
      ).toBe('42501');
    }
  });

  it('removes an account with its bindings and digest schedules; the audit trail stays and audit verify passes', async () => {
    // legacy: alone in C0LEGACY (with a digest), beside prod in the digest channel C0SHARED, and the workspace default.
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0SHARED', accountName: 'legacy', digestCron: '0 8 * * 5', digestTz: 'UTC' });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0SHARED', accountName: 'prod' });
    await bindChannel(t.db, { teamId: TEAM, channelId: '*', accountName: 'legacy' });
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
    const schedulers = async () => (await maintenance.getJobSchedulers()).map((s) => s.key).sort();
    expect(await schedulers()).toEqual([`digest:${TEAM}:C0LEGACY`, `digest:${TEAM}:C0SHARED`]);
    // A conversation that queried legacy: its rows name the account (no foreign key to it).
    const [c] = await t.db
      .insert(conversations)
      .values({ teamId: TEAM, channelId: 'C0LEGACY', threadTs: '1764200000.000100', startedBy: 'U0ANN' })
      .returning();
    const { row } = await recordAudit(t.db, {
      conversationId: c!.id,
      actor: 'bot',
      kind: 'message_in',
      payload: { text: 'costs?', team: TEAM, channel: 'C0LEGACY', accounts: ['legacy'] },
    });
    await recordAudit(t.db, {
      conversationId: c!.id,
      actor: 'hawk',
      kind: 'tool_call',
      payload: {
        turnId: String(row.id),
        toolUseId: 'toolu_legacy',
        account: 'legacy',
        roleArn: 'arn:aws:iam::222222222222:role/plainfra-readonly',
      },
    });
    const trailBefore = await readTrailRows(t.db, c!.id);
    const legacyId = (await t.db.select().from(awsAccounts).where(eq(awsAccounts.name, 'legacy')))[0]!.id;

    const r = await cli('remove', '--team', TEAM, '--name', 'legacy');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('channels that may no longer query it: *, C0LEGACY, C0SHARED');
    expect(r.stdout).toContain('the digest of C0SHARED (0 8 * * 5 UTC) stays and now covers: prod');
    expect(r.stdout).toContain('digest schedules removed with their last binding: C0LEGACY');
    expect(await t.db.select().from(awsAccounts).where(eq(awsAccounts.id, legacyId))).toEqual([]);
    expect(await t.db.select().from(channelBindings).where(eq(channelBindings.accountId, legacyId))).toEqual([]);
    expect(await schedulers()).toEqual([`digest:${TEAM}:C0SHARED`]);
    // The shared channel's schedule moved to the binding left, so the bot's next sweep keeps it.
    const [shared] = await t.db.select().from(channelBindings).where(eq(channelBindings.channelId, 'C0SHARED'));
    expect(shared).toMatchObject({ digestCron: '0 8 * * 5', digestTz: 'UTC' });
    await syncDigestSchedules({ db: t.db, enqueuer, logger });
    expect(await schedulers()).toEqual([`digest:${TEAM}:C0SHARED`]);

    expect(await readTrailRows(t.db, c!.id)).toEqual(trailBefore);
    const verify = await runPlainfraAsync(['audit', 'verify'], { DATABASE_URL: t.url });
    expect(verify.status, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/every chain is intact/);

    const again = await cli('remove', '--team', TEAM, '--name', 'legacy');
    expect([again.status, again.stderr.trim()]).toEqual([
      1,
      `plainfra: no account "legacy" for team ${TEAM} (accounts: prod); see plainfra accounts list --team ${TEAM}`,
    ]);
    const usage = await cli('remove', '--team', TEAM);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('missing --name');
  });

  it("writes an admin row (actor admin, in the team's admin chain) for every admin command, never with an ExternalId", async () => {
    await runPlainfraAsync(['channels', 'unbind', '--team', TEAM, '--channel', 'C0SHARED', '--account', 'prod'], env());
    const rows = await readAdminTrail(t.db, TEAM);
    expect(new Set(rows.map((r) => `${r.actor}/${r.kind}`))).toEqual(new Set(['admin/admin']));
    const actions = rows.map((r) => (r.payload as { action: string }).action);
    for (const action of [
      'account_added',
      'channel_bound',
      'external_id_shown',
      'external_id_rotation_started',
      'account_verify',
      'external_id_rotated',
      'external_id_rotation_cancelled',
      'account_removed',
      'channel_unbound',
    ])
      expect(actions).toContain(action);
    expect(actions.filter((a) => a === 'account_added')).toHaveLength(2);
    const verifies = rows
      .filter((r) => (r.payload as { action: string }).action === 'account_verify')
      .map((r) => (r.payload as { ok: boolean }).ok);
    expect(verifies).toEqual([false, true, true, false]);
    const removed = rows.find((r) => (r.payload as { action: string }).action === 'account_removed')!.payload;
    expect(removed).toMatchObject({
      team: TEAM,
      account: 'legacy',
      channels: ['*', 'C0LEGACY', 'C0SHARED'],
      schedulesRemoved: ['C0LEGACY'],
    });
    expect((removed as { operator?: string }).operator).toMatch(/.@./);
    // Every process role reads the trail: no ExternalId (current, pending or retired) in any admin row.
    const ids = (await t.db.execute(sql`SELECT external_id FROM aws_accounts`)).rows.map((x) => String(x.external_id));
    const text = JSON.stringify(rows);
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).not.toMatch(/"[A-Za-z0-9_-]{32}"/);

    const printed = await runPlainfraAsync(['audit', '--admin', '--team', TEAM, '--json'], { DATABASE_URL: t.url });
    expect(printed.status).toBe(0);
    expect((JSON.parse(printed.stdout) as unknown[]).length).toBe(rows.length);
    const none = await runPlainfraAsync(['audit', '--admin', '--team', 'T0QUIET'], { DATABASE_URL: t.url });
    expect([none.status, none.stdout.trim()]).toEqual([0, 'no admin changes recorded for team T0QUIET']);
  });

  it('retention keeps the admin chain however old it is', async () => {
    const admin = adminConversationId(TEAM);
    const count = async () => (await readTrailRows(t.db, admin)).length;
    const before = await count();
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await tx.execute(sql`UPDATE audit_events SET created_at = now() - interval '800 days' WHERE conversation_id = ${admin}`);
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
    await pruneExpired(t.db);
    expect(await count()).toBe(before);
  });
});

describe('the stack update printed by rotate-external-id', () => {
  it('changes the ExternalId and keeps every other parameter of the role template', () => {
    const template = parsePolicySource(readFileSync('deploy/aws/plainfra-readonly-role.yaml', 'utf8'), 'template') as {
      Parameters: Record<string, unknown>;
    };
    expect(Object.keys(template.Parameters).sort()).toEqual(['ExternalId', ...KEPT_STACK_PARAMETERS].sort());
    const cmd = stackUpdateCommand('NEW_external_id_0123456789abcdef');
    expect(cmd).toContain('ParameterKey=ExternalId,ParameterValue=NEW_external_id_0123456789abcdef');
    for (const p of KEPT_STACK_PARAMETERS) expect(cmd).toContain(`ParameterKey=${p},UsePreviousValue=true`);
    expect(cmd).toContain('--use-previous-template');
    expect(cmd).toContain('--stack-name plainfra-readonly');
  });
});

describe('hawk during a rotation (ExternalIdChoice)', () => {
  const account = {
    accountName: 'prod',
    roleArn: PROD_ARN,
    externalId: 'current-external-id-0001',
    pendingExternalId: 'pending-external-id-0001',
    regions: ['us-east-1'],
  };
  const denied = Object.assign(new Error('not authorized to perform: sts:AssumeRole'), {
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
  });
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
  const creds = { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration: new Date(Date.now() + 900_000) };

  it('falls back only on AccessDenied: a throttled or timed-out attempt is not a wrong ExternalId', async () => {
    const tried: string[] = [];
    const choice = new ExternalIdChoice();
    await expect(
      choice.assume(account, async (id) => {
        tried.push(id);
        throw throttled;
      }),
    ).rejects.toBe(throttled);
    expect(tried).toEqual(['pending-external-id-0001']);
  });

  it('with no rotation, one id and one attempt; both refused → the last AccessDenied', async () => {
    const choice = new ExternalIdChoice();
    expect(choice.candidates({ ...account, pendingExternalId: undefined })).toEqual(['current-external-id-0001']);
    const tried: string[] = [];
    const deny = async (id: string) => {
      tried.push(id);
      return Promise.reject(denied);
    };
    await expect(choice.assume(account, deny)).rejects.toBe(denied);
    expect(tried).toEqual(['pending-external-id-0001', 'current-external-id-0001']);
    // Nothing worked, so nothing is remembered: the next call starts with the new id again.
    expect(choice.candidates(account)).toEqual(['pending-external-id-0001', 'current-external-id-0001']);
    await choice.assume(account, async (id) => (id === 'current-external-id-0001' ? creds : Promise.reject(denied)));
    expect(choice.candidates(account)).toEqual(['current-external-id-0001', 'pending-external-id-0001']);
  });
});
