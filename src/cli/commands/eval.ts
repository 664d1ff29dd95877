import { flags, UsageError, type Command } from '../command.js';

/** `plainfra eval`: the bundled questions through the real agent loop against a model (src/eval). */
export const evalCommand: Command = {
  name: 'eval',
  usage: [
    '  eval [--model M] [--only NAME[,NAME]] [--json] [--min-score 0.9]',
    '                                            score a model on the bundled questions (recorded AWS data, no AWS access)',
  ],
  async run(args) {
    const { values } = flags(args, {
      model: { type: 'string' },
      only: { type: 'string' },
      json: { type: 'boolean' },
      'min-score': { type: 'string' },
    });
    const minScore = values['min-score'] === undefined ? 0.9 : Number(values['min-score']);
    if (!Number.isFinite(minScore) || minScore < 0 || minScore > 1)
      throw new UsageError('--min-score must be a number from 0 to 1, e.g. 0.9');
    const { evalMain } = await import('../../eval/main.js');
    return evalMain({
      model: values.model as string | undefined,
      only: values.only as string | undefined,
      json: values.json === true,
      minScore,
    });
  },
};
