import { recordAdminAction } from '../audit/index.js';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { awsAccounts, channelBindings, workspaces, type Db } from '../db/index.js';
import { AccountsError } from './manage.js';
import { table } from './table.js';

/**
 * Taking a channel's access away, and showing what each channel may query. Scope is re-read from
 * these rows on every sentinel step and every hawk call, so an unbind takes effect in old threads
 * at once: there is no cache to expire.
 */

export interface UnbindInput {
  teamId: string;
  channelId: string;
  /** One account by name; omit with `all` to remove every binding of the channel. */
  accountName?: string;
  all?: boolean;
}

export interface UnbindResult {
  removed: string[];
  /** Accounts the channel may still query through explicit bindings. */
  remaining: string[];
  /** The channel's digest schedule after the change (none when no binding is left to carry it). */
  digest: { cron: string; tz: string } | null;
}

export async function unbindChannel(db: Db, input: UnbindInput): Promise<UnbindResult> {
  if (Boolean(input.accountName) === Boolean(input.all))
    throw new AccountsError('name one account with --account NAME, or pass --all (not both)');
  await requireWorkspace(db, input.teamId);
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    const rows = await channelRows(txDb, input);
    const gone = input.accountName ? await bindingsOf(txDb, input, rows, input.accountName) : rows;
    await tx.delete(channelBindings).where(
      inArray(
        channelBindings.id,
        gone.map((r) => r.id),
      ),
    );
    const kept = rows.filter((r) => !gone.includes(r));
    const digest = await carryDigest(txDb, rows, kept);
    const removed = gone.map((r) => r.name);
    await recordAdminAction(txDb, {
      action: 'channel_unbound',
      team: input.teamId,
      channel: input.channelId,
      accounts: removed,
      digestKept: digest,
    });
    return { removed, remaining: kept.map((r) => r.name), digest };
  });
}

type ChannelTarget = Pick<UnbindInput, 'teamId' | 'channelId'>;

/** The channel as the operator's messages name it. */
function channelLabel(channelId: string): string {
  return channelId === '*' ? 'the workspace default (*)' : `channel ${channelId}`;
}

/** A binding's digest schedule as stored (`channels bind --digest CRON --tz TZ --what --period`). */
const digestColumns = {
  cron: channelBindings.digestCron,
  tz: channelBindings.digestTz,
  what: channelBindings.digestWhat,
  period: channelBindings.digestPeriod,
};

/** The channel's bindings with their digest columns, by account name; an error when it has none. */
async function channelRows(db: Db, input: ChannelTarget) {
  const rows = await db
    .select({
      id: channelBindings.id,
      name: awsAccounts.name,
      ...digestColumns,
    })
    .from(channelBindings)
    .innerJoin(awsAccounts, eq(channelBindings.accountId, awsAccounts.id))
    .where(and(eq(channelBindings.teamId, input.teamId), eq(channelBindings.channelId, input.channelId)))
    .orderBy(asc(awsAccounts.name));
  if (rows.length === 0) {
    throw new AccountsError(
      `${channelLabel(input.channelId)} has no bindings in team ${input.teamId}; see plainfra channels list --team ${input.teamId}`,
    );
  }
  return rows;
}

type BindingRow = Awaited<ReturnType<typeof channelRows>>[number];

/** The channel's binding to account `wanted`, or an error that says what the channel is bound to. */
async function bindingsOf(db: Db, input: ChannelTarget, rows: BindingRow[], wanted: string): Promise<BindingRow[]> {
  const match = rows.filter((r) => r.name === wanted);
  if (match.length > 0) return match;
  const label = channelLabel(input.channelId);
  const bound = rows.map((r) => r.name).join(', ');
  const [known] = await db
    .select({ id: awsAccounts.id })
    .from(awsAccounts)
    .where(and(eq(awsAccounts.teamId, input.teamId), eq(awsAccounts.name, wanted)));
  if (!known) throw new AccountsError(`no account "${wanted}" for team ${input.teamId} (bound to ${label}: ${bound})`);
  const viaDefault =
    input.channelId !== '*' && (await boundByDefault(db, input.teamId, known.id))
      ? `; it reaches the channel through the workspace default: unbind it with --channel '*'`
      : '';
  throw new AccountsError(`${label} is not bound to account "${wanted}" (bound: ${bound})${viaDefault}`);
}

