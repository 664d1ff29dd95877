import { UsageError, type Command } from '../command.js';

/** `plainfra policy check`: lint an IAM policy or CloudFormation template. */
export const policyCommand: Command = {
  name: 'policy',
  usage: ['  policy check FILE [--strict] [--json]     lint an IAM policy or CloudFormation template'],
  async run([sub, ...rest]) {
    if (sub !== 'check') throw new UsageError('policy check FILE [--strict] [--json]');
    const { policyCheckCommand } = await import('../../policy/index.js');
    return policyCheckCommand(rest);
  },
};
