import { flags, UsageError, type Command } from '../command.js';

/** `plainfra doctor [--role bot|hawk|sentinel]` (src/cli/doctor.ts). */
export const doctorCommand: Command = {
  name: 'doctor',
  usage: ["  doctor [--role bot|hawk|sentinel] [--json] check a role's dependencies; the fix for each ✘"],
  async run(args) {
    const { values } = flags(args, { role: { type: 'string' }, json: { type: 'boolean' } });
    const role = values.role ?? 'all';
    if (!['bot', 'hawk', 'sentinel', 'all'].includes(String(role))) throw new UsageError('--role must be bot, hawk or sentinel');
    const { doctorCommand: doctor } = await import('../doctor.js');
    return doctor(role as 'bot' | 'hawk' | 'sentinel' | 'all', { json: values.json === true });
  },
};
