import { loadConfig } from '../../config/index.js';
import { flags, UsageError, withAdminDb, type Command } from '../command.js';

/** `plainfra accounts add | verify`: register a customer AWS account, check its role. */
export const accountsCommand: Command = {
  name: 'accounts',
  usage: [
    '  accounts add --team T --name NAME --role-arn ARN [--regions r1,r2]',
    '  accounts verify --team T --name NAME      check the role trust, ExternalId and denials',
  ],
  async run([sub, ...rest]) {
    if (sub === 'add') return add(rest);
    if (sub === 'verify') return verify(rest);
    throw new UsageError('accounts add | accounts verify');
  },
};

async function add(args: string[]): Promise<number> {
  const spec = { team: { type: 'string' }, name: { type: 'string' }, 'role-arn': { type: 'string' }, regions: { type: 'string' } } as const;
  const { values } = flags(args, spec, ['team', 'name', 'role-arn']);
  return withAdminDb(async (db) => {
    const { addAccount } = await import('../../accounts/index.js');
    const { formatAccountAdded } = await import('../../accounts/instructions.js');
    const account = await addAccount(db, {
      teamId: String(values.team),
      name: String(values.name),
      roleArn: String(values['role-arn']),
      regions: typeof values.regions === 'string' ? values.regions.split(',').map((r) => r.trim()).filter(Boolean) : undefined,
    });
    console.log(formatAccountAdded(account));
    return 0;
  });
}

async function verify(args: string[]): Promise<number> {
  const { values } = flags(args, { team: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } }, ['team', 'name']);
  loadConfig('hawk'); // verify runs as hawk: AWS credentials only
  return withAdminDb(async (db) => {
    const { verifyAccountCommand } = await import('../../workers/accounts-verify.js');
    return verifyAccountCommand(db, { teamId: String(values.team), name: String(values.name), json: values.json === true });
  });
}
