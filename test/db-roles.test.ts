import { Redis } from 'ioredis';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsForChannel, addAccount, bindChannel } from '../src/accounts/index.js';
import { externalIdOf } from '../src/accounts/manage.js';
import { pruneExpired, readTrail, readTrailRows, recordAudit } from '../src/audit/index.js';
import { acceptQuestion } from '../src/bot/intake.js';
import { applyRoles, checkProcessLogin, closeDb, connectDb, conversations, type Db } from '../src/db/index.js';
import type { ProcessRole } from '../src/db/roles.js';
import { Enqueuer } from '../src/queues/index.js';
import { deriveScope } from '../src/workers/hawk-job.js';
import { createTestDatabase, createTestRoles, testRolesFor, type TestDatabase, type TestRoles } from './helpers/db.js';
import { runPlainfra } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * One Postgres login per process (issue 7 §1): each role connects with its own login and every
 * statement a compromised process could use against the installation fails with
 * insufficient_privilege, while the statements its own code runs still work.
 */

const TEAM = 'T0ROLES01';
const CHANNEL = 'C0ROLES01';
const logger = pino({ level: 'silent' });

/** A statement each role must not be able to run, and why it matters. */
interface Forbidden {
  what: string;
  sql: string;
  roles: ProcessRole[];
}

const ALL: ProcessRole[] = ['bot', 'hawk', 'sentinel'];
const FORBIDDEN: Forbidden[] = [
  { what: 'read ExternalIds', sql: 'SELECT external_id FROM aws_accounts', roles: ['bot', 'sentinel'] },
  { what: 'read whole account rows (ExternalId included)', sql: 'SELECT * FROM aws_accounts', roles: ['bot', 'sentinel'] },
  { what: "read a rotation's pending ExternalId", sql: 'SELECT pending_external_id FROM aws_accounts', roles: ['bot', 'sentinel'] },
  {
    what: 'start or complete an ExternalId rotation',
    sql: `UPDATE aws_accounts SET pending_external_id = 'mine', pending_since = now()`,
    roles: ALL,
  },
  {
    what: 'write an admin audit row',
    sql:
      'INSERT INTO audit_events (conversation_id, actor, kind, payload) ' +
      `VALUES (gen_random_uuid(), 'admin', 'admin', '{"action":"account_removed","team":"${TEAM}"}')`,
    roles: ALL,
  },
  { what: 'rewrite an audit row', sql: `UPDATE audit_events SET payload = '{"text":"rewritten"}'`, roles: ALL },
  { what: 'delete audit rows', sql: 'DELETE FROM audit_events', roles: ALL },
  { what: 'truncate the audit trail', sql: 'TRUNCATE audit_events', roles: ALL },
  {
    what: 'delete audit rows with the retention flag set',
    sql: `SET LOCAL plainfra.retention = 'on'; DELETE FROM audit_events`,
    roles: ALL,
  },
  { what: 'drop the append-only trigger', sql: 'DROP TRIGGER audit_events_append_only ON audit_events', roles: ALL },
  { what: 'drop the hash-chain trigger', sql: 'DROP TRIGGER audit_events_chain ON audit_events', roles: ALL },
  { what: 'disable the triggers', sql: 'ALTER TABLE audit_events DISABLE TRIGGER ALL', roles: ALL },
  {
    what: 'replace the chain function',
    sql: `CREATE OR REPLACE FUNCTION plainfra_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$`,
    roles: ALL,
  },
  {
    what: 'bind a channel to an account',
    sql: `INSERT INTO channel_bindings (team_id, channel_id, account_id) SELECT '${TEAM}', 'C0EVIL', id FROM aws_accounts LIMIT 1`,
    roles: ALL,
  },
  { what: 'move a binding to another account', sql: `UPDATE channel_bindings SET channel_id = 'C0EVIL'`, roles: ALL },
  { what: 'remove bindings', sql: 'DELETE FROM channel_bindings', roles: ALL },
  {
    what: 'register an account',
    sql:
      'INSERT INTO aws_accounts (team_id, name, role_arn, external_id) ' +
      `VALUES ('${TEAM}', 'evil', 'arn:aws:iam::999999999999:role/x', 'x')`,
    roles: ALL,
  },
  { what: 'point an account at another role', sql: `UPDATE aws_accounts SET role_arn = 'arn:aws:iam::999999999999:role/x'`, roles: ALL },
  { what: 'redirect a conversation to another channel', sql: `UPDATE conversations SET channel_id = 'C0EVIL'`, roles: ALL },
  { what: 'move a conversation to another team', sql: `UPDATE conversations SET team_id = 'T0EVIL'`, roles: ALL },
  { what: 'delete conversations', sql: 'DELETE FROM conversations', roles: ALL },
  {
    what: 'open a conversation',
    sql: `INSERT INTO conversations (team_id, channel_id, thread_ts, started_by) VALUES ('${TEAM}', 'C0EVIL', '1.1', 'U1')`,
    roles: ['hawk', 'sentinel'],
  },
  {
    what: 'mark a Slack delivery as seen',
    sql: `INSERT INTO slack_events (event_id, conversation_id, turn_id) VALUES ('Ev1', gen_random_uuid(), '1')`,
    roles: ['hawk', 'sentinel'],
  },
  { what: 'run retention', sql: 'SELECT plainfra_prune_expired(1, 1, 1)', roles: ['hawk', 'sentinel'] },
  { what: 'read or change who may write which actor', sql: 'SELECT * FROM plainfra_role_actors', roles: ALL },
  { what: 'map itself to the bot actor', sql: `UPDATE plainfra_role_actors SET actor = 'bot'`, roles: ALL },
  { what: 'register a workspace', sql: `INSERT INTO workspaces (team_id) VALUES ('T0EVIL')`, roles: ALL },
  { what: 'create a table', sql: 'CREATE TABLE evil (x int)', roles: ALL },
];

