import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';

/**
 * The audit trail's hash chain, recomputed outside the database. The `audit_events_chain` trigger
 * (migration 0004) sets each row's `prev_hash` to the previous row's `hash` in the same
 * conversation (64 zeros for the first) and `hash = sha256(prev_hash || canonical(row))`. This file
 * implements the same canonical form independently, so an edited, deleted or reordered row shows
 * up here even if whoever changed it also disabled or replaced the trigger.
 *
 * Canonical content, version 1: "plainfra-audit-v1", then for each of id, created_at (integer
 * microseconds since the Unix epoch), conversation_id, actor, kind, step_key, payload (Postgres's
 * jsonb text rendering, which is deterministic for a jsonb value), either
 * "<UTF-8 byte length>:<text>," or "~" when NULL.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainRow {
  id: string;
  createdAtMicros: string;
  conversationId: string;
  actor: string;
  kind: string;
  stepKey: string | null;
  payloadText: string;
  prevHash: string | null;
  hash: string | null;
}

export function canonicalContent(row: Omit<ChainRow, 'prevHash' | 'hash'>): string {
  const fields = [row.id, row.createdAtMicros, row.conversationId, row.actor, row.kind, row.stepKey, row.payloadText];
  return fields.reduce<string>((out, f) => out + (f === null ? '~' : `${Buffer.byteLength(f, 'utf8')}:${f},`), 'plainfra-audit-v1');
}

export function rowHash(prevHash: string, row: Omit<ChainRow, 'prevHash' | 'hash'>): string {
  return createHash('sha256')
    .update(prevHash + canonicalContent(row), 'utf8')
    .digest('hex');
}

export interface ChainBreak {
  conversationId: string;
  /** The first row whose link does not hold. */
  rowId: string;
  /** The row before it in the conversation, as stored now (undefined: it is the first). */
  previousRowId?: string;
  problem: 'edited' | 'missing_before' | 'unchained';
  message: string;
}

export interface VerifyResult {
  conversations: number;
  rows: number;
  breaks: ChainBreak[];
}

/**
 * Checks one conversation's rows, oldest first, and returns its first broken link (later rows
 * of a broken chain are not reported: once a link breaks, everything after it is unproven).
 */
export function verifyConversation(rows: ChainRow[]): ChainBreak | undefined {
  let expectedPrev = GENESIS_HASH;
  let previous: ChainRow | undefined;
  for (const row of rows) {
    const at = { conversationId: row.conversationId, rowId: row.id, previousRowId: previous?.id };
    if (row.hash === null || row.prevHash === null) {
      return {
        ...at,
        problem: 'unchained',
        message: `row ${row.id} has no hash: it was written with the chain trigger disabled or removed`,
      };
    }
    if (row.prevHash !== expectedPrev) {
      const before = previous ? `row ${previous.id}` : 'the start of the conversation';
      return {
        ...at,
        problem: 'missing_before',
        message: `row ${row.id} does not follow ${before}: a row between them was deleted, or rows were reordered`,
      };
    }
    if (rowHash(row.prevHash, row) !== row.hash) {
      return {
        ...at,
        problem: 'edited',
        message: `row ${row.id} was changed after it was written (its content no longer matches its hash)`,
      };
    }
    expectedPrev = row.hash;
    previous = row;
  }
  return undefined;
}

const PAGE = 2_000;

/**
 * Walks every conversation's chain (with `since`: every conversation with a row at or after it,
 * each from its first row, since a link can only be checked from the start of its chain).
 * Reads in pages by (conversation_id, id), so memory stays bounded by the largest conversation.
 */
export async function verifyAuditChains(db: Db, opts: { since?: Date } = {}): Promise<VerifyResult> {
  const result: VerifyResult = { conversations: 0, rows: 0, breaks: [] };
  let current: ChainRow[] = [];
  const flush = () => {
    if (current.length === 0) return;
    result.conversations += 1;
    const broken = verifyConversation(current);
    if (broken) result.breaks.push(broken);
    current = [];
  };
  let after: { conversationId: string; id: string } | undefined;
  for (;;) {
    const since = opts.since ?? null;
    const cursor = after ? sql`AND (a.conversation_id, a.id) > (${after.conversationId}::uuid, ${after.id}::bigint)` : sql``;
    const page = await db.execute(sql`
      SELECT a.id::text AS id, ((extract(epoch FROM a.created_at) * 1000000)::bigint)::text AS created_at_micros,
        a.conversation_id::text AS conversation_id, a.actor, a.kind, a.step_key, a.payload::text AS payload_text,
        a.prev_hash, a.hash
      FROM audit_events a
      WHERE (${since}::timestamptz IS NULL OR a.conversation_id IN (
        SELECT conversation_id FROM audit_events WHERE created_at >= ${since}::timestamptz))
      ${cursor}
      ORDER BY a.conversation_id, a.id
      LIMIT ${PAGE}`);
    const rows = page.rows as Record<string, string | null>[];
    for (const r of rows) {
      const row: ChainRow = {
        id: r.id!,
        createdAtMicros: r.created_at_micros!,
        conversationId: r.conversation_id!,
        actor: r.actor!,
        kind: r.kind!,
        stepKey: r.step_key ?? null,
        payloadText: r.payload_text!,
        prevHash: r.prev_hash ?? null,
        hash: r.hash ?? null,
      };
      if (current.length > 0 && current[0]!.conversationId !== row.conversationId) flush();
      current.push(row);
      result.rows += 1;
      after = { conversationId: row.conversationId, id: row.id };
    }
    if (rows.length < PAGE) break;
  }
  flush();
  return result;
}

export function formatVerifyResult(r: VerifyResult): string {
  const head = `audit verify: ${r.rows} rows in ${r.conversations} conversation chains`;
  if (r.breaks.length === 0) return `${head}: every chain is intact`;
  const lines = r.breaks.map((b) => `  BROKEN  conversation ${b.conversationId}  row ${b.rowId}: ${b.message}`);
  return `${head}: ${r.breaks.length} broken\n${lines.join('\n')}`;
}
