import { recordAdminAction } from '../audit/index.js';
import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { awsAccounts, channelBindings, workspaces, type Db } from '../db/index.js';
import { AccountsError, newExternalId, type AccountWithSecret } from './manage.js';

/**
 * An account's life after `accounts add`: listing, ExternalId rotation, removal. Every change
 * commits together with its admin audit row (src/audit/admin.ts), in one transaction.
 *
 * Rotation keeps the account usable throughout: the new id waits in `pending_external_id`; hawk
 * tries it first and falls back to the current one (src/tools/aws/session.ts), because the role's
 * trust policy accepts exactly one of them, whichever the customer's stack has. `accounts verify`
 * passing with the new id (and the role refusing the old) makes it current and retires the old.
 */

/**
 * A short, one-way name for an ExternalId (`sha256:` + 12 hex digits): enough to tell ids apart
 * and to compare with the stack's parameter (`printf %s "$ID" | sha256sum | cut -c1-12`), useless
 * to anyone who would present the id to STS.
 */
export function externalIdFingerprint(externalId: string): string {
  return `sha256:${createHash('sha256').update(externalId, 'utf8').digest('hex').slice(0, 12)}`;
}

/** The account row by team and name, or an error that says what exists. */
export async function findAccount(db: Db, teamId: string, name: string): Promise<AccountWithSecret> {
  // FOR UPDATE: inside a change's transaction, a concurrent rotate/verify/remove waits for this one.
  const [account] = await db
    .select()
    .from(awsAccounts)
    .where(and(eq(awsAccounts.teamId, teamId), eq(awsAccounts.name, name)))
    .for('update');
  if (account) return account;
  const names = await accountNames(db, teamId);
  const known = names.length ? `accounts: ${names.join(', ')}` : 'it has no accounts';
  throw new AccountsError(`no account "${name}" for team ${teamId} (${known}); see plainfra accounts list --team ${teamId}`);
}

async function accountNames(db: Db, teamId: string): Promise<string[]> {
  const [ws] = await db.select().from(workspaces).where(eq(workspaces.teamId, teamId)).limit(1);
  if (!ws)
    throw new AccountsError(`no workspace ${teamId}: no AWS account was ever added for it (check --team, or run plainfra accounts add)`);
  const rows = await db
    .select({ name: awsAccounts.name })
    .from(awsAccounts)
    .where(eq(awsAccounts.teamId, teamId))
    .orderBy(asc(awsAccounts.name));
  return rows.map((r) => r.name);
}

export interface AccountListing {
  name: string;
  /** plainfra's id of the account (`aws_accounts.id`, what admin audit rows name). */
  id: number;
  /** The AWS account id, from the role ARN. */
  awsAccountId: string;
  roleArn: string;
  regions: string[];
  createdAt: string;
  /** When `accounts verify` last passed for the current ExternalId; null: not since it was set. */
  verifiedAt: string | null;
  externalId: { fingerprint: string };
  /** A rotation waiting for `accounts verify` with the new id. */
  pendingExternalId: { fingerprint: string; since: string } | null;
  /** Channels that may query the account (`*`: the workspace default). */
  channels: string[];
  /** Digest schedules of those channels (a digest covers every account bound to its channel). */
  digests: { channel: string; cron: string; tz: string }[];
}

export async function listAccounts(db: Db, teamId: string): Promise<AccountListing[]> {
  await accountNames(db, teamId); // the unknown-team error
  const accounts = await db.select().from(awsAccounts).where(eq(awsAccounts.teamId, teamId)).orderBy(asc(awsAccounts.name));
  const bindings = await db
    .select()
    .from(channelBindings)
    .where(eq(channelBindings.teamId, teamId))
    .orderBy(asc(channelBindings.channelId));
  const scheduleOf = new Map<string, { cron: string; tz: string }>();
  for (const b of bindings) if (b.digestCron) scheduleOf.set(b.channelId, { cron: b.digestCron, tz: b.digestTz ?? 'UTC' });
  return accounts.map((a) => {
    const channels = bindings.filter((b) => b.accountId === a.id).map((b) => b.channelId);
    return {
      name: a.name,
      id: a.id,
      awsAccountId: a.roleArn.split(':')[4] ?? '',
      roleArn: a.roleArn,
      regions: a.regions,
      createdAt: a.createdAt.toISOString(),
      verifiedAt: a.verifiedAt?.toISOString() ?? null,
      externalId: { fingerprint: externalIdFingerprint(a.externalId) },
      pendingExternalId:
        a.pendingExternalId && a.pendingSince
          ? { fingerprint: externalIdFingerprint(a.pendingExternalId), since: a.pendingSince.toISOString() }
          : null,
      channels,
      digests: channels.flatMap((c) => {
        const s = scheduleOf.get(c);
        return s ? [{ channel: c, ...s }] : [];
      }),
    };
  });
}

