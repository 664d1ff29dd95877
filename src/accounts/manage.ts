import { recordAdminAction } from '../audit/index.js';
import { randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { awsAccounts, channelBindings, workspaces, type Db } from '../db/index.js';
import type { ReportPeriod, ReportWhat } from '../reports/index.js';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class AccountsError extends Error {
  override readonly name = 'AccountsError';
  /** Stable: the CLI prints errors with this code as they are (the message is for the operator). */
  readonly code = 'accounts';
}

/**
 * 24 random bytes, base64url: 32 characters, all allowed in an ExternalId. Unique per account so a
 * leaked id from one customer is useless against another (the confused-deputy guard).
 */
export function newExternalId(): string {
  return randomBytes(24).toString('base64url');
}

export interface AddAccountInput {
  teamId: string;
  name: string;
  roleArn: string;
  regions?: string[];
}

export async function addAccount(db: Db, input: AddAccountInput) {
  if (!NAME.test(input.name)) throw new AccountsError(`account name "${input.name}" must be 1-64 letters, digits, _ . or -`);
  if (!ROLE_ARN.test(input.roleArn))
    throw new AccountsError(`--role-arn "${input.roleArn}" is not an IAM role ARN (arn:aws:iam::123456789012:role/plainfra-readonly)`);
  const regions = input.regions?.length ? input.regions : ['us-east-1'];
  const bad = regions.filter((r) => !REGION.test(r));
  if (bad.length) throw new AccountsError(`unknown region name(s): ${bad.join(', ')} (expected e.g. us-east-1,eu-west-1)`);

  return db.transaction(async (tx) => {
    await tx.insert(workspaces).values({ teamId: input.teamId }).onConflictDoNothing();
    const existing = await tx
      .select()
      .from(awsAccounts)
      .where(and(eq(awsAccounts.teamId, input.teamId), eq(awsAccounts.name, input.name)));
    if (existing.length) throw new AccountsError(`account "${input.name}" already exists for team ${input.teamId}`);
    const [row] = await tx
      .insert(awsAccounts)
      .values({ teamId: input.teamId, name: input.name, roleArn: input.roleArn, regions, externalId: newExternalId() })
      .returning();
    await recordAdminAction(tx as unknown as Db, {
      action: 'account_added',
      team: input.teamId,
      account: input.name,
      accountId: row!.id,
      roleArn: input.roleArn,
      regions,
    });
    return row!;
  });
}

export interface BindInput {
  teamId: string;
  channelId: string;
  accountName: string;
  digestCron?: string;
  digestTz?: string;
  /** The schedule's report (`--what`, `--period`), parsed by the same grammar as `/plainfra-report`. */
  digestWhat?: ReportWhat;
  digestPeriod?: ReportPeriod;
}

export async function bindChannel(db: Db, input: BindInput) {
  checkBindInput(input);
  const schedule = scheduleOf(input);
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    const account = await accountNamed(txDb, input.teamId, input.accountName);
    const binding = await upsertBinding(txDb, input, account.id, schedule);
    if (input.digestCron) {
      // A digest is per channel: every binding of the channel carries the same schedule, so the bot
      // never has two schedules to choose between.
      await tx
        .update(channelBindings)
        .set(schedule)
        .where(and(eq(channelBindings.teamId, input.teamId), eq(channelBindings.channelId, input.channelId)));
    }
    await recordAdminAction(txDb, {
      action: 'channel_bound',
      team: input.teamId,
      channel: input.channelId,
      account: account.name,
      accountId: account.id,
      ...(input.digestCron && {
        digest: {
          cron: input.digestCron,
          tz: input.digestTz ?? 'UTC',
          what: schedule.digestWhat ?? 'all',
          period: schedule.digestPeriod ?? '7d',
        },
      }),
    });
    return { binding, account };
  });
}

/** The operator's mistakes a bind can catch before reading anything. */
function checkBindInput(input: BindInput): void {
  if (!/^([CGD][A-Z0-9]{2,}|\*)$/.test(input.channelId))
    throw new AccountsError(`--channel "${input.channelId}" is not a Slack channel id (like C0123ABCD), or * for the workspace default`);
  if (input.channelId === '*' && input.digestCron)
    throw new AccountsError('a digest is posted in a channel: use --digest with a real channel id, not the workspace default *');
  if (input.digestTz && !isValidTimeZone(input.digestTz))
    throw new AccountsError(`--tz "${input.digestTz}" is not an IANA time zone (e.g. Europe/Berlin)`);
  if (input.digestCron && input.digestCron.trim().split(/\s+/).length !== 5)
    throw new AccountsError(`--digest "${input.digestCron}" must be a 5-field cron expression, e.g. "0 9 * * 1"`);
  if (!input.digestCron && (input.digestWhat || input.digestPeriod))
    throw new AccountsError('--what and --period describe a digest schedule: give --digest CRON with them');
}

