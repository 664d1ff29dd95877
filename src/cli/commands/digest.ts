import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../log/index.js';
import { flags, UsageError, withAdminDb, type Command } from '../command.js';

/** `plainfra digest --now`: queue a channel's digest without waiting for its schedule. */
export const digestCommand: Command = {
  name: 'digest',
  usage: ['  digest --team T --channel C --now         post that channel\'s cost + security digest now'],
  async run(args) {
    const { values } = flags(args, { team: { type: 'string' }, channel: { type: 'string' }, now: { type: 'boolean' } }, ['team', 'channel']);
    if (!values.now) throw new UsageError('digest needs --now (scheduled digests come from: plainfra channels bind … --digest CRON --tz TZ)');
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
        const result = await startDigest({ db, enqueuer, logger }, String(values.team), String(values.channel), `now-${randomUUID()}`);
        await enqueuer.close();
        if (result.status === 'refused') {
          console.error(`plainfra: ${result.message}`);
          return 1;
        }
        const channel = String(values.channel);
        console.log(`digest queued for channel ${channel} (conversation ${result.conversationId}); the bot posts it there when hawk and the sentinel are done`);
        return 0;
      });
    } finally {
      producer.disconnect();
    }
  },
};
