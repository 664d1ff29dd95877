import { and, asc, eq } from 'drizzle-orm';
import { auditEvents, conversations, type AuditActor, type AuditKind, type Db } from '../db/index.js';

export interface AuditInput {
  conversationId: string;
  actor: AuditActor;
  kind: AuditKind;
  payload: Record<string, unknown>;
  /** Idempotency key within the conversation: a retried step finds its row instead of writing twice. */
  stepKey?: string;
}

export interface AuditRow {
  id: number;
  createdAt: Date;
  conversationId: string;
  actor: string;
  kind: string;
  stepKey: string | null;
  payload: Record<string, unknown>;
}

/**
 * Appends one audit row and returns it. With a stepKey that already exists, returns the existing
 * row and `created: false`. Throws when Postgres does: callers write the audit row *before* the
 * AWS or LLM call it describes, so a failed write means the call never happens.
 */
export async function recordAudit(db: Db, input: AuditInput): Promise<{ row: AuditRow; created: boolean }> {
  const inserted = await db
    .insert(auditEvents)
    .values({
      conversationId: input.conversationId,
      actor: input.actor,
      kind: input.kind,
      payload: input.payload,
      stepKey: input.stepKey ?? null,
    })
    .onConflictDoNothing({ target: [auditEvents.conversationId, auditEvents.stepKey] })
    .returning();
  if (inserted[0]) return { row: inserted[0] as AuditRow, created: true };
  const existing = await findByStepKey(db, input.conversationId, input.stepKey!);
  if (!existing) throw new Error(`audit row ${input.stepKey} neither inserted nor found`);
  return { row: existing, created: false };
}

export async function findByStepKey(db: Db, conversationId: string, stepKey: string): Promise<AuditRow | undefined> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.conversationId, conversationId), eq(auditEvents.stepKey, stepKey)))
    .limit(1);
  return rows[0] as AuditRow | undefined;
}

/** One row by id, within its conversation (e.g. a turn's message_in, whose id is the turnId). */
export async function findAuditRow(db: Db, conversationId: string, id: number): Promise<AuditRow | undefined> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.conversationId, conversationId), eq(auditEvents.id, id)))
    .limit(1);
  return rows[0] as AuditRow | undefined;
}

/** The whole trail of one conversation, oldest first. */
export async function readTrail(db: Db, conversationId: string): Promise<AuditRow[]> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.conversationId, conversationId))
    .orderBy(asc(auditEvents.id));
  return rows as AuditRow[];
}

/** Conversations of a Slack thread (`CHANNEL:THREAD_TS`); more than one only if two workspaces share the id. */
export async function findThreadConversations(db: Db, channelId: string, threadTs: string) {
  return db
    .select()
    .from(conversations)
    .where(and(eq(conversations.channelId, channelId), eq(conversations.threadTs, threadTs)));
}
