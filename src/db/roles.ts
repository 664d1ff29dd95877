import pg from 'pg';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from './client.js';

/**
 * One Postgres login per process (issue 7 §1). `plainfra migrate`, run with the owner's URL, creates
 * or updates the three roles and grants each exactly what its code does, so a compromised process is
 * held by the database too, not only by its environment:
 *
 * - sentinel (reads untrusted model output): reads the trail, conversations and which accounts a
 *   channel may query (not `aws_accounts.external_id`); appends `sentinel` audit rows. Nothing else.
 * - hawk: the same reads plus the ExternalIds it passes to sts:AssumeRole (the current one and, during a
 *   rotation, the pending one); appends `hawk` audit rows.
 * - bot: intake (conversations, slack_events, `bot` audit rows), points a slash command's
 *   conversation at its thread (`thread_ts`, `externally_shared` only) and runs retention through
 *   `plainfra_prune_expired`, the one SECURITY DEFINER function that deletes.
 *
 * No role may UPDATE, DELETE or TRUNCATE `audit_events`, write bindings or accounts, or alter a table
 * or trigger (only the owner can). Re-running revokes everything first, so the grants are exactly
 * these whatever an older version granted.
 */
export type ProcessRole = 'bot' | 'hawk' | 'sentinel';
export const PROCESS_ROLES: readonly ProcessRole[] = ['bot', 'hawk', 'sentinel'];

/**
 * Columns of aws_accounts every role may read. The ExternalIds (`external_id`, and
 * `pending_external_id` during a rotation) are only for hawk; a column added to aws_accounts is
 * readable by the bot and the sentinel only once it is listed here.
 */
export const ACCOUNT_COLUMNS_WITHOUT_SECRET = [
  'id',
  'team_id',
  'name',
  'role_arn',
  'regions',
  'created_at',
  'pending_since',
  'verified_at',
];

interface Grant {
  table: string;
  privileges: string;
}

const READ_SCOPE: Grant[] = [
  { table: 'conversations', privileges: 'SELECT' },
  { table: 'channel_bindings', privileges: 'SELECT' },
  { table: 'audit_events', privileges: 'SELECT, INSERT' },
];

export const GRANTS: Record<ProcessRole, { tables: Grant[]; accountColumns: 'all' | 'no-secret'; functions: string[] }> = {
  bot: {
    tables: [
      ...READ_SCOPE,
      { table: 'workspaces', privileges: 'SELECT' },
      { table: 'slack_events', privileges: 'SELECT, INSERT' },
      { table: 'conversations', privileges: 'INSERT, UPDATE (thread_ts, externally_shared)' },
    ],
    accountColumns: 'no-secret',
    functions: ['plainfra_prune_expired(int, int, int)'],
  },
  hawk: { tables: READ_SCOPE, accountColumns: 'all', functions: [] },
  sentinel: { tables: READ_SCOPE, accountColumns: 'no-secret', functions: [] },
};

export interface RoleOptions {
  /** Role names are `${prefix}bot` etc. Roles are cluster-wide: one prefix per installation. */
  prefix: string;
  /** A password sets (or changes) the login's password; without one the login is left as it is. */
  passwords?: Partial<Record<ProcessRole, string>>;
}

export const ROLE_PREFIX_PATTERN = /^[a-z_][a-z0-9_]{0,40}$/;

export function roleNames(prefix: string): Record<ProcessRole, string> {
  if (!ROLE_PREFIX_PATTERN.test(prefix))
    throw new Error(`role prefix "${prefix}" must be lower-case letters, digits or _ (at most 41), starting with a letter or _`);
  return { bot: `${prefix}bot`, hawk: `${prefix}hawk`, sentinel: `${prefix}sentinel` };
}

export interface AppliedRole {
  role: ProcessRole;
  name: string;
  created: boolean;
  passwordSet: boolean;
}

