import type { AdminConfig } from '../config/index.js';
import type { Db } from '../db/index.js';

/**
 * `plainfra channels unbind` and `plainfra channels list`. Loaded lazily by the CLI, like every
 * command module, so the admin commands never pull in a role's SDKs.
 */

export async function channelsUnbind(
  db: Db,
  config: AdminConfig,
  args: { teamId: string; channelId: string; accountName?: string; all: boolean },
): Promise<number> {
  const { unbindChannel, accountsForChannel } = await import('../accounts/index.js');
  const result = await unbindChannel(db, args);
  const where = args.channelId === '*' ? 'the workspace default (*)' : `channel ${args.channelId}`;
  const names = result.removed.map((n) => `"${n}"`).join(', ');
  console.log(`${where} may no longer query ${names}; open threads lose ${result.removed.length === 1 ? 'it' : 'them'} at their next step`);
  if (args.channelId !== '*') {
    const stillReachable = (await accountsForChannel(db, { teamId: args.teamId, channelId: args.channelId, externallyShared: false })).map(
      (a) => a.name,
    );
    const throughDefault = result.remaining.length < stillReachable.length ? ' (some through the workspace default *)' : '';
    if (stillReachable.length > 0) console.log(`it may still query: ${stillReachable.join(', ')}${throughDefault}`);
    else console.log('it may not query any AWS account now: questions there get the "not allowed to query" reply');
  }
  if (result.digest) {
    console.log(`its digest (${result.digest.cron} ${result.digest.tz}) stays and now covers: ${result.remaining.join(', ')}`);
    return 0;
  }
  if (args.channelId === '*') return 0;
  const removed = await removeDigestSchedulers(config, args.teamId, [args.channelId]);
  if (removed === undefined) return 1;
  if (removed.length > 0) console.log(`its digest schedule was removed`);
  return 0;
}

/**
 * Drops the BullMQ digest schedulers of channels left without bindings. The bot's sweep would drop
 * them within minutes; removing them now means no digest fires meanwhile. Resolves to the channels
 * whose scheduler existed and was removed, or undefined (after printing why) when Redis failed.
 */
export async function removeDigestSchedulers(config: AdminConfig, teamId: string, channelIds: string[]): Promise<string[] | undefined> {
  if (channelIds.length === 0) return [];
  const { createRedis, Enqueuer, waitReady } = await import('../queues/index.js');
  const producer = createRedis(config.REDIS_URL, 'producer');
  try {
    await waitReady(producer);
    const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
    const removed: string[] = [];
    try {
      for (const channelId of channelIds) if (await enqueuer.removeDigestSchedule(teamId, channelId)) removed.push(channelId);
    } finally {
      await enqueuer.close();
    }
    return removed;
  } catch (err) {
    // The bindings are gone (that is what grants access); only the schedule is late to follow.
    console.error(
      `plainfra: the bindings were removed, but the digest schedule could not be checked in Redis (${(err as Error).message}); ` +
        `the bot drops it on its next sweep (within 5 minutes), and a digest that fires before then finds no account and posts nothing`,
    );
    return undefined;
  } finally {
    producer.disconnect();
  }
}

export async function channelsList(db: Db, teamId: string): Promise<number> {
  const { listBindings, formatListing } = await import('../accounts/index.js');
  console.log(formatListing(teamId, await listBindings(db, teamId)));
  return 0;
}
