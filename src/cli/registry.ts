import { accountsCommand } from './commands/accounts.js';
import { askCommand } from './commands/ask.js';
import { auditCommand } from './commands/audit.js';
import { channelsCommand } from './commands/channels.js';
import { digestCommand } from './commands/digest.js';
import { doctorCommand } from './commands/doctor.js';
import { evalCommand } from './commands/eval.js';
import { migrateCommand } from './commands/migrate.js';
import { policyCommand } from './commands/policy.js';
import { rolesCommand } from './commands/roles.js';
import { templateCommand } from './commands/template.js';
import { UsageError, type Command } from './command.js';

/** Every command, in the order the usage text lists them. A new command is a file and a line here. */
export const COMMANDS: readonly Command[] = [
  migrateCommand,
  rolesCommand,
  accountsCommand,
  channelsCommand,
  auditCommand,
  digestCommand,
  askCommand,
  evalCommand,
  doctorCommand,
  policyCommand,
  templateCommand,
];

export const USAGE = ['usage: plainfra <command>', '', ...COMMANDS.flatMap((c) => c.usage)].join('\n');

const HELP = new Set(['help', '--help', '-h']);

/** Runs the command `argv` names; resolves to its exit code (-1: a process that keeps running). */
export async function dispatch(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || HELP.has(name)) {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
  if (!command) throw new UsageError(`unknown command "${name}"`);
  return command.run(args, name);
}
