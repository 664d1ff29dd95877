import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyRoles, closeDb, connectDb, runMigrations, type Db } from '../../src/db/index.js';
import { PROCESS_ROLES, roleNames, type ProcessRole } from '../../src/db/roles.js';

/**
 * A fresh, migrated Postgres database per test file: `plainfra_t_<random>`, created through the
 * admin URL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) and dropped after.
 */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** Connection URL of the new database (what a spawned process gets as DATABASE_URL). */
  url: string;
  db: Db;
  /** Closes `db` and drops the database (terminating any connection still open to it). */
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `plainfra_t_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const db = connectDb(url.toString());
  try {
    await runMigrations(db);
  } catch (err) {
    await closeDb(db).catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    throw err;
  }
  let dropped = false;
  return {
    url: url.toString(),
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await closeDb(db).catch(() => undefined);
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export interface TestRoles {
  /** Role names, unique to this test file (roles are cluster-wide and other runs share the server). */
  names: Record<ProcessRole, string>;
  prefix: string;
  /** The test database's URL with each role's login. */
  urls: Record<ProcessRole, string>;
  /** Drops the roles; call after the database is dropped (grants live in the database). */
  drop(): Promise<void>;
}

/** Creates bot/hawk/sentinel logins for a test database the way `plainfra migrate` does. */
export async function createTestRoles(t: TestDatabase, passwords?: Partial<Record<ProcessRole, string>>): Promise<TestRoles> {
  const prefix = `plainfra_t${randomBytes(4).toString('hex')}_`;
  await applyRoles(t.db, { prefix, passwords });
  return testRolesFor(t.url, prefix);
}

/** The names and URLs of roles created with `prefix` (e.g. by a spawned `plainfra migrate`). */
export function testRolesFor(databaseUrl: string, prefix: string): TestRoles {
  const names = roleNames(prefix);
  const urls = Object.fromEntries(
    PROCESS_ROLES.map((r) => {
      const u = new URL(databaseUrl);
      u.username = names[r];
      u.password = '';
      return [r, u.toString()];
    }),
  ) as Record<ProcessRole, string>;
  return {
    names,
    prefix,
    urls,
    async drop() {
      for (const name of Object.values(names)) await admin(`DROP ROLE IF EXISTS ${name}`).catch(() => undefined);
    },
  };
}
