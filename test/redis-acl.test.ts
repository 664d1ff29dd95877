import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorker, createRedis, Enqueuer, startWorker, waitReady } from '../src/queues/index.js';
import { CostExplorerBudget } from '../src/tools/aws/budget.js';
import { CostExplorerCache } from '../src/tools/aws/ce-cache.js';
import { SharedRateLimiter } from '../src/tools/aws/rate-limit.js';
import { freePort, waitFor } from './helpers/processes.js';

/**
 * Redis ACL users per process (issue 7 §2, optional part): `deploy/redis/users.acl` as shipped,
 * with each user turned on the way the README says, loaded into a Redis of its own. Each role runs
 * its real queue code (BullMQ producers and workers, hawk's Cost Explorer cache, budget script and
 * rate limiter) on its own user through a whole question's hops, and what a compromised process
 * could do against the others fails with NOPERM.
 */
const PREFIX = 'plainfra';
const PASSWORD = 'acl-test-password-1';
const ROLES = ['bot', 'hawk', 'sentinel', 'admin'] as const;
type AclRole = (typeof ROLES)[number];
const logger = pino({ level: 'silent' });

describe('Redis ACL users per process', { timeout: 120_000 }, () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  const clients: Redis[] = [];
  const workers: Worker[] = [];
  const url = (role: AclRole) => `redis://plainfra-${role}:${PASSWORD}@127.0.0.1:${port}`;
  async function connect(role: AclRole): Promise<Redis> {
    const r = createRedis(url(role), 'producer');
    clients.push(r);
    await waitReady(r);
    return r;
  }
  /** The error Redis answers `args` with for this role, or undefined when it is allowed. */
  async function refusal(role: AclRole, ...args: string[]): Promise<string | undefined> {
    const r = await connect(role);
    return r.call(args[0]!, ...args.slice(1)).then(
      () => undefined,
      (err: Error) => err.message,
    );
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'plainfra-acl-'));
    // The operator's step: turn each plainfra user on with its password (the default user stays off).
    const shipped = readFileSync('deploy/redis/users.acl', 'utf8');
    const enabled = shipped.replace(/^user (plainfra-\S+) off resetpass /gm, `user $1 on resetpass >${PASSWORD} `);
    expect(enabled).not.toBe(shipped);
    writeFileSync(path.join(dir, 'users.acl'), enabled);
    port = await freePort();
    server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--aclfile',
        path.join(dir, 'users.acl'),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () => {
        const probe = new Redis(url('admin'), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => undefined); // refused until redis-server listens
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG' || undefined;
        } catch {
          return undefined;
        } finally {
          probe.disconnect();
        }
      },
      20_000,
      'redis-server with the ACL file',
    );
  });
  afterAll(async () => {
    for (const w of workers) await closeWorker(w, 5_000).catch(() => undefined);
    for (const c of clients) c.disconnect();
    server?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the shipped file turns every user off, so it cannot be deployed with a known password', () => {
    const lines = readFileSync('deploy/redis/users.acl', 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      'user default off',
      'user plainfra-bot off',
      'user plainfra-hawk off',
      'user plainfra-sentinel off',
      'user plainfra-admin off',
    ]);
    expect(lines.join('\n')).not.toMatch(/ (>|#)\S/);
  });

  it("each process runs a question's hops on its own user: bot → sentinel → hawk → sentinel → bot", async () => {
    const conversationId = randomUUID();
    const [bot, hawk, sentinel] = [await connect('bot'), await connect('hawk'), await connect('sentinel')];
    const botQueue = new Enqueuer(bot, PREFIX);
    const hawkQueue = new Enqueuer(hawk, PREFIX);
    const sentinelQueue = new Enqueuer(sentinel, PREFIX);
    const cache = new CostExplorerCache(hawk, `${PREFIX}:ce-cache`, logger);
    const budget = new CostExplorerBudget(hawk, `${PREFIX}:ce-cache`);
    const rate = new SharedRateLimiter(hawk, `${PREFIX}:ce-cache:rate:securityhub:123456789012:us-east-1`, 3);
    const seen: string[] = [];
    let answered: string | undefined;
    const opts = (role: AclRole) => ({ redisUrl: url(role), prefix: PREFIX, concurrency: 1, lockDurationMs: 5_000, logger });

    workers.push(
      startWorker(
        'sentinel',
        async (job) => {
          seen.push(`sentinel:${job.step}`);
          if (job.step === 0)
            await sentinelQueue.add('hawk', {
              ...job,
              calls: [{ toolUseId: 'toolu_1', input: { service: 'ce', operation: 'GetCostAndUsage' } }],
            });
          else
            await sentinelQueue.add('replies', {
              conversationId: job.conversationId,
              turnId: job.turnId,
              text: 'EC2 cost $12.34',
              outcome: 'answer',
            });
        },
        opts('sentinel'),
      ),
      startWorker(
        'hawk',
        async (job) => {
          seen.push(`hawk:${job.step}`);
          expect(await budget.reserve({ teamId: 'T0ACL', question: `${job.conversationId}:${job.turnId}` })).toBeUndefined();
          await rate.take();
          const key = cache.key('arn:aws:iam::123456789012:role/plainfra-readonly', 'GetCostAndUsage', { Granularity: 'MONTHLY' });
          await cache.set(key, { result: { total: 12.34 }, pages: 1, truncated: false, redactions: 0 }, 60);
          expect((await cache.get(key))?.result).toEqual({ total: 12.34 });
          await hawkQueue.add('sentinel', { conversationId: job.conversationId, turnId: job.turnId, step: job.step + 1 });
        },
        opts('hawk'),
      ),
      startWorker(
        'replies',
        async (job) => {
          seen.push('replies');
          answered = job.text;
        },
        opts('bot'),
      ),
    );
    await botQueue.upsertSchedules();
    await botQueue.add('sentinel', { conversationId, turnId: '1', step: 0 });
    await waitFor(() => answered, 30_000, "the reply on the bot's user");
    expect(answered).toBe('EC2 cost $12.34');
    expect(seen).toEqual(['sentinel:0', 'hawk:0', 'sentinel:1', 'replies']);
    // The bot's maintenance schedulers, its sweep's view of its own queue, and doctor's INFO.
    const maintenance = new Queue('maintenance', { connection: bot, prefix: PREFIX });
    expect((await maintenance.getJobSchedulers()).map((s) => s.key).sort()).toEqual(['retention', 'sweep']);
    expect(await bot.info('memory')).toMatch(/maxmemory_policy:noeviction/);
    await maintenance.close();
    await Promise.all([botQueue.close(), hawkQueue.close(), sentinelQueue.close()]);
  });

  it('refuses what a compromised process could use against the others (NOPERM)', async () => {
    const noperm = expect.stringMatching(/^NOPERM/);
    // Server-wide commands: nobody.
    for (const role of ['bot', 'hawk', 'sentinel'] as const) {
      expect(await refusal(role, 'FLUSHALL')).toEqual(noperm);
      expect(await refusal(role, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru')).toEqual(noperm);
      expect(await refusal(role, 'KEYS', '*')).toEqual(noperm);
      expect(await refusal(role, 'SCRIPT', 'FLUSH')).toEqual(noperm);
      expect(await refusal(role, 'ACL', 'SETUSER', `plainfra-${role}`, '~*')).toEqual(noperm);
      expect(await refusal(role, 'SET', 'other-installation:key', 'x')).toEqual(noperm);
    }
    // The sentinel cannot poison hawk's Cost Explorer cache or budgets, nor schedule maintenance.
    expect(await refusal('sentinel', 'SET', `${PREFIX}:ce-cache:ce:0000`, '{"result":{"total":0}}')).toEqual(noperm);
    expect(await refusal('sentinel', 'DEL', `${PREFIX}:ce-cache:budget:ce:day:T0ACL:2026-12-01`)).toEqual(noperm);
    const sentinel = new Enqueuer(await connect('sentinel'), PREFIX);
    await expect(sentinel.add('maintenance', { task: 'retention' })).rejects.toThrow(/NOPERM/);
    await sentinel.close();
    // hawk cannot post a reply in the bot's name; the bot cannot hand hawk a job.
    const hawk = new Enqueuer(await connect('hawk'), PREFIX);
    await expect(
      hawk.add('replies', { conversationId: randomUUID(), turnId: '1', text: 'forged answer', outcome: 'answer' }),
    ).rejects.toThrow(/NOPERM/);
    await hawk.close();
    const bot = new Enqueuer(await connect('bot'), PREFIX);
    await expect(
      bot.add('hawk', { conversationId: randomUUID(), turnId: '1', step: 0, calls: [{ toolUseId: 't', input: {} }] }),
    ).rejects.toThrow(/NOPERM/);
    await bot.close();
    // The default user is off: no password-less access at all.
    const anonymous = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    anonymous.on('error', () => undefined); // the refusal is asserted on the command below
    await anonymous.connect().catch(() => undefined);
    await expect(anonymous.get(`${PREFIX}:sentinel:id`)).rejects.toThrow(/NOAUTH|WRONGPASS|closed/);
    anonymous.disconnect();
  });
});
