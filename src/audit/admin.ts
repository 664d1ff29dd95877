import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { Db } from '../db/index.js';
import type { AdminAction } from './events.js';
import { readTrailRows, recordAudit } from './record.js';

/**
 * The admin chain: what operators changed with the admin CLI (accounts add/verify/rotate/remove,
 * channels bind/unbind), one hash chain per workspace. Not a question's conversation, because an
 * admin change concerns every thread of the workspace and belongs to none; one chain per team keeps
 * `plainfra audit verify` proving it whole, and retention keeps it (migration 0005).
 *
 * The chain's conversation id is derived from the team id (SHA-256, shaped as a version-8 UUID), so
 * every CLI run finds the same chain without a lookup table and no Slack conversation can collide
 * with it (those ids are random version-4 UUIDs).
 */
export function adminConversationId(teamId: string): string {
  const h = createHash('sha256').update(`plainfra-admin-chain\u0000${teamId}`, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8: custom
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The operator as the machine running the CLI knows them; self-reported, recorded for the reader. */
export function currentOperator(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep $USER.
  }
  return `${user}@${hostname()}`;
}

/** The admin payload (src/audit/events.ts) without `operator`, which is filled in here. */
export interface AdminActionInput {
  action: AdminAction;
  team: string;
  account?: string;
  accountId?: number;
  roleArn?: string;
  channel?: string;
  ok?: boolean;
  /** Action-specific details (the digest schedule, what a removal took with it …). */
  [detail: string]: unknown;
}

/**
 * Appends one admin row to the team's chain. Pass the transaction that makes the change, so the
 * change and its row commit together: no audit row, no change.
 */
export async function recordAdminAction(db: Db, input: AdminActionInput): Promise<void> {
  await recordAudit(db, {
    conversationId: adminConversationId(input.team),
    actor: 'admin',
    kind: 'admin',
    payload: { ...input, operator: currentOperator() },
  });
}

/** The team's admin trail as stored, oldest first (for `plainfra audit --admin --team T`). */
export function readAdminTrail(db: Db, teamId: string) {
  return readTrailRows(db, adminConversationId(teamId));
}
