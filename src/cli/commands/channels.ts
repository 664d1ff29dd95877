import { flags, UsageError, withAdminDb, type Command } from '../command.js';

/** `plainfra channels bind`: let a channel query an account (and optionally schedule its digest). */
export const channelsCommand: Command = {
  name: 'channels',
  usage: ['  channels bind --team T --channel C --account NAME [--digest CRON --tz TZ]'],
  async run([sub, ...rest]) {
    if (sub === 'bind') return bind(rest);
    throw new UsageError('channels bind');
  },
};

async function bind(args: string[]): Promise<number> {
  const spec = { team: { type: 'string' }, channel: { type: 'string' }, account: { type: 'string' }, digest: { type: 'string' }, tz: { type: 'string' } } as const;
  const { values } = flags(args, spec, ['team', 'channel', 'account']);
  return withAdminDb(async (db) => {
    const { bindChannel } = await import('../../accounts/index.js');
    const { account } = await bindChannel(db, {
      teamId: String(values.team),
      channelId: String(values.channel),
      accountName: String(values.account),
      digestCron: typeof values.digest === 'string' ? values.digest : undefined,
      digestTz: typeof values.tz === 'string' ? values.tz : undefined,
    });
    console.log(`channel ${String(values.channel)} may now query account ${account.name} (${account.roleArn})`);
    return 0;
  });
}