/** Creates or updates the three process roles and their grants in the connected database. */
export async function applyRoles(db: Db, opts: RoleOptions): Promise<AppliedRole[]> {
  const names = roleNames(opts.prefix);
  return db.transaction(async (tx) => {
    const [where = { db: '', schema: '' }] = (await tx.execute(sql`SELECT current_database() AS db, current_schema() AS schema`)).rows as {
      db: string;
      schema: string;
    }[];
    const applied: AppliedRole[] = [];
    for (const role of PROCESS_ROLES) {
      const name = names[role];
      const password = opts.passwords?.[role];
      const created = await upsertLogin(tx, name, password);
      await grantExactly(tx, role, name, where);
      await tx.execute(sql`INSERT INTO plainfra_role_actors (role_name, actor) VALUES (${name}, ${role})
        ON CONFLICT (role_name) DO UPDATE SET actor = excluded.actor`);
      applied.push({ role, name, created, passwordSet: Boolean(password) });
    }
    return applied;
  });
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const id = pg.escapeIdentifier;
const run = (tx: Tx, statement: string) => tx.execute(sql.raw(statement));

/** The login, created or brought back to no privileges beyond LOGIN; resolves to whether it was created. */
async function upsertLogin(tx: Tx, name: string, password: string | undefined): Promise<boolean> {
  const exists = (await tx.execute(sql`SELECT 1 FROM pg_roles WHERE rolname = ${name}`)).rows.length > 0;
  const attrs = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
  const withPassword = password ? ` PASSWORD ${pg.escapeLiteral(password)}` : '';
  await run(tx, `${exists ? 'ALTER' : 'CREATE'} ROLE ${id(name)} WITH ${attrs}${withPassword}`);
  return !exists;
}

/** Start from nothing in this database, then grant exactly the role's entry in GRANTS. */
async function grantExactly(tx: Tx, role: ProcessRole, name: string, where: { db: string; schema: string }): Promise<void> {
  await run(tx, `REVOKE ALL ON ALL TABLES IN SCHEMA ${id(where.schema)} FROM ${id(name)}`);
  await run(tx, `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${id(where.schema)} FROM ${id(name)}`);
  await run(tx, `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${id(where.schema)} FROM ${id(name)}`);
  await run(tx, `GRANT CONNECT ON DATABASE ${id(where.db)} TO ${id(name)}`);
  await run(tx, `GRANT USAGE ON SCHEMA ${id(where.schema)} TO ${id(name)}`);
  const grants = GRANTS[role];
  for (const g of grants.tables) await run(tx, `GRANT ${g.privileges} ON ${id(g.table)} TO ${id(name)}`);
  await run(
    tx,
    grants.accountColumns === 'all'
      ? `GRANT SELECT ON aws_accounts TO ${id(name)}`
      : `GRANT SELECT (${ACCOUNT_COLUMNS_WITHOUT_SECRET.join(', ')}) ON aws_accounts TO ${id(name)}`,
  );
  // bigserial default: nextval runs as the inserting role before the chain trigger redraws the id.
  await run(tx, `GRANT USAGE ON SEQUENCE audit_events_id_seq TO ${id(name)}`);
  for (const fn of grants.functions) await run(tx, `GRANT EXECUTE ON FUNCTION ${fn} TO ${id(name)}`);
}

/** Human summary for `plainfra migrate`: which login each process's DATABASE_URL should use. */
export function formatAppliedRoles(applied: AppliedRole[], ownerUrl: string): string {
  const url = new URL(ownerUrl);
  const lines = applied.map((a) => {
    const u = new URL(url.toString());
    u.username = a.name;
    u.password = a.passwordSet ? 'PASSWORD' : '';
    const status = `${a.created ? 'created' : 'updated'}${a.passwordSet ? ', password set' : ', password unchanged'}`;
    return `  ${a.role.padEnd(8)} ${a.name} (${status})\n           DATABASE_URL=${u.toString()}`;
  });
  return `database roles (one login per process; grants reset to exactly what each needs):\n${lines.join('\n')}`;
}

/**
 * A process that logs in as the owner (or a superuser, or any login that can rewrite the audit
 * trail) works, but gives up the database's half of the process split: say so loudly at start.
 * Returns the warning, or undefined when the login is a least-privilege one.
 */
export async function checkProcessLogin(db: Db, role: ProcessRole, logger: Logger): Promise<string | undefined> {
  try {
    const result = await db.execute(sql`
      SELECT current_user AS me, r.rolsuper AS superuser,
        pg_has_role(current_user, c.relowner, 'USAGE') AS owner,
        has_table_privilege('audit_events', 'UPDATE') OR has_table_privilege('audit_events', 'DELETE')
          OR has_table_privilege('channel_bindings', 'INSERT') AS can_rewrite
      FROM pg_roles r, pg_class c
      WHERE r.rolname = current_user AND c.oid = 'audit_events'::regclass`);
    const row = result.rows[0] as { me: string; superuser: boolean; owner: boolean; can_rewrite: boolean } | undefined;
    if (!row || !(row.superuser || row.owner || row.can_rewrite)) return undefined;
    const why = row.superuser
      ? 'a superuser'
      : row.owner
        ? 'the owner of the plainfra tables'
        : 'a login that can rewrite the audit trail or the bindings';
    const warning =
      `the ${role} connects to Postgres as "${row.me}", ${why}: a compromised ${role} could rewrite the audit trail and the bindings. ` +
      `Give it its own login: run plainfra migrate with the owner's DATABASE_URL (it creates the login, plainfra_${role} by default) ` +
      "and set this process's DATABASE_URL to that role.";
    logger.warn({ dbUser: row.me }, warning);
    return warning;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not check the database login of this process');
    return undefined;
  }
}
