import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneExpired, readTrail, readTrailRows, recordAudit } from '../src/audit/index.js';
import { resumeStrandedTurns } from '../src/workers/maintenance.js';
import pino from 'pino';
import { conversations, slackEvents } from '../src/db/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { recordConversation } from './helpers/questions.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { runPlainfra } from './helpers/processes.js';

describe('audit trail', () => {
  let t: TestDatabase;
  let conversationId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    conversationId = await recordConversation(t.db, { teamId: 'T1', channelId: 'C1', threadTs: '1.000001', startedBy: 'U1' });
  });
  afterAll(() => t.drop());

  it('writes a step once however often it is retried', async () => {
    const a = await recordAudit(t.db, {
      conversationId,
      actor: 'hawk',
      kind: 'tool_call',
      stepKey: 'call:1:x',
      payload: { turnId: '1', toolUseId: 'x', n: 1 },
    });
    const b = await recordAudit(t.db, {
      conversationId,
      actor: 'hawk',
      kind: 'tool_call',
      stepKey: 'call:1:x',
      payload: { turnId: '1', toolUseId: 'x', n: 2 },
    });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.row.id).toBe(a.row.id);
    expect(b.row.payload).toEqual({ turnId: '1', toolUseId: 'x', n: 1 });
  });

  it('accepts only the documented actors and kinds', async () => {
    await expect(
      t.db.execute(sql`INSERT INTO audit_events (conversation_id, actor, kind) VALUES (${conversationId}, 'bot', 'whatever')`),
    ).rejects.toThrow();
    await expect(
      t.db.execute(sql`INSERT INTO audit_events (conversation_id, actor, kind) VALUES (${conversationId}, 'root', 'error')`),
    ).rejects.toThrow();
  });

  it('is append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
    await recordAudit(t.db, { conversationId, actor: 'bot', kind: 'message_in', payload: { text: 'hi' } });
    await expect(t.db.execute(sql`UPDATE audit_events SET payload = '{}'::jsonb`)).rejects.toThrow();
    await expect(t.db.execute(sql`DELETE FROM audit_events`)).rejects.toThrow();
    await expect(t.db.execute(sql`TRUNCATE audit_events`)).rejects.toThrow();
    expect((await readTrail(t.db, conversationId)).length).toBeGreaterThanOrEqual(2);
  });

  it('retention removes conversation audit older than 90 days, and nothing newer', async () => {
    const [old] = await t.db
      .insert(conversations)
      .values({ teamId: 'T1', channelId: 'C1', threadTs: '2.000001', startedBy: 'U1', createdAt: new Date(Date.now() - 100 * 86_400_000) })
      .returning();
    await t.db.execute(
      sql`INSERT INTO audit_events (conversation_id, actor, kind, payload, created_at)
        VALUES (${old!.id}, 'bot', 'message_in', '{}'::jsonb, now() - interval '91 days')`,
    );
    await t.db.insert(slackEvents).values([
      { eventId: 'EvOLD', conversationId: old!.id, turnId: '1', receivedAt: new Date(Date.now() - 2 * 86_400_000) },
      { eventId: 'EvNEW', conversationId, turnId: '2' },
    ]);
    // A digest from 100 days ago is kept: reports are retained for 365 days.
    const [digest] = await t.db
      .insert(conversations)
      .values({
        teamId: 'T1',
        channelId: 'C1',
        threadTs: '3.000001',
        startedBy: 'plainfra',
        createdAt: new Date(Date.now() - 100 * 86_400_000),
      })
      .returning();
    await t.db.execute(
      sql`INSERT INTO audit_events (conversation_id, actor, kind, payload, created_at)
        VALUES (${digest!.id}, 'bot', 'message_in', '{"report": true}'::jsonb, now() - interval '100 days')`,
    );
    const before = (await readTrail(t.db, conversationId)).length;
    const result = await pruneExpired(t.db);
    expect(result).toEqual({ auditRows: 1, conversations: 1, slackEvents: 1 });
    expect(await readTrailRows(t.db, digest!.id)).toHaveLength(1);
    expect(await readTrailRows(t.db, old!.id)).toEqual([]);
    expect((await readTrail(t.db, conversationId)).length).toBe(before);
    // And outside the retention job, DELETE is still refused.
    await expect(t.db.execute(sql`DELETE FROM audit_events`)).rejects.toThrow();
  });

  it('finds questions whose queued step was lost and resumes each at its last step', async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const prefix = uniquePrefix();
    const enqueuer = new Enqueuer(redis, prefix);
    const sentinel = new Queue('sentinel', { connection: redis, prefix });
    const [c] = await t.db
      .insert(conversations)
      .values({ teamId: 'T1', channelId: 'C1', threadTs: '9.000001', startedBy: 'U1' })
      .returning();
    const at = (minutesAgo: number) => sql`now() - make_interval(mins => ${minutesAgo})`;
    const insert = async (kind: string, minutesAgo: number, payload: object, stepKey: string | null = null) =>
      (
        await t.db.execute(sql`INSERT INTO audit_events (conversation_id, actor, kind, payload, step_key, created_at)
        VALUES (${c!.id}, 'bot', ${kind}, ${JSON.stringify(payload)}::jsonb, ${stepKey}, ${at(minutesAgo)}) RETURNING id`)
      ).rows[0] as { id: string };
    try {
      const lost = await insert('message_in', 10, { text: 'lost before any step' });
      const midway = await insert('message_in', 9, { text: 'lost after two steps' });
      await insert('llm_response', 9, { turnId: String(midway.id), step: 0 });
      await insert('llm_response', 8, { turnId: String(midway.id), step: 1 });
      const answered = await insert('message_in', 9, { text: 'answered' });
      await insert('message_out', 8, { turnId: String(answered.id) }, `out:${answered.id}`);
      const refused = await insert('message_in', 9, { text: 'unbound channel' });
      await insert('refused', 9, {}, `refused:${refused.id}`);
      await insert('message_in', 1, { text: 'still being answered' });
      await insert('message_in', 60 * 25, { text: 'too old to answer now' });

      expect(await resumeStrandedTurns(t.db, enqueuer, pino({ level: 'silent' }))).toBe(2);
      expect((await sentinel.getJob(`s-${lost.id}-0`))?.data.step).toBe(0);
      expect((await sentinel.getJob(`s-${midway.id}-1`))?.data.step).toBe(1);
      expect(await sentinel.getJobCountByTypes('waiting')).toBe(2);
    } finally {
      await sentinel.close();
      await enqueuer.close();
      redis.disconnect();
      await dropPrefix(prefix);
    }
  });

  it('schedules retention once, however many times the bot starts', async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const prefix = uniquePrefix();
    const enqueuer = new Enqueuer(redis, prefix);
    const queue = new Queue('maintenance', { connection: redis, prefix });
    try {
      await enqueuer.upsertSchedules();
      await enqueuer.upsertSchedules();
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.pattern]).sort()).toEqual([
        ['retention', '17 3 * * *'],
        ['sweep', '*/5 * * * *'],
      ]);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await enqueuer.close();
      redis.disconnect();
      await dropPrefix(prefix);
    }
  });
});

