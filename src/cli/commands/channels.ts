import { loadConfig } from '../../config/index.js';
import { parseReportFlags, REPORT_PERIODS, REPORT_WHATS } from '../../reports/index.js';
import { flags, UsageError, withAdminDb, type Command } from '../command.js';

/**
 * `plainfra channels bind | unbind | list`: which channel may query which account, and where the
 * digests go.
 */
export const channelsCommand: Command = {
  name: 'channels',
  usage: [
    '  channels bind --team T --channel C --account NAME ' +
      '[--digest CRON --tz TZ [--what cost|security|all] [--period 7d|30d|mtd|last-month]]',
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
  if ((values.account === undefined) === (values.all !== true))
    throw new UsageError('channels unbind needs --account NAME or --all (one of them)');
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
  const spec = {
    team: { type: 'string' },
    channel: { type: 'string' },
    account: { type: 'string' },
    digest: { type: 'string' },
    tz: { type: 'string' },
    what: { type: 'string' },
    period: { type: 'string' },
  } as const;
  const { values } = flags(args, spec, ['team', 'channel', 'account']);
  const what = typeof values.what === 'string' ? values.what : undefined;
  const period = typeof values.period === 'string' ? values.period : undefined;
  // The same parser as /plainfra-report and plainfra digest; a schedule covers every bound account.
  const parsed = parseReportFlags({ what, period });
  if (!parsed.ok)
    throw new UsageError(`${parsed.problem ?? 'invalid report'} (--what ${REPORT_WHATS.join('|')}, --period ${REPORT_PERIODS.join('|')})`);
  if ((what || period) && typeof values.digest !== 'string')
    throw new UsageError('--what and --period describe a digest schedule: give --digest CRON --tz TZ with them');
  return withAdminDb(async (db) => {
    const { bindChannel } = await import('../../accounts/index.js');
    const { account } = await bindChannel(db, {
      teamId: String(values.team),
      channelId: String(values.channel),
      accountName: String(values.account),
      digestCron: typeof values.digest === 'string' ? values.digest : undefined,
      digestTz: typeof values.tz === 'string' ? values.tz : undefined,
      ...(what && { digestWhat: parsed.request.what }),
      ...(period && { digestPeriod: parsed.request.period }),
    });
    console.log(`channel ${String(values.channel)} may now query account ${account.name} (${account.roleArn})`);
    if (typeof values.digest === 'string') {
      const tz = typeof values.tz === 'string' ? values.tz : 'UTC';
      console.log(
        `digest (${parsed.request.what} ${parsed.request.period}) on "${values.digest}" ${tz}; the bot picks it up within 5 minutes`,
      );
    }
    return 0;
  });
}
