import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { closeDb, connectDb, runMigrations, type Db } from '../db/index.js';

/**
 * The eval's audit trail lives in a throw-away database on the operator's Postgres server
 * (`plainfra_eval_<random>`, created from DATABASE_URL, migrated, dropped afterwards), so the real
 * audit code runs and nothing is written to plainfra's own database. It needs CREATEDB on the
 * login; without it the error says so.
 */
export interface EvalDatabase {
  db: Db;
  name: string;
  drop(): Promise<void>;
}

export async function createEvalDatabase(databaseUrl: string): Promise<EvalDatabase> {
  const name = `plainfra_eval_${randomBytes(5).toString('hex')}`;
  try {
    await admin(databaseUrl, `CREATE DATABASE ${name}`);
  } catch (err) {
    throw new Error(
      `plainfra eval could not create its temporary database on the server of DATABASE_URL (${(err as Error).message}). ` +
        'Point DATABASE_URL at a Postgres login allowed to create databases (CREATEDB), ' +
        'e.g. a local postgres://postgres@127.0.0.1:5432/postgres.',
    );
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const db = connectDb(url.toString(), 2);
  const drop = async () => {
    await closeDb(db).catch(() => undefined);
    await admin(databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    await runMigrations(db);
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return { db, name, drop };
}

async function admin(databaseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
