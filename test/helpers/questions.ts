import { recordAudit } from '../../src/audit/index.js';
import { conversations, type Db } from '../../src/db/index.js';

/** Where a question was asked and by whom, with what the bot's intake writes in its `message_in` payload. */
export interface QuestionAt {
  teamId: string;
  channelId: string;
  threadTs: string;
  user: string;
  text: string;
  /** Payload fields after `text` and `user` (team, channel, accounts, …). */
  payload?: Record<string, unknown>;
  externallyShared?: boolean;
}

/** The ids a hawk or sentinel job names: the conversation, and the `message_in` row that is its turn. */
export interface RecordedQuestion {
  conversationId: string;
  turnId: string;
}

/** A conversation row (a Slack thread plainfra answers in), as the bot's intake opens it; returns its id. */
export async function recordConversation(db: Db, values: typeof conversations.$inferInsert): Promise<string> {
  const [conv] = await db.insert(conversations).values(values).returning();
  return conv!.id;
}

/**
 * A conversation with one question, recorded as the bot's intake records it (the conversation row,
 * then the `message_in` audit row), so workers under test find what they would in production.
 */
export async function recordQuestion(db: Db, q: QuestionAt): Promise<RecordedQuestion> {
  const conversationId = await recordConversation(db, {
    teamId: q.teamId,
    channelId: q.channelId,
    threadTs: q.threadTs,
    startedBy: q.user,
    externallyShared: q.externallyShared,
  });
  const { row } = await recordAudit(db, {
    conversationId,
    actor: 'bot',
    kind: 'message_in',
    payload: { text: q.text, user: q.user, ...q.payload },
  });
  return { conversationId, turnId: String(row.id) };
}