type DigestColumns = Pick<typeof channelBindings.$inferInsert, 'digestCron' | 'digestTz' | 'digestWhat' | 'digestPeriod'>;

/** The binding's digest columns: the report words only go with a schedule. */
function scheduleOf(input: BindInput) {
  return {
    digestCron: input.digestCron ?? null,
    digestTz: input.digestTz ?? null,
    digestWhat: input.digestCron ? (input.digestWhat ?? null) : null,
    digestPeriod: input.digestCron ? (input.digestPeriod ?? null) : null,
  } satisfies DigestColumns;
}

async function accountNamed(db: Db, teamId: string, name: string) {
  const [account] = await db
    .select()
    .from(awsAccounts)
    .where(and(eq(awsAccounts.teamId, teamId), eq(awsAccounts.name, name)));
  if (!account) throw new AccountsError(`no account "${name}" for team ${teamId}: add it with plainfra accounts add`);
  return account;
}

/** Binds the account to the channel, or replaces the schedule of the binding that exists. */
async function upsertBinding(db: Db, input: BindInput, accountId: number, schedule: DigestColumns) {
  const [row] = await db
    .insert(channelBindings)
    .values({ teamId: input.teamId, channelId: input.channelId, accountId, ...schedule })
    .onConflictDoUpdate({
      target: [channelBindings.teamId, channelBindings.channelId, channelBindings.accountId],
      set: schedule,
    })
    .returning();
  return row!;
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface ChannelScope {
  teamId: string;
  channelId: string;
  /** Slack Connect channel shared with another organisation: only explicit bindings count. */
  externallyShared: boolean;
}

/** An account as a channel's scope names it: no ExternalId, no rotation state. */
export type BoundAccount = Pick<typeof awsAccounts.$inferSelect, 'id' | 'teamId' | 'name' | 'roleArn' | 'regions' | 'createdAt'>;
export type AccountWithSecret = typeof awsAccounts.$inferSelect;

/**
 * The columns every process role may read (src/db/roles.ts): the sentinel and the bot have no grant
 * on `external_id`, so selecting it would fail for them, as it should.
 */
const scopeColumns = {
  id: awsAccounts.id,
  teamId: awsAccounts.teamId,
  name: awsAccounts.name,
  roleArn: awsAccounts.roleArn,
  regions: awsAccounts.regions,
  createdAt: awsAccounts.createdAt,
};

/**
 * The accounts a channel may query. The team comes from the signed Slack request, never from the
 * model; the model may only choose among these.
 */
export async function accountsForChannel(db: Db, scope: ChannelScope): Promise<BoundAccount[]> {
  const channels = scope.externallyShared ? [scope.channelId] : [scope.channelId, '*'];
  const rows = await db
    .select({ account: scopeColumns, channelId: channelBindings.channelId })
    .from(channelBindings)
    .innerJoin(awsAccounts, eq(channelBindings.accountId, awsAccounts.id))
    .where(and(eq(channelBindings.teamId, scope.teamId), inArray(channelBindings.channelId, channels)));
  // Explicit channel bindings first, then the workspace default; one entry per account.
  rows.sort((a, b) => Number(a.channelId === '*') - Number(b.channelId === '*'));
  const seen = new Set<number>();
  return rows.filter((r) => !seen.has(r.account.id) && seen.add(r.account.id)).map((r) => r.account);
}

/**
 * The ExternalIds of one account: hawk only, for the sts:AssumeRole of a call it is about to make.
 * `pending` is set during a rotation (hawk tries it first, then the current one).
 */
export async function externalIdsOf(db: Db, accountId: number): Promise<{ current: string; pending: string | null }> {
  const [row] = await db
    .select({ current: awsAccounts.externalId, pending: awsAccounts.pendingExternalId })
    .from(awsAccounts)
    .where(eq(awsAccounts.id, accountId));
  if (!row) throw new AccountsError(`account ${accountId} was removed while a call to it was pending`);
  return row;
}

/** The current ExternalId of one account (hawk only). */
export async function externalIdOf(db: Db, accountId: number): Promise<string> {
  const [row] = await db.select({ externalId: awsAccounts.externalId }).from(awsAccounts).where(eq(awsAccounts.id, accountId));
  if (!row) throw new AccountsError(`account ${accountId} was removed while a call to it was pending`);
  return row.externalId;
}