/** Whether the workspace default (`*`) binds the account, so every channel reaches it. */
async function boundByDefault(db: Db, teamId: string, accountId: number): Promise<boolean> {
  const [byDefault] = await db
    .select({ id: channelBindings.id })
    .from(channelBindings)
    .where(and(eq(channelBindings.teamId, teamId), eq(channelBindings.channelId, '*'), eq(channelBindings.accountId, accountId)));
  return byDefault !== undefined;
}

/**
 * The digest is the channel's, not one binding's: when the binding that carried the schedule goes
 * and others stay, they carry it on. With no binding left, the schedule goes too.
 */
async function carryDigest(db: Db, rows: BindingRow[], kept: BindingRow[]): Promise<UnbindResult['digest']> {
  const schedule = rows.find((r) => r.cron !== null);
  if (!schedule || kept.length === 0) return null;
  await db
    .update(channelBindings)
    .set({ digestCron: schedule.cron, digestTz: schedule.tz, digestWhat: schedule.what, digestPeriod: schedule.period })
    .where(
      inArray(
        channelBindings.id,
        kept.map((r) => r.id),
      ),
    );
  return { cron: schedule.cron!, tz: schedule.tz ?? 'UTC' };
}

export interface ChannelListing {
  bindings: { channelId: string; account: string; roleArn: string; regions: string[] }[];
  /** `report`: the schedule's `--what --period` words (`all 7d` when it was bound without them). */
  digests: { channelId: string; cron: string; tz: string; report: string; accounts: string[] }[];
}

export async function listBindings(db: Db, teamId: string): Promise<ChannelListing> {
  await requireWorkspace(db, teamId);
  const rows = await db
    .select({
      channelId: channelBindings.channelId,
      account: awsAccounts.name,
      roleArn: awsAccounts.roleArn,
      regions: awsAccounts.regions,
      ...digestColumns,
    })
    .from(channelBindings)
    .innerJoin(awsAccounts, eq(channelBindings.accountId, awsAccounts.id))
    .where(eq(channelBindings.teamId, teamId))
    .orderBy(asc(channelBindings.channelId), asc(awsAccounts.name));
  const digests = new Map<string, ChannelListing['digests'][number]>();
  for (const r of rows) {
    if (r.cron === null) continue;
    const d = digests.get(r.channelId) ?? {
      channelId: r.channelId,
      cron: r.cron,
      tz: r.tz ?? 'UTC',
      report: `${r.what ?? 'all'} ${r.period ?? '7d'}`,
      accounts: [],
    };
    // Every binding of a channel that has a digest is covered by it (the digest reads them all).
    d.accounts = rows.filter((x) => x.channelId === r.channelId).map((x) => x.account);
    digests.set(r.channelId, d);
  }
  return {
    bindings: rows.map(({ channelId, account, roleArn, regions }) => ({ channelId, account, roleArn, regions })),
    digests: [...digests.values()],
  };
}

async function requireWorkspace(db: Db, teamId: string): Promise<void> {
  const [ws] = await db.select().from(workspaces).where(eq(workspaces.teamId, teamId)).limit(1);
  if (!ws)
    throw new AccountsError(`no workspace ${teamId}: no AWS account was ever added for it (check --team, or run plainfra accounts add)`);
}

/** The listing as a person reads it in a terminal: two aligned tables. */
export function formatListing(teamId: string, l: ChannelListing): string {
  if (l.bindings.length === 0)
    return `team ${teamId} has no channel bindings; add one with plainfra channels bind --team ${teamId} --channel C --account NAME`;
  const out = [
    `Bindings of team ${teamId} (channel * is the workspace default; it never applies to Slack Connect channels):`,
    table(
      ['CHANNEL', 'ACCOUNT', 'ROLE ARN', 'REGIONS'],
      l.bindings.map((b) => [b.channelId, b.account, b.roleArn, b.regions.join(',')]),
    ),
    '',
  ];
  if (l.digests.length === 0) out.push('Digest schedules: none');
  else
    out.push(
      'Digest schedules:',
      table(
        ['CHANNEL', 'CRON', 'TIME ZONE', 'REPORT', 'ACCOUNTS'],
        l.digests.map((d) => [d.channelId, d.cron, d.tz, d.report, d.accounts.join(', ')]),
      ),
    );
  return out.join('\n');
}
