import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneExpired, readTrailRows, recordAudit, verifyAuditChains } from '../src/audit/index.js';
import { canonicalContent, GENESIS_HASH } from '../src/audit/chain.js';
import { closeDb, connectDb, conversations } from '../src/db/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { runPlainfra } from './helpers/processes.js';

/**
 * The audit trail proves itself (issue 7 §4): every row is chained to the previous one of its
 * conversation inside the insert, and `plainfra audit verify` recomputes the chain in TypeScript
 * and names the first broken link.
 */
describe('audit hash chain', () => {
  let t: TestDatabase;
  let seq = 0;

  async function conversation(createdAt?: Date) {
    const [c] = await t.db
      .insert(conversations)
      .values({
        teamId: 'T0CHAIN',
        channelId: 'C0CHAIN',
        threadTs: `1764000000.${String(++seq).padStart(6, '0')}`,
        startedBy: 'U1',
        ...(createdAt ? { createdAt } : {}),
      })
      .returning();
    return c!.id;
  }
  async function turn(conversationId: string, n: number) {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const payload = { text: `wie viel kostet 🐘 "prod"? ${i}`, n: i, nested: { b: [1, 2.5, null], a: true }, 'key with spaces': 'x' };
      const { row } =
        i === 0
          ? await recordAudit(t.db, { conversationId, actor: 'bot', kind: 'message_in', payload })
          : await recordAudit(t.db, {
              conversationId,
              actor: 'sentinel',
              kind: 'error',
              stepKey: i % 2 ? `err:1:${i}` : undefined,
              payload: { ...payload, message: payload.text },
            });
      ids.push(row.id);
    }
    return ids;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('chains each conversation from a zero hash, and TypeScript recomputes the hash the trigger wrote', async () => {
    const a = await conversation();
    const ids = await turn(a, 4);
    const rows = await t.db.execute(sql`
      SELECT id::text AS id, ((extract(epoch FROM created_at) * 1000000)::bigint)::text AS micros,
        conversation_id::text AS conv, actor, kind, step_key,
        payload::text AS payload, prev_hash, hash FROM audit_events WHERE conversation_id = ${a} ORDER BY id`);
    const r = rows.rows as Record<string, string | null>[];
    expect(r.map((x) => Number(x.id))).toEqual(ids);
    expect(r[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < r.length; i++) expect(r[i]!.prev_hash).toBe(r[i - 1]!.hash);
    const { createHash } = await import('node:crypto');
    for (const x of r) {
      const canonical = canonicalContent({
        id: x.id!,
        createdAtMicros: x.micros!,
        conversationId: x.conv!,
        actor: x.actor!,
        kind: x.kind!,
        stepKey: x.step_key ?? null,
        payloadText: x.payload!,
      });
      expect(
        createHash('sha256')
          .update(x.prev_hash! + canonical)
          .digest('hex'),
      ).toBe(x.hash);
    }
    expect(await verifyAuditChains(t.db)).toMatchObject({ rows: 4, conversations: 1, breaks: [] });
  });

  it('keeps one linear chain per conversation under concurrent writers, in id order', async () => {
    const c = await conversation();
    const writers = Array.from({ length: 6 }, () => connectDb(t.url, 2));
    try {
      await Promise.all(
        writers.flatMap((db, w) =>
          Array.from({ length: 5 }, (_, i) => recordAudit(db, { conversationId: c, actor: 'hawk', kind: 'error', payload: { w, i } })),
        ),
      );
    } finally {
      await Promise.all(writers.map((db) => closeDb(db)));
    }
    const trail = await readTrailRows(t.db, c);
    expect(trail).toHaveLength(30);
    const hashes = new Set(trail.map((r) => (r as unknown as { prevHash: string }).prevHash));
    expect(hashes.size).toBe(30); // no two rows claim the same predecessor: the chain did not fork
    expect((await verifyAuditChains(t.db)).breaks).toEqual([]);
  });

  it('retention deletes whole conversations, so every remaining chain still verifies', async () => {
    const old = await conversation(new Date(Date.now() - 120 * 86_400_000));
    await t.db.execute(
      sql`INSERT INTO audit_events (conversation_id, actor, kind, created_at)
        VALUES (${old}, 'bot', 'message_in', now() - interval '120 days'),
          (${old}, 'sentinel', 'llm_response', now() - interval '119 days')`,
    );
    expect((await pruneExpired(t.db)).auditRows).toBe(2);
    expect((await verifyAuditChains(t.db)).breaks).toEqual([]);
  });

  it('names the row an owner edited with the append-only trigger disabled', async () => {
    const c = await conversation();
    const ids = await turn(c, 4);
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await tx.execute(sql`UPDATE audit_events SET payload = '{"text":"nothing to see here"}'::jsonb WHERE id = ${ids[2]!}`);
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
    const { breaks } = await verifyAuditChains(t.db);
    expect(breaks).toEqual([
      expect.objectContaining({
        conversationId: c,
        rowId: String(ids[2]),
        problem: 'edited',
        message: expect.stringContaining(`row ${ids[2]} was changed`),
      }),
    ]);
  });

  it('names the row after one deleted from the middle of a chain', async () => {
    const c = await conversation();
    const ids = await turn(c, 5);
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL plainfra.retention = 'on'`);
      await tx.execute(sql`DELETE FROM audit_events WHERE id = ${ids[2]!}`);
    });
    const broken = (await verifyAuditChains(t.db)).breaks.find((b) => b.conversationId === c);
    expect(broken).toMatchObject({ rowId: String(ids[3]), previousRowId: String(ids[1]), problem: 'missing_before' });
    expect(broken!.message).toBe(`row ${ids[3]} does not follow row ${ids[1]}: a row between them was deleted, or rows were reordered`);
  });

  it('names rows swapped in place (reordered)', async () => {
    const c = await conversation();
    const ids = await turn(c, 3);
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      // Swap the content of rows 1 and 2, hashes and all: each row is intact, the order is not.
      await tx.execute(sql`UPDATE audit_events a
        SET kind = b.kind, actor = b.actor, step_key = NULL, payload = b.payload, prev_hash = b.prev_hash, hash = b.hash
        FROM audit_events b WHERE (a.id, b.id) IN ((${ids[1]!}, ${ids[2]!}), (${ids[2]!}, ${ids[1]!}))`);
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
    const broken = (await verifyAuditChains(t.db)).breaks.find((b) => b.conversationId === c);
    expect(broken).toMatchObject({ rowId: String(ids[1]), problem: 'missing_before' });
  });

  it('plainfra audit verify prints each broken link with conversation and row, exits 1; --since narrows to recent chains', async () => {
    const { breaks } = await verifyAuditChains(t.db);
    expect(breaks).toHaveLength(3);
    const r = runPlainfra(['audit', 'verify'], { DATABASE_URL: t.url });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/: 3 broken/);
    for (const b of breaks) expect(r.stdout).toContain(`BROKEN  conversation ${b.conversationId}  row ${b.rowId}: ${b.message}`);

    const future = runPlainfra(['audit', 'verify', '--since', new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)], {
      DATABASE_URL: t.url,
    });
    expect(future.status).toBe(0);
    expect(future.stdout).toMatch(/0 rows in 0 conversation chains: every chain is intact/);
    const bad = runPlainfra(['audit', 'verify', '--since', 'last tuesday'], { DATABASE_URL: t.url });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--since "last tuesday" is not a date/);
  });

  it('plainfra audit verify exits 0 on an intact trail', async () => {
    const fresh = await createTestDatabase();
    try {
      const [c] = await fresh.db
        .insert(conversations)
        .values({ teamId: 'T1', channelId: 'C1', threadTs: '1.1', startedBy: 'U1' })
        .returning();
      await recordAudit(fresh.db, { conversationId: c!.id, actor: 'bot', kind: 'message_in', payload: { text: 'hi' } });
      const r = runPlainfra(['audit', 'verify', '--json'], { DATABASE_URL: fresh.url });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ conversations: 1, rows: 1, breaks: [] });
    } finally {
      await fresh.drop();
    }
  });
});
