import { loadConfig } from '../../config/index.js';
import { flags, UsageError, withAdminDb, type Command } from '../command.js';

/**
 * `plainfra channels bind | unbind | list`: which channel may query which account, and where the
 * digests go.
 */
export const channelsCommand: Command = {
  name: 'channels',
  usage: [
    '  channels bind --team T --channel C --account NAME [--digest CRON --tz TZ]',
    '  channels unbind --team T --channel C (--account NAME | --all)',
    '  channels list --team T                    bindings and digest schedules',
  ],
  async run([sub, ...rest]) {
    if (sub === 'bind') return bind(rest);
    if (sub === 'unbind') return unbind(rest);
    if (sub === 'list') return list(rest);
    throw new UsageError('channels bind | channels unbind | channels list');
  },
};

async function unbind(args: string[]): Promise<number> {
  const spec = { team: { type: 'string' }, channel: { type: 'string' }, account: { type: 'string' }, all: { type: 'boolean' } } as const;
  const { values } = flags(args, spec, ['team', 'channel']);
  if ((values.account === undefined) === (values.all !== true)) throw new UsageError('channels unbind needs --account NAME or --all (one of them)');
  const config = loadConfig('admin');
  return withAdminDb(async (db) => {
    const { channelsUnbind } = await import('../channels-admin.js');
    return channelsUnbind(db, config, {
      teamId: String(values.team),
      channelId: String(values.channel),
      accountName: typeof values.account === 'string' ? values.account : undefined,
      all: values.all === true,
    });
  });
}

async function list(args: string[]): Promise<number> {
  const { values } = flags(args, { team: { type: 'string' } }, ['team']);
  return withAdminDb(async (db) => (await import('../channels-admin.js')).channelsList(db, String(values.team)));
}

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
