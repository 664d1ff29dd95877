import { loadConfig } from '../../config/index.js';
import { flags, UsageError, type Command } from '../command.js';

/** `plainfra ask`: a question like a mention, the answer printed (src/cli/ask.ts). */
export const askCommand: Command = {
  name: 'ask',
  usage: [
    '  ask --team T --channel C "question" [--json] [--timeout SECONDS]',
    '                                            ask like a mention; the answer is printed, not posted',
  ],
  async run(args) {
    const { values, positionals } = flags(
      args,
      {
        team: { type: 'string' },
        channel: { type: 'string' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        user: { type: 'string' },
      },
      ['team', 'channel'],
    );
    const question = positionals.join(' ').trim();
    if (!question) throw new UsageError('ask needs the question, e.g. plainfra ask --team T --channel C "what did EC2 cost last week?"');
    const timeoutSec = values.timeout === undefined ? 300 : Number(values.timeout);
    if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) throw new UsageError('--timeout must be a positive number of seconds');
    const config = loadConfig('admin');
    const { askCommand: ask } = await import('../ask.js');
    return ask(config, {
      teamId: String(values.team),
      channelId: String(values.channel),
      question,
      json: values.json === true,
      timeoutMs: timeoutSec * 1000,
      user: values.user as string | undefined,
    });
  },
};
