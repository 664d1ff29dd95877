import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../log/index.js';
import { describeReportRequest, parseReportFlags, REPORT_PERIODS, REPORT_WHATS, type ReportRequest } from '../../reports/index.js';
import { flags, UsageError, withAdminDb, type Command } from '../command.js';

/**
 * `plainfra digest --now [--what …] [--period …] [--account NAME]`: queue a channel's report without
 * waiting for its schedule. The flags mean what `/plainfra-report`'s words mean (the same parser).
 */
export const digestCommand: Command = {
  name: 'digest',
  usage: [
    '  digest --team T --channel C --now [--what cost|security|all] [--period 7d|30d|mtd|last-month] [--account NAME]',
    "                                            post that channel's cost + security report now (default: all 7d, every bound account)",
  ],
  async run(args) {
    const { team, channel, request } = digestFlags(args);
    return queueDigest(team, channel, request);
  },
};

/** The channel and what to report on, from the same words as `/plainfra-report`. */
function digestFlags(args: string[]): { team: string; channel: string; request: ReportRequest } {
  const spec = {
    team: { type: 'string' },
    channel: { type: 'string' },
    now: { type: 'boolean' },
    what: { type: 'string' },
    period: { type: 'string' },
    account: { type: 'string' },
  } as const;
  const { values } = flags(args, spec, ['team', 'channel']);
  if (!values.now) throw new UsageError('digest needs --now (scheduled digests come from: plainfra channels bind … --digest CRON --tz TZ)');
  const parsed = parseReportFlags({ what: str(values.what), period: str(values.period), account: str(values.account) });
  if (!parsed.ok) {
    throw new UsageError(
      `${parsed.problem ?? 'invalid report'} ` +
        `(--what ${REPORT_WHATS.join('|')}, --period ${REPORT_PERIODS.join('|')}, --account NAME of a bound account)`,
    );
  }
  return { team: String(values.team), channel: String(values.channel), request: parsed.request };
}

/** Starts the digest as its schedule would; the bot posts it. Resolves to the exit code. */
async function queueDigest(team: string, channel: string, request: ReportRequest): Promise<number> {
  const config = loadConfig('admin');
  const { randomUUID } = await import('node:crypto');
  const { createRedis, Enqueuer, waitReady } = await import('../../queues/index.js');
  const { startDigest } = await import('../../workers/maintenance.js');
  const producer = createRedis(config.REDIS_URL, 'producer');
  try {
    await waitReady(producer);
    const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
    return await withAdminDb(async (db) => {
      const logger = createLogger('cli', 'silent');
      const { ReportAccountNotBound } = await import('../../bot/intake.js');
      const result = await startDigest({ db, enqueuer, logger }, team, channel, `now-${randomUUID()}`, request)
        .catch((err: unknown) => {
          if (err instanceof ReportAccountNotBound) return { status: 'not_bound' as const, message: err.message };
          throw err;
        })
        .finally(() => enqueuer.close());
      if (result.status !== 'accepted') {
        console.error(`plainfra: ${result.message}`);
        return 1;
      }
      console.log(
        `digest (${describeReportRequest(request)}) queued for channel ${channel} (conversation ${result.conversationId}); ` +
          'the bot posts it there when hawk and the sentinel are done',
      );
      return 0;
    });
  } finally {
    producer.disconnect();
  }
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