/** Audit rows written under another process's actor: the trigger refuses them. */
const FORGED_ACTOR: Record<ProcessRole, string> = { bot: 'sentinel', hawk: 'bot', sentinel: 'bot' };

describe('a Postgres role per process', () => {
  let t: TestDatabase;
  let roles: TestRoles;
  const dbs = {} as Record<ProcessRole, Db>;
  let conversationId: string;
  let turnId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    roles = await createTestRoles(t);
    for (const role of ALL) dbs[role] = connectDb(roles.urls[role], 2);
    await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
    await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
    const [c] = await t.db
      .insert(conversations)
      .values({ teamId: TEAM, channelId: CHANNEL, threadTs: '1764000000.000100', startedBy: 'U0ANN' })
      .returning();
    conversationId = c!.id;
    const { row } = await recordAudit(t.db, {
      conversationId,
      actor: 'bot',
      kind: 'message_in',
      payload: { text: 'costs?', user: 'U0ANN', team: TEAM, channel: CHANNEL, accounts: ['prod'] },
    });
    turnId = String(row.id);
  });
  afterAll(async () => {
    for (const db of Object.values(dbs)) await closeDb(db).catch(() => undefined);
    await t.drop();
    await roles.drop();
  });

  /** Runs a statement in its own transaction on the role's login; resolves to the Postgres error code. */
  async function errorCode(role: ProcessRole, statement: string): Promise<string | undefined> {
    const client = await dbs[role].$client.connect();
    try {
      await client.query('BEGIN');
      await client.query(statement);
      return undefined;
    } catch (err) {
      return (err as { code?: string }).code;
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  for (const f of FORBIDDEN) {
    for (const role of f.roles) {
      it(`${role} cannot ${f.what}`, async () => {
        // 42501 insufficient_privilege (including "must be owner of …").
        expect(await errorCode(role, f.sql)).toBe('42501');
      });
    }
  }

  for (const role of ALL) {
    it(`${role} cannot write audit rows under another process's actor (${FORGED_ACTOR[role]}), nor backdate its own`, async () => {
      const forged =
        'INSERT INTO audit_events (conversation_id, actor, kind, payload) ' +
        `VALUES ('${conversationId}', '${FORGED_ACTOR[role]}', 'message_in', '{"text":"forged"}')`;
      expect(await errorCode(role, forged)).toBe('42501');
      const { row } = await recordAudit(dbs[role], { conversationId, actor: role, kind: 'error', payload: { probe: role } });
      const backdated = await dbs[role].$client.query(
        'INSERT INTO audit_events (conversation_id, actor, kind, created_at) ' +
          "VALUES ($1, $2, 'error', now() - interval '400 days') RETURNING created_at",
        [conversationId, role],
      );
      expect(Date.now() - (backdated.rows[0] as { created_at: Date }).created_at.getTime()).toBeLessThan(60_000);
      expect(row.actor).toBe(role);
    });
  }

  it('the sentinel reads what its code reads: the trail and the accounts a channel may query, without ExternalIds', async () => {
    const accounts = await accountsForChannel(dbs.sentinel, { teamId: TEAM, channelId: CHANNEL, externallyShared: false });
    expect(accounts.map((a) => a.name)).toEqual(['prod']);
    expect(accounts[0]).not.toHaveProperty('externalId');
    expect((await readTrail(dbs.sentinel, conversationId)).some((r) => r.kind === 'message_in')).toBe(true);
  });

  it('hawk derives its scope and reads the ExternalId of the account it calls', async () => {
    const scope = await deriveScope(dbs.hawk, { conversationId, turnId });
    expect(scope).toMatchObject({ teamId: TEAM, asker: 'U0ANN' });
    const account = (scope as { accounts: { id: number; name: string }[] }).accounts[0]!;
    expect(account.name).toBe('prod');
    expect(await externalIdOf(dbs.hawk, account.id)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('the bot takes a question in (conversation, message_in, slack_events) and adopts a thread', async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const prefix = uniquePrefix();
    const enqueuer = new Enqueuer(redis, prefix);
    try {
      const result = await acceptQuestion(
        { db: dbs.bot, enqueuer },
        {
          source: 'app_mention',
          deliveryId: 'EvROLES1',
          teamId: TEAM,
          channelId: CHANNEL,
          userId: 'U0BEN',
          text: 'what changed?',
          ts: '1764000001.000200',
          externallyShared: false,
        },
      );
      expect(result.status).toBe('accepted');
      await dbs.bot.update(conversations).set({ threadTs: '1764000001.000300' }).where(sql`id = ${result.conversationId}`);
      const trail = await readTrail(t.db, result.conversationId);
      expect(trail.map((r) => [r.actor, r.kind])).toEqual([['bot', 'message_in']]);
    } finally {
      await enqueuer.close();
      redis.disconnect();
      await dropPrefix(prefix);
    }
  });

  it('the bot runs retention, but cannot shorten it below the documented periods', async () => {
    const [old] = await t.db
      .insert(conversations)
      .values({
        teamId: TEAM,
        channelId: CHANNEL,
        threadTs: '1.000777',
        startedBy: 'U1',
        createdAt: new Date(Date.now() - 120 * 86_400_000),
      })
      .returning();
    const [recent] = await t.db
      .insert(conversations)
      .values({
        teamId: TEAM,
        channelId: CHANNEL,
        threadTs: '1.000778',
        startedBy: 'U1',
        createdAt: new Date(Date.now() - 10 * 86_400_000),
      })
      .returning();
    for (const [c, days] of [
      [old!, 120],
      [recent!, 10],
    ] as const) {
      await t.db.execute(
        sql`INSERT INTO audit_events (conversation_id, actor, kind, created_at)
          VALUES (${c.id}, 'bot', 'message_in', now() - make_interval(days => ${days}))`,
      );
    }
    // Asked to keep only one day, the function still keeps 90 for a process role.
    const result = await pruneExpired(dbs.bot, { conversationDays: 1, reportDays: 1, slackEventDays: 1 });
    expect(result.auditRows).toBe(1);
    expect(await readTrailRows(t.db, old!.id)).toEqual([]);
    expect(await readTrailRows(t.db, recent!.id)).toHaveLength(1);
  });

  it('warns at start when a process logs in as the owner, and not with its own login', async () => {
    expect(await checkProcessLogin(t.db, 'sentinel', logger)).toMatch(/connects to Postgres as "postgres", a superuser.*plainfra migrate/);
    for (const role of ALL) expect(await checkProcessLogin(dbs[role], role, logger)).toBeUndefined();
  });

  it('re-running migrate resets grants to exactly the table, undoing anything granted by hand', async () => {
    await t.db.execute(sql.raw(`GRANT INSERT ON channel_bindings TO ${roles.names.sentinel}`));
    await t.db.execute(sql.raw(`GRANT SELECT (external_id) ON aws_accounts TO ${roles.names.sentinel}`));
    await applyRoles(t.db, { prefix: roles.prefix });
    expect(
      await errorCode(
        'sentinel',
        `INSERT INTO channel_bindings (team_id, channel_id, account_id) SELECT '${TEAM}', 'C0EVIL', id FROM aws_accounts LIMIT 1`,
      ),
    ).toBe('42501');
    expect(await errorCode('sentinel', 'SELECT external_id FROM aws_accounts')).toBe('42501');
  });

  it('plainfra migrate creates the logins with a configurable prefix and passwords from the environment', async () => {
    const other = testRolesFor(t.url, `plainfra_t${Date.now().toString(36)}_`);
    try {
      const r = runPlainfra(['migrate'], {
        DATABASE_URL: t.url,
        PLAINFRA_DB_ROLE_PREFIX: other.prefix,
        PLAINFRA_DB_PASSWORD_SENTINEL: 'sentinel-password-1234',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`sentinel ${other.names.sentinel} (created, password set)`);
      expect(r.stdout).toContain(`bot      ${other.names.bot} (created, password unchanged)`);
      expect(r.stdout).toMatch(new RegExp(`DATABASE_URL=postgres://${other.names.sentinel}:PASSWORD@`));
      const auth = await t.db.execute(
        sql`SELECT rolname, rolpassword IS NOT NULL AS has_password, rolcanlogin, rolsuper
          FROM pg_authid WHERE rolname LIKE ${`${other.prefix}%`} ORDER BY rolname`,
      );
      expect(auth.rows).toEqual([
        { rolname: other.names.bot, has_password: false, rolcanlogin: true, rolsuper: false },
        { rolname: other.names.hawk, has_password: false, rolcanlogin: true, rolsuper: false },
        { rolname: other.names.sentinel, has_password: true, rolcanlogin: true, rolsuper: false },
      ]);
      const bad = runPlainfra(['migrate'], { DATABASE_URL: t.url, PLAINFRA_DB_ROLE_PREFIX: 'Bad-Prefix' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/PLAINFRA_DB_ROLE_PREFIX: lower-case letters/);
    } finally {
      // Revoke this database's grants so the roles can be dropped before the database is.
      for (const name of Object.values(other.names)) await t.db.execute(sql.raw(`DROP OWNED BY ${name}`)).catch(() => undefined);
      await other.drop();
    }
  });
});
