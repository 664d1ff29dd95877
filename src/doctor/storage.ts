import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../db/index.js';
import { fail, message, pass, withDeadline, type DoctorCheck } from './types.js';

/** Postgres reachable, and every migration in migrations/ applied (drizzle's own bookkeeping table). */
export async function checkPostgres(databaseUrl: string | undefined): Promise<DoctorCheck[]> {
  if (!databaseUrl) return [fail('postgres', 'DATABASE_URL is not set', 'set DATABASE_URL=postgres://USER@HOST:5432/DB')];
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  const where = redactUrl(databaseUrl);
  try {
    await withDeadline('postgres', 6_000, () => client.connect());
    const version = (await client.query<{ v: string }>('show server_version')).rows[0]?.v;
    const checks = [pass('postgres reachable', `${where} (PostgreSQL ${version})`)];
    const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
      entries: { tag: string; when: number }[];
    };
    let applied = new Set<number>();
    try {
      const rows = (await client.query<{ created_at: string }>('select created_at from drizzle.__drizzle_migrations')).rows;
      applied = new Set(rows.map((r) => Number(r.created_at)));
    } catch (err) {
      if ((err as { code?: string }).code !== '42P01') throw err; // undefined_table: never migrated
    }
    const missing = journal.entries.filter((e) => !applied.has(e.when)).map((e) => e.tag);
    checks.push(
      missing.length === 0
        ? pass('postgres migrated', `${journal.entries.length} migrations applied`)
        : fail(
            'postgres migrated',
            `${missing.length} of ${journal.entries.length} migrations not applied (${missing.join(', ')})`,
            'run: plainfra migrate   (with the same DATABASE_URL)',
          ),
    );
    return checks;
  } catch (err) {
    return [fail('postgres reachable', `${where}: ${message(err)}`, postgresFix(err))];
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postgresFix(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === '28P01' || code === '28000') return 'the user or password in DATABASE_URL is refused: fix the credentials (or pg_hba.conf)';
  if (code === '3D000') return 'the database in DATABASE_URL does not exist: create it (createdb NAME) or fix the name';
  if (/certificate|self.signed|SSL|TLS/i.test(message(err)))
    return (
      'TLS failed: for sslmode=verify-full give the server CA with sslrootcert=/path/ca.pem in DATABASE_URL ' +
      '(for RDS: the RDS CA bundle)'
    );
  return 'is Postgres running and reachable at the host and port in DATABASE_URL? (pg_isready -d "$DATABASE_URL")';
}

/** Redis reachable, and `maxmemory-policy noeviction`: an evicting Redis silently drops queued jobs. */
export async function checkRedis(redisUrl: string | undefined): Promise<DoctorCheck[]> {
  const url = redisUrl || 'redis://127.0.0.1:6379';
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 5_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await withDeadline('redis', 6_000, () => redis.connect());
    await redis.ping();
    // INFO, not CONFIG GET: ElastiCache disables CONFIG but reports the policy in INFO memory.
    const info = await redis.info('memory');
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
    return [
      pass('redis reachable', `${redactUrl(url)} (Redis ${version ?? '?'})`),
      policy === 'noeviction'
        ? pass('redis noeviction', 'maxmemory-policy noeviction')
        : fail(
            'redis noeviction',
            `maxmemory-policy is ${policy}: under memory pressure Redis would evict queued jobs`,
            'set maxmemory-policy noeviction (redis.conf or `redis-cli CONFIG SET maxmemory-policy noeviction`; ' +
              'on ElastiCache in the parameter group)',
          ),
    ];
  } catch (err) {
    return [
      fail(
        'redis reachable',
        `${redactUrl(url)}: ${message(err)}`,
        'is Redis running at REDIS_URL? (redis-cli -u "$REDIS_URL" ping); rediss:// for TLS',
      ),
    ];
  } finally {
    redis.disconnect();
  }
}

/** A URL without its password, for output people paste into tickets. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