/** Starts a rotation: a new ExternalId waits beside the current one until verify passes with it. */
export async function rotateExternalId(
  db: Db,
  teamId: string,
  name: string,
): Promise<{ account: AccountWithSecret; newExternalId: string }> {
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    const account = await findAccount(txDb, teamId, name);
    if (account.pendingExternalId) {
      throw new AccountsError(
        `a rotation of account "${name}" is already pending since ${account.pendingSince?.toISOString()} ` +
          `(new ExternalId ${externalIdFingerprint(account.pendingExternalId)}): ` +
          `deploy the stack update printed then and run plainfra accounts verify --team ${teamId} --name ${name}, ` +
          `or drop it with plainfra accounts rotate-external-id --team ${teamId} --name ${name} --cancel and rotate again`,
      );
    }
    const newId = newExternalId();
    // The row lock (and the IS NULL guard) make a concurrent second rotation fail instead of overwriting.
    const updated = await tx
      .update(awsAccounts)
      .set({ pendingExternalId: newId, pendingSince: new Date() })
      .where(and(eq(awsAccounts.id, account.id), isNull(awsAccounts.pendingExternalId)))
      .returning();
    if (updated.length === 0)
      throw new AccountsError(`account "${name}" was rotated by someone else just now; see plainfra accounts list --team ${teamId}`);
    await recordAdminAction(txDb, {
      action: 'external_id_rotation_started',
      team: teamId,
      account: name,
      accountId: account.id,
      roleArn: account.roleArn,
      current: externalIdFingerprint(account.externalId),
      pending: externalIdFingerprint(newId),
    });
    return { account: updated[0]!, newExternalId: newId };
  });
}

/** Abandons a pending rotation (the new id was never deployed, or has leaked): hawk keeps the current id. */
export async function cancelRotation(db: Db, teamId: string, name: string): Promise<AccountWithSecret> {
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    const account = await findAccount(txDb, teamId, name);
    if (!account.pendingExternalId) throw new AccountsError(`account "${name}" has no ExternalId rotation pending; nothing to cancel`);
    const [updated] = await tx
      .update(awsAccounts)
      .set({ pendingExternalId: null, pendingSince: null })
      .where(eq(awsAccounts.id, account.id))
      .returning();
    await recordAdminAction(txDb, {
      action: 'external_id_rotation_cancelled',
      team: teamId,
      account: name,
      accountId: account.id,
      dropped: externalIdFingerprint(account.pendingExternalId),
    });
    return updated!;
  });
}

export type VerifyOutcome =
  /** The current id passed. */
  | { kind: 'verified' }
  /** The pending id passed: it is now the only one. */
  | { kind: 'rotated'; retired: string; current: string }
  /** A check failed; a pending rotation stays pending. */
  | { kind: 'failed'; pending: boolean };

/**
 * Records what `accounts verify` found for `checkedExternalId` (the pending id during a rotation,
 * else the current one). On success with the pending id, it becomes current — only if it is still
 * the pending one (a rotation cancelled or restarted meanwhile is not completed by a stale verify).
 */
export async function recordVerification(
  db: Db,
  account: AccountWithSecret,
  checkedExternalId: string,
  ok: boolean,
): Promise<VerifyOutcome> {
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    const row = { ...verifyRow(account, ok), checked: externalIdFingerprint(checkedExternalId) };
    if (!ok) {
      const pending = checkedExternalId === account.pendingExternalId;
      await recordAdminAction(txDb, { ...row, pending });
      return { kind: 'failed', pending };
    }
    if (checkedExternalId === account.pendingExternalId) return promotePending(txDb, account, checkedExternalId, row);
    const updated = await tx
      .update(awsAccounts)
      .set({ verifiedAt: new Date() })
      .where(and(eq(awsAccounts.id, account.id), eq(awsAccounts.externalId, checkedExternalId)))
      .returning({ id: awsAccounts.id });
    if (updated.length === 0)
      throw new AccountsError(`the ExternalId of account "${account.name}" changed while verify ran; run plainfra accounts verify again`);
    await recordAdminAction(txDb, row);
    return { kind: 'verified' };
  });
}

/** The admin row of one verify run, without the id checked. */
function verifyRow(account: AccountWithSecret, ok: boolean) {
  return {
    action: 'account_verify' as const,
    team: account.teamId,
    account: account.name,
    accountId: account.id,
    roleArn: account.roleArn,
    ok,
  };
}

type VerifyRow = ReturnType<typeof verifyRow> & { checked: string };

/**
 * The pending id passed: it becomes current and the old one is retired — only if it is still the
 * pending one (the update's guard), so a rotation cancelled or restarted meanwhile stays as it is.
 */
