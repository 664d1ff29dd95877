import { UsageError, type Command } from '../command.js';

/** `plainfra template check`: CloudFormation templates against the current resource specification. */
export const templateCommand: Command = {
  name: 'template',
  usage: ['  template check FILE... [--json]          check CloudFormation templates against the resource specification'],
  async run([sub, ...rest]) {
    if (sub !== 'check') throw new UsageError('template check FILE... [--json]');
    const { templateCheckCommand } = await import('../../templates/index.js');
    return templateCheckCommand(rest);
  },
};