describe('admin CLI', () => {
  let t: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    t = await createTestDatabase();
    env = { DATABASE_URL: t.url };
  });
  afterAll(() => t.drop());

  it('gives every account its own crypto-random ExternalId and prints the deploy command', () => {
    const ids = ['a', 'b'].map((name) => {
      const r = runPlainfra(
        ['accounts', 'add', '--team', 'T1', '--name', name, '--role-arn', 'arn:aws:iam::123456789012:role/plainfra-readonly'],
        env,
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('aws cloudformation deploy --template-file deploy/aws/plainfra-readonly-role.yaml');
      return /ExternalId:\s+(\S+)/.exec(r.stdout)![1]!;
    });
    expect(ids[0]).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(
      r2(() => runPlainfra(['accounts', 'add', '--team', 'T1', '--name', 'a', '--role-arn', 'arn:aws:iam::123456789012:role/x'], env)),
    ).toMatch(/already exists/);
  });

  it('explains bad input instead of failing obscurely', () => {
    expect(r2(() => runPlainfra(['accounts', 'add', '--team', 'T1', '--name', 'c', '--role-arn', 'arn:aws:iam::1:user/bob'], env))).toMatch(
      /is not an IAM role ARN/,
    );
    expect(
      r2(() =>
        runPlainfra(
          ['accounts', 'add', '--team', 'T1', '--name', 'c', '--role-arn', 'arn:aws:iam::123456789012:role/r', '--regions', 'mars-1'],
          env,
        ),
      ),
    ).toMatch(/unknown region/);
    expect(r2(() => runPlainfra(['channels', 'bind', '--team', 'T1', '--channel', 'C0X1', '--account', 'nope'], env))).toMatch(
      /no account "nope"/,
    );
    expect(
      r2(() => runPlainfra(['channels', 'bind', '--team', 'T1', '--channel', 'C0X1', '--account', 'a', '--tz', 'Mars/Base'], env)),
    ).toMatch(/IANA time zone/);
    const usage = runPlainfra(['audit', '--thread', 'nonsense'], env);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--thread must be CHANNEL:THREAD_TS/);
    const missing = runPlainfra(['migrate'], {});
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/DATABASE_URL is required/);
  });

  it("prints a thread's trail oldest first, as text or JSON", async () => {
    const [c] = await t.db
      .insert(conversations)
      .values({ teamId: 'T1', channelId: 'C0AUD1', threadTs: '1764000000.000100', startedBy: 'U1' })
      .returning();
    await recordAudit(t.db, { conversationId: c!.id, actor: 'bot', kind: 'message_in', payload: { text: 'first' } });
    await recordAudit(t.db, { conversationId: c!.id, actor: 'bot', kind: 'message_out', payload: { turnId: '1', text: 'second' } });
    const json = runPlainfra(['audit', '--thread', 'C0AUD1:1764000000.000100', '--json'], env);
    const events = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(events.map((e) => e.kind)).toEqual(['message_in', 'message_out']);
    expect(Object.keys(events[0]!)).toEqual(['id', 'created_at', 'conversation_id', 'actor', 'kind', 'step_key', 'payload']);
    const text = runPlainfra(['audit', '--thread', 'C0AUD1:1764000000.000100'], env);
    expect(text.stdout).toMatch(/message_in[\s\S]*first[\s\S]*message_out[\s\S]*second/);
  });
});

function r2(run: () => { status: number | null; stderr: string }): string {
  const r = run();
  expect(r.status).not.toBe(0);
  return r.stderr;
}