async function promotePending(db: Db, account: AccountWithSecret, pendingId: string, row: VerifyRow): Promise<VerifyOutcome> {
  const promoted = await db
    .update(awsAccounts)
    .set({ externalId: pendingId, pendingExternalId: null, pendingSince: null, verifiedAt: new Date() })
    .where(and(eq(awsAccounts.id, account.id), eq(awsAccounts.pendingExternalId, pendingId)))
    .returning({ id: awsAccounts.id });
  if (promoted.length === 0) {
    throw new AccountsError(
      `the rotation of account "${account.name}" changed while verify ran (cancelled or restarted); run plainfra accounts verify again`,
    );
  }
  const retired = externalIdFingerprint(account.externalId);
  await recordAdminAction(db, row);
  await recordAdminAction(db, {
    action: 'external_id_rotated',
    team: account.teamId,
    account: account.name,
    accountId: account.id,
    retired,
    current: row.checked,
  });
  return { kind: 'rotated', retired, current: row.checked };
}

/** Shows an ExternalId in full (to redeploy a stack): an admin action, so it is audited. */
export async function revealExternalId(db: Db, teamId: string, name: string, which: 'current' | 'pending'): Promise<string> {
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    const account = await findAccount(txDb, teamId, name);
    const id = which === 'pending' ? account.pendingExternalId : account.externalId;
    if (!id)
      throw new AccountsError(`account "${name}" has no ExternalId rotation pending; without --pending this shows the current ExternalId`);
    await recordAdminAction(txDb, {
      action: 'external_id_shown',
      team: teamId,
      account: name,
      accountId: account.id,
      which,
      shown: externalIdFingerprint(id),
    });
    return id;
  });
}

export interface RemoveResult {
  account: AccountWithSecret;
  /** Channels that lost their binding to the account. */
  channels: string[];
  /** Channels whose digest schedule went with their last binding (their BullMQ schedulers must go too). */
  schedulesRemoved: string[];
  /** Channels that keep their digest for the accounts still bound there. */
  schedulesKept: { channel: string; cron: string; tz: string; accounts: string[] }[];
}

/**
 * Removes an account and its bindings, in one transaction with its admin row. The audit trail
 * stays: audit rows name accounts in their payload (name, role ARN), with no foreign key to
 * `aws_accounts`, so no row changes and no hash chain breaks.
 */
export async function removeAccount(db: Db, teamId: string, name: string): Promise<RemoveResult> {
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    const account = await findAccount(txDb, teamId, name);
    const own = await tx
      .select()
      .from(channelBindings)
      .where(eq(channelBindings.accountId, account.id))
      .orderBy(asc(channelBindings.channelId));
    const channels = own.map((b) => b.channelId);
    const { schedulesRemoved, schedulesKept } = await settleSchedules(txDb, account, own);
    await tx.delete(channelBindings).where(eq(channelBindings.accountId, account.id));
    await tx.delete(awsAccounts).where(eq(awsAccounts.id, account.id));
    await recordAdminAction(txDb, {
      action: 'account_removed',
      team: teamId,
      account: name,
      accountId: account.id,
      roleArn: account.roleArn,
      channels,
      schedulesRemoved,
      rotationPending: account.pendingExternalId !== null,
    });
    return { account, channels, schedulesRemoved, schedulesKept };
  });
}

/**
 * What becomes of the digests of the channels losing `account`: a schedule goes with its channel's
 * last binding; where other accounts stay bound, they carry it on (as `channels unbind` does).
 */
async function settleSchedules(
  db: Db,
  account: AccountWithSecret,
  own: (typeof channelBindings.$inferSelect)[],
): Promise<Pick<RemoveResult, 'schedulesRemoved' | 'schedulesKept'>> {
  const others = await bindingsOfChannels(
    db,
    account.teamId,
    own.map((b) => b.channelId),
  );
  const schedulesRemoved: string[] = [];
  const schedulesKept: RemoveResult['schedulesKept'] = [];
  for (const b of own) {
    if (!b.digestCron) continue;
    const left = others.filter((o) => o.channelId === b.channelId && o.account !== account.name);
    if (left.length === 0) {
      schedulesRemoved.push(b.channelId);
      continue;
    }
    await db
      .update(channelBindings)
      .set({ digestCron: b.digestCron, digestTz: b.digestTz })
      .where(
        inArray(
          channelBindings.id,
          left.map((o) => o.id),
        ),
      );
    schedulesKept.push({ channel: b.channelId, cron: b.digestCron, tz: b.digestTz ?? 'UTC', accounts: left.map((o) => o.account).sort() });
  }
  return { schedulesRemoved, schedulesKept };
}

/** Every binding of these channels, with its account's name. */
async function bindingsOfChannels(db: Db, teamId: string, channels: string[]) {
  if (channels.length === 0) return [];
  return db
    .select({
      id: channelBindings.id,
      channelId: channelBindings.channelId,
      account: awsAccounts.name,
      cron: channelBindings.digestCron,
    })
    .from(channelBindings)
    .innerJoin(awsAccounts, eq(channelBindings.accountId, awsAccounts.id))
    .where(and(eq(channelBindings.teamId, teamId), inArray(channelBindings.channelId, channels)));
}
