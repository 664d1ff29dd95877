import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../log/index.js';
import type { Command } from '../command.js';

/** `plainfra bot | hawk | sentinel`: runs one process role until it is told to stop. */
export const rolesCommand: Command = {
  name: 'bot',
  aliases: ['hawk', 'sentinel'],
  usage: ['  bot | hawk | sentinel                     run one process role'],
  async run(_args, name) {
    const { onShutdown } = await import('../../workers/lifecycle.js');
    let handle: { close(): Promise<void> };
    let logger: ReturnType<typeof createLogger>;
    let shutdownDeadlineMs: number;
    if (name === 'bot') {
      const config = loadConfig('bot');
      logger = createLogger(name, config.LOG_LEVEL);
      shutdownDeadlineMs = config.PLAINFRA_SHUTDOWN_TIMEOUT_MS;
      const { runBot } = await import('../../workers/bot.js');
      handle = await runBot(config, logger);
    } else if (name === 'hawk') {
      const config = loadConfig('hawk');
      logger = createLogger(name, config.LOG_LEVEL);
      shutdownDeadlineMs = config.PLAINFRA_SHUTDOWN_TIMEOUT_MS;
      const { runHawk } = await import('../../workers/hawk.js');
      handle = await runHawk(config, logger);
    } else {
      const config = loadConfig('sentinel');
      logger = createLogger(name, config.LOG_LEVEL);
      shutdownDeadlineMs = config.PLAINFRA_SHUTDOWN_TIMEOUT_MS;
      const { runSentinel } = await import('../../workers/sentinel.js');
      handle = await runSentinel(config, logger);
    }
    onShutdown(logger, () => handle.close(), shutdownDeadlineMs);
    return -1; // keep running
  },
};
