import { and, asc, eq } from 'drizzle-orm';
import { auditEvents, conversations, type Db } from '../db/index.js';
import { createLogger } from '../log/index.js';
import {
  parseAuditInput,
  parseAuditRow,
  type AuditEvent,
  type AuditEventInput,
  type AuditKind,
  type AuditRow,
  type InvalidAuditRow,
} from './events.js';

/** Kept for callers that name the input type; the payload is typed by `kind`. */
export type AuditInput = AuditEventInput;

/** Where rows that do not match the catalogue are reported (they are left out of the parsed trail). */
export type InvalidRowReporter = (row: InvalidAuditRow) => void;

let defaultLog: ReturnType<typeof createLogger> | undefined;
const warnInvalidRow: InvalidRowReporter = (row) => {
  defaultLog ??= createLogger('audit');
  defaultLog.warn(
    { auditRow: row.id, conversationId: row.conversationId, kind: row.kind, problems: row.problems },
    'audit row does not match its schema; left out',
  );
};

/**
 * Appends one audit row and returns it. With a stepKey that already exists, returns the existing
 * row and `created: false`. Throws when Postgres does: callers write the audit row *before* the
 * AWS or LLM call it describes, so a failed write means the call never happens. A payload that does
 * not match its kind's schema throws before anything is written.
 */
export async function recordAudit<E extends AuditEventInput>(db: Db, input: E): Promise<{ row: AuditEvent<E['kind']>; created: boolean }> {
  const { kind, payload } = parseAuditInput(input);
  const inserted = await db
    .insert(auditEvents)
    .values({ conversationId: input.conversationId, actor: input.actor, kind, payload, stepKey: input.stepKey ?? null })
    .onConflictDoNothing({ target: [auditEvents.conversationId, auditEvents.stepKey] })
    .returning();
  const row = inserted[0] ?? (input.stepKey ? await findRow(db, input.conversationId, eq(auditEvents.stepKey, input.stepKey)) : undefined);
  if (!row) throw new Error(`audit row ${input.stepKey} neither inserted nor found`);
  const event = expectKind(row, kind);
  return { row: event, created: inserted[0] !== undefined };
}

/** The row a step wrote under `stepKey`, parsed; a row that does not parse is an error naming it. */
export async function findByStepKey(db: Db, conversationId: string, stepKey: string): Promise<AuditEvent | undefined> {
  const row = await findRow(db, conversationId, eq(auditEvents.stepKey, stepKey));
  return row && parsedOrThrow(row);
}

/** One row by id, within its conversation (e.g. a turn's message_in, whose id is the turnId). */
export async function findAuditRow(db: Db, conversationId: string, id: number): Promise<AuditEvent | undefined> {
  const row = await findRow(db, conversationId, eq(auditEvents.id, id));
  return row && parsedOrThrow(row);
}

/**
 * The whole trail of one conversation, oldest first, parsed. Rows that do not match the catalogue
 * are handed to `onInvalid` (by default logged as a warning) and left out.
 */
export async function readTrail(db: Db, conversationId: string, onInvalid: InvalidRowReporter = warnInvalidRow): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (const row of await readTrailRows(db, conversationId)) {
    const parsed = parseAuditRow(row);
    if (parsed.ok) events.push(parsed.event);
    else onInvalid(parsed.invalid);
  }
  return events;
}

/** The trail as stored, unparsed: for showing it to an operator, malformed rows included. */
export async function readTrailRows(db: Db, conversationId: string): Promise<AuditRow[]> {
  return db.select().from(auditEvents).where(eq(auditEvents.conversationId, conversationId)).orderBy(asc(auditEvents.id));
}

/** Conversations of a Slack thread (`CHANNEL:THREAD_TS`); more than one only if two workspaces share the id. */
export async function findThreadConversations(db: Db, channelId: string, threadTs: string) {
  return db
    .select()
    .from(conversations)
    .where(and(eq(conversations.channelId, channelId), eq(conversations.threadTs, threadTs)));
}

async function findRow(db: Db, conversationId: string, where: ReturnType<typeof eq>): Promise<AuditRow | undefined> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.conversationId, conversationId), where))
    .limit(1);
  return rows[0];
}

function parsedOrThrow(row: AuditRow): AuditEvent {
  const parsed = parseAuditRow(row);
  if (!parsed.ok) throw new Error(`audit row #${row.id} (${row.kind}) does not match its schema: ${parsed.invalid.problems}`);
  return parsed.event;
}

function expectKind<K extends AuditKind>(row: AuditRow, kind: K): AuditEvent<K> {
  const event = parsedOrThrow(row);
  if (!isOfKind(event, kind)) throw new Error(`step key ${row.stepKey} already holds a ${event.kind} row, not ${kind}`);
  return event;
}

function isOfKind<K extends AuditKind>(event: AuditEvent, kind: K): event is AuditEvent<K> {
  return event.kind === kind;
}
