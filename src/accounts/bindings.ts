import { and, asc, eq, inArray } from 'drizzle-orm';
import { awsAccounts, channelBindings, workspaces, type Db } from '../db/index.js';
import { recordAdminAction } from '../audit/admin.js';
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
    const rows = await tx
      .select({
        id: channelBindings.id,
        name: awsAccounts.name,
        cron: channelBindings.digestCron,
        tz: channelBindings.digestTz,
        what: channelBindings.digestWhat,
        period: channelBindings.digestPeriod,
      })
      .from(channelBindings)
      .innerJoin(awsAccounts, eq(channelBindings.accountId, awsAccounts.id))
      .where(and(eq(channelBindings.teamId, input.teamId), eq(channelBindings.channelId, input.channelId)))
      .orderBy(asc(awsAccounts.name));
    const label = input.channelId === '*' ? 'the workspace default (*)' : `channel ${input.channelId}`;
    if (rows.length === 0)
      throw new AccountsError(`${label} has no bindings in team ${input.teamId}; see plainfra channels list --team ${input.teamId}`);
    let gone = rows;
    if (input.accountName) {
      const wanted = input.accountName;
      const match = rows.filter((r) => r.name === wanted);
      if (match.length === 0) {
        const [known] = await tx
          .select({ id: awsAccounts.id })
          .from(awsAccounts)
          .where(and(eq(awsAccounts.teamId, input.teamId), eq(awsAccounts.name, wanted)));
        const [byDefault] = known
          ? await tx
              .select({ id: channelBindings.id })
              .from(channelBindings)
              .where(
                and(eq(channelBindings.teamId, input.teamId), eq(channelBindings.channelId, '*'), eq(channelBindings.accountId, known.id)),
              )
          : [];
        const viaDefault =
          byDefault && input.channelId !== '*'
            ? `; it reaches the channel through the workspace default: unbind it with --channel '*'`
            : '';
        throw new AccountsError(
          known
            ? `${label} is not bound to account "${wanted}" (bound: ${rows.map((r) => r.name).join(', ')})${viaDefault}`
            : `no account "${wanted}" for team ${input.teamId} (bound to ${label}: ${rows.map((r) => r.name).join(', ')})`,
        );
      }
      gone = match;
    }
    await tx.delete(channelBindings).where(
      inArray(
        channelBindings.id,
        gone.map((r) => r.id),
      ),
    );
    const kept = rows.filter((r) => !gone.includes(r));
    // The digest is the channel's, not one binding's: when the binding that carried the schedule
    // goes and others stay, they carry it on. With no binding left, the schedule goes too.
    const schedule = rows.find((r) => r.cron !== null);
    let digest: UnbindResult['digest'] = null;
    if (schedule && kept.length > 0) {
      digest = { cron: schedule.cron!, tz: schedule.tz ?? 'UTC' };
      await tx
        .update(channelBindings)
        .set({ digestCron: schedule.cron, digestTz: schedule.tz, digestWhat: schedule.what, digestPeriod: schedule.period })
        .where(
          inArray(
            channelBindings.id,
            kept.map((r) => r.id),
          ),
        );
    }
    const removed = gone.map((r) => r.name);
    await recordAdminAction(tx as unknown as Db, {
      action: 'channel_unbound',
      team: input.teamId,
      channel: input.channelId,
      accounts: removed,
      digestKept: digest,
    });
    return { removed, remaining: kept.map((r) => r.name), digest };
  });
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
      cron: channelBindings.digestCron,
      tz: channelBindings.digestTz,
      what: channelBindings.digestWhat,
      period: channelBindings.digestPeriod,
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
