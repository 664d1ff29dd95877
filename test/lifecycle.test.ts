import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, bindChannel } from '../src/accounts/index.js';
import { readTrail } from '../src/audit/index.js';
import { loadConfig } from '../src/config/index.js';
import { awsAccounts } from '../src/db/index.js';
import { runHawk } from '../src/workers/hawk.js';
import { startProcess } from '../src/workers/lifecycle.js';
import { assumeRoleHandler, sampleCostAndUsage, startFakeAws, type FakeAws } from './fakes/aws.js';
import { createTestDatabase, createTestRoles, type TestDatabase, type TestRoles } from './helpers/db.js';
import { spawnPlainfra, waitFor, type RoleProcess } from './helpers/processes.js';
import { recordQuestion } from './helpers/questions.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { hawkProcessEnv } from './helpers/role-env.js';

/** A logger whose lines land in an array, to see what a process did on its way down. */
function memoryLogger() {
  const lines: { msg: string; step?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** One lifecycle for every process (issue 10 §3). */
describe('process lifecycle', { timeout: 120_000 }, () => {
  it('a start-up failure midway stops what had started, newest first, and rethrows', async () => {
    const { logger, lines } = memoryLogger();
    const stopped: string[] = [];
    const failing = startProcess(logger, 'test', async (lifecycle) => {
      lifecycle.defer('postgres', () => void stopped.push('postgres'));
      lifecycle.defer('redis', async () => {
        stopped.push('redis');
        throw new Error('already gone');
      });
      lifecycle.defer('worker', () => void stopped.push('worker'));
      throw new Error('metrics port in use');
    });
    await expect(failing).rejects.toThrow('metrics port in use');
    // A failing stop is logged and the rest still run.
    expect(stopped).toEqual(['worker', 'redis', 'postgres']);
    expect(lines.map((l) => l.msg)).toEqual(['test failed to start; stopping what had started', 'error while closing', 'test closed']);
    expect(lines[1]).toMatchObject({ step: 'redis' });
  });

  it('close() after a good start stops everything once, however often it is called', async () => {
    const { logger } = memoryLogger();
    const stopped: string[] = [];
    const running = await startProcess(logger, 'test', async (lifecycle) => {
      lifecycle.defer('a', () => void stopped.push('a'));
      lifecycle.defer('b', () => void stopped.push('b'));
      return { port: 1234 };
    });
    expect(running.port).toBe(1234);
    await Promise.all([running.close(), running.close()]);
    await running.close();
    expect(stopped).toEqual(['b', 'a']);
  });

  describe('real processes', () => {
    let t: TestDatabase;
    let roles: TestRoles;
    let aws: FakeAws;
    let queue: Queue;
    const prefix = uniquePrefix();
    const TEAM = 'T0LIFE001';
    const CHANNEL = 'C0LIFE001';
    const CE = {
      service: 'ce',
      operation: 'GetCostAndUsage',
      params: { TimePeriod: { Start: '2026-11-01', End: '2026-11-25' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] },
    };
    /** Cost Explorer answers only when released, so a hawk job can be held in flight. */
    const waiting: (() => void)[] = [];
    const release = () => waiting.splice(0).forEach((resolve) => resolve());
    let ceArrived = 0;
    let seq = 0;

    function hawkEnv(extra: Record<string, string> = {}) {
      return { ...hawkProcessEnv({ databaseUrl: roles.urls.hawk, prefix, awsUrl: aws.url }), ...extra };
    }

    /** Records a question as the bot would and puts one Cost Explorer call for it on the hawk queue. */
    async function hawkJob() {
      const { conversationId, turnId } = await recordQuestion(t.db, {
        teamId: TEAM,
        channelId: CHANNEL,
        threadTs: `1764000000.${String(++seq).padStart(6, '0')}`,
        user: 'U0ANN',
        text: 'costs?',
        payload: { team: TEAM, channel: CHANNEL, accounts: ['prod'] },
      });
      const jobId = `life-${seq}`;
      // A different period each time: hawk caches Cost Explorer answers, and each job must reach AWS.
      await queue.add(
        'hawk',
        {
          conversationId,
          turnId,
          step: 0,
          calls: [
            {
              toolUseId: `toolu_l${seq}`,
              input: { ...CE, params: { ...CE.params, TimePeriod: { Start: `2026-10-${10 + seq}`, End: '2026-11-25' } } },
            },
          ],
        },
        { jobId, attempts: 1 },
      );
      return { jobId, conversationId };
    }

    /** Once `hawk` is ready, gives it a job and waits until the job's Cost Explorer call is held in flight. */
    async function holdJobInFlight(hawk: RoleProcess) {
      await hawk.waitForOutput(/hawk ready/, 60_000);
      const before = ceArrived;
      const job = await hawkJob();
      await waitFor(() => ceArrived > before || undefined, 20_000, 'the Cost Explorer call to be in flight');
      return job;
    }

    async function exitOf(p: RoleProcess): Promise<{ code: number | null; ms: number }> {
      const started = Date.now();
      const code = await new Promise<number | null>((resolve) => {
        if (p.proc.exitCode !== null) resolve(p.proc.exitCode);
        else p.proc.once('exit', (c) => resolve(c));
      });
      return { code, ms: Date.now() - started };
    }

    beforeAll(async () => {
      t = await createTestDatabase();
      roles = await createTestRoles(t);
      await addAccount(t.db, { teamId: TEAM, name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/plainfra-readonly' });
      await bindChannel(t.db, { teamId: TEAM, channelId: CHANNEL, accountName: 'prod' });
      const [prod] = await t.db.select().from(awsAccounts).where(sql`name = 'prod'`);
      aws = await startFakeAws({
        handlers: {
          'sts:AssumeRole': assumeRoleHandler({ externalId: prod!.externalId, roleArn: prod!.roleArn }),
          'ce:GetCostAndUsage': async () => {
            ceArrived++;
            await new Promise<void>((resolve) => waiting.push(resolve));
            return { result: sampleCostAndUsage() };
          },
        },
      });
      queue = new Queue('hawk', { connection: { url: REDIS_URL }, prefix });
    }, 90_000);
    afterAll(async () => {
      release();
      await queue?.obliterate({ force: true }).catch(() => undefined);
      await queue?.close();
      await aws?.close();
      await t?.drop();
      await roles?.drop();
      await dropPrefix(prefix);
    });

    it('a real hawk whose metrics port is taken fails to start, stops its connections and says so', async () => {
      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as { port: number }).port;
      const { logger, lines } = memoryLogger();
      try {
        const config = loadConfig('hawk', { ...hawkEnv(), PLAINFRA_METRICS_PORT: String(port) });
        await expect(runHawk(config, logger)).rejects.toThrow();
      } finally {
        taken.close();
      }
      const msgs = lines.map((l) => l.msg);
      expect(msgs).toContain('hawk failed to start; stopping what had started');
      expect(msgs.at(-1)).toBe('hawk closed');
      expect(msgs).not.toContain('error while closing');
      expect(msgs).not.toContain('hawk ready');
    });

    it('SIGTERM lets the in-flight job finish, then exits 0 within the deadline', async () => {
      const hawk = spawnPlainfra(['hawk'], hawkEnv({ PLAINFRA_SHUTDOWN_TIMEOUT_MS: '15000' }));
      try {
        const job = await holdJobInFlight(hawk);
        hawk.proc.kill('SIGTERM');
        await hawk.waitForOutput(/shutting down gracefully/, 10_000);
        // The job is still running when the signal arrives; it finishes during the shutdown.
        setTimeout(() => release(), 1_000);
        const { code, ms } = await exitOf(hawk);
        expect(code).toBe(0);
        expect(ms).toBeLessThan(15_000);
        expect(await (await queue.getJob(job.jobId))?.getState()).toBe('completed');
        expect((await readTrail(t.db, job.conversationId)).map((r) => r.kind)).toEqual(['message_in', 'tool_call', 'tool_result']);
        expect(hawk.output()).toMatch(/hawk closed/);
      } finally {
        release();
        await hawk.stop('SIGKILL');
      }
    });

    it('a second SIGTERM exits at once with a non-zero code', async () => {
      const hawk = spawnPlainfra(['hawk'], hawkEnv({ PLAINFRA_SHUTDOWN_TIMEOUT_MS: '60000' }));
      try {
        await holdJobInFlight(hawk);
        hawk.proc.kill('SIGTERM');
        await hawk.waitForOutput(/shutting down gracefully/, 10_000);
        hawk.proc.kill('SIGTERM');
        const { code, ms } = await exitOf(hawk);
        expect(code).not.toBe(0);
        expect(code).not.toBeNull();
        expect(ms).toBeLessThan(3_000);
        expect(hawk.output()).toMatch(/second signal: exiting now/);
        expect(hawk.output()).not.toMatch(/hawk closed/);
      } finally {
        release();
        await hawk.stop('SIGKILL');
      }
    });

    it('past the shutdown deadline the process gives up waiting and exits 1', async () => {
      const hawk = spawnPlainfra(['hawk'], hawkEnv({ PLAINFRA_SHUTDOWN_TIMEOUT_MS: '2000' }));
      try {
        await holdJobInFlight(hawk);
        hawk.proc.kill('SIGTERM');
        const { code, ms } = await exitOf(hawk);
        expect(code).toBe(1);
        expect(ms).toBeGreaterThanOrEqual(1_500);
        expect(ms).toBeLessThan(8_000);
        expect(hawk.output()).toMatch(/did not finish in time \(PLAINFRA_SHUTDOWN_TIMEOUT_MS\)/);
      } finally {
        release();
        await hawk.stop('SIGKILL');
      }
    });
  });
});
