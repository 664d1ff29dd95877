import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, connectDb } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { freePort, spawnPlainfra, waitFor, type RoleProcess } from './helpers/processes.js';
import { dropPrefix, uniquePrefix } from './helpers/redis.js';
import { createTestPki, startPostgresTlsProxy, type TestPki } from './helpers/tls.js';

/**
 * Production reaches RDS with sslmode=verify-full and ElastiCache over rediss:// with an AUTH token
 * (deploy/aws/plainfra-ecs.yaml). Here: a Redis of our own with TLS and requirepass, and a TLS front
 * for the machine's Postgres, both with certificates from a throwaway CA.
 */
describe('TLS to Postgres and Redis', () => {
  let pki: TestPki;
  let redis: ChildProcess;
  let redisPort: number;
  let proxy: Awaited<ReturnType<typeof startPostgresTlsProxy>>;
  let wrongNameProxy: Awaited<ReturnType<typeof startPostgresTlsProxy>>;
  let database: TestDatabase;
  let hawk: RoleProcess | undefined;
  const prefix = uniquePrefix();
  const REDIS_PASSWORD = 'tls-test-auth-token-0123456789';

  /** The test database's URL through a TLS proxy, with the given sslmode options. */
  const tlsUrl = (port: number, host: string, query: string) => {
    const url = new URL(database.url);
    url.hostname = host;
    url.port = String(port);
    url.search = query;
    return url.toString();
  };

  beforeAll(async () => {
    pki = createTestPki();
    const server = pki.serverCert(['localhost', '127.0.0.1']);
    redisPort = await freePort();
    redis = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        server.certFile,
        '--tls-key-file',
        server.keyFile,
        '--tls-ca-cert-file',
        pki.caFile,
        '--tls-auth-clients',
        'no',
        '--requirepass',
        REDIS_PASSWORD,
        '--maxmemory-policy',
        'noeviction',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    database = await createTestDatabase();
    proxy = await startPostgresTlsProxy({ cert: server.cert, key: server.key, upstreamPort: 5432 });
    const other = pki.serverCert(['db.internal.example']);
    wrongNameProxy = await startPostgresTlsProxy({ cert: other.cert, key: other.key, upstreamPort: 5432 });
  });

  afterAll(async () => {
    await hawk?.stop();
    redis?.kill();
    await proxy?.close();
    await wrongNameProxy?.close();
    await database?.drop();
    await dropPrefix(prefix).catch(() => undefined);
  });

  it('hawk runs against rediss:// with REDIS_PASSWORD and Postgres with sslmode=verify-full', async () => {
    const metricsPort = await freePort();
    hawk = spawnPlainfra(['hawk'], {
      DATABASE_URL: tlsUrl(proxy.port, 'localhost', `?sslmode=verify-full&sslrootcert=${pki.caFile}`),
      REDIS_URL: `rediss://localhost:${redisPort}`,
      REDIS_PASSWORD,
      // Node trusts the test CA for rediss:// the way it trusts Amazon's CA for ElastiCache.
      NODE_EXTRA_CA_CERTS: pki.caFile,
      PLAINFRA_QUEUE_PREFIX: prefix,
      PLAINFRA_METRICS_PORT: String(metricsPort),
      AWS_ACCESS_KEY_ID: 'AKIDTLSTEST',
      AWS_SECRET_ACCESS_KEY: 'tls-test',
      AWS_REGION: 'us-east-1',
    });
    const health = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/healthz`).catch(() => undefined);
        return res?.ok ? ((await res.json()) as unknown) : undefined;
      },
      60_000,
      `hawk healthy over TLS:\n${hawk.output()}`,
    );
    expect(health).toEqual({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });
    expect(proxy.stats.tlsSessions).toBeGreaterThan(0);
    expect(proxy.stats.plaintextRefused).toBe(0);
  });

  it('verify-full refuses a Postgres whose certificate another CA signed', async () => {
    const strangers = createTestPki();
    const db = connectDb(tlsUrl(proxy.port, 'localhost', `?sslmode=verify-full&sslrootcert=${strangers.caFile}`), 1);
    try {
      await expect(db.$client.query('select 1')).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    } finally {
      await closeDb(db);
    }
  });

  it('verify-full refuses a Postgres whose certificate names another host', async () => {
    const db = connectDb(tlsUrl(wrongNameProxy.port, 'localhost', `?sslmode=verify-full&sslrootcert=${pki.caFile}`), 1);
    try {
      await expect(db.$client.query('select 1')).rejects.toThrow(/does not match|altnames|Hostname/i);
    } finally {
      await closeDb(db);
    }
  });

  it('a plaintext Postgres connection to the TLS front is cut off, never served', async () => {
    const before = proxy.stats.plaintextRefused;
    const db = connectDb(tlsUrl(proxy.port, 'localhost', '?sslmode=disable'), 1);
    try {
      await expect(db.$client.query('select 1')).rejects.toThrow();
    } finally {
      await closeDb(db);
    }
    expect(proxy.stats.plaintextRefused).toBe(before + 1);
  });
});
