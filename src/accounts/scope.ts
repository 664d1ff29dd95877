import { eq } from 'drizzle-orm';
import { workspaces, type Db } from '../db/index.js';
import { accountsForChannel, type BoundAccount, type ChannelScope } from './manage.js';

/**
 * Whether a conversation may query anything, with the message to show when not. Intake asks at
 * the question's arrival and the sentinel again at every step, so an unbind between the two (or
 * mid-turn) ends with the same reply instead of an LLM call.
 */

export const REFUSAL_REASONS = ['no_accounts', 'channel_not_bound', 'slack_connect_not_bound'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Scope {
  accounts: BoundAccount[];
  refusal?: { reason: RefusalReason; message: string };
}

/** Which accounts this channel may query; a refusal with an operator-ready fix when none. */
export async function resolveScope(db: Db, q: ChannelScope): Promise<Scope> {
  const accounts = await accountsForChannel(db, q);
  if (accounts.length > 0) return { accounts };
  const bind = `\`plainfra channels bind --team ${q.teamId} --channel ${q.channelId} --account NAME\``;
  const [workspace] = await db.select().from(workspaces).where(eq(workspaces.teamId, q.teamId)).limit(1);
  if (!workspace) {
    return {
      accounts,
      refusal: {
        reason: 'no_accounts',
        message:
          `No AWS account is registered for this Slack workspace yet, so I can't answer. An operator can add one with\n` +
          `\`plainfra accounts add --team ${q.teamId} --name NAME --role-arn ARN\`\nand then allow this channel with\n${bind}`,
      },
    };
  }
  if (q.externallyShared) {
    const defaults = await accountsForChannel(db, { ...q, externallyShared: false });
    if (defaults.length > 0) {
      return {
        accounts,
        refusal: {
          reason: 'slack_connect_not_bound',
          message:
            `This channel is shared with another organisation (Slack Connect), so the workspace's default accounts ` +
            `don't apply here. If people outside your organisation may see answers about an account, an operator can ` +
            `allow it explicitly with\n${bind}`,
        },
      };
    }
  }
  return {
    accounts,
    refusal: {
      reason: 'channel_not_bound',
      message: `This channel isn't allowed to query any AWS account yet. An operator can allow it with\n${bind}`,
    },
  };
}
