import { loadConfig } from '../../config/index.js';
import { flags, UsageError, withAdminDb, type Command } from '../command.js';

/**
 * `plainfra accounts …`: register a customer AWS account, check its role, list, rotate its
 * ExternalId, remove it. Each change is recorded in the team's admin audit chain (actor `admin`).
 */
export const accountsCommand: Command = {
  name: 'accounts',
  usage: [
    '  accounts add --team T --name NAME --role-arn ARN [--regions r1,r2]',
    '  accounts verify --team T --name NAME [--json]   check the role trust, ExternalId and denials (completes a rotation)',
    '  accounts list --team T [--json]                 accounts, verification, rotations, channels and digests',
    '  accounts rotate-external-id --team T --name NAME [--cancel]   new ExternalId + the stack update command',
    '  accounts external-id --team T --name NAME [--pending]         print an ExternalId in full (audited)',
    '  accounts remove --team T --name NAME            the account, its bindings and digest schedules (the audit trail stays)',
  ],
  async run([sub, ...rest]) {
    switch (sub) {
      case 'add':
        return add(rest);
      case 'verify':
        return verify(rest);
      case 'list':
        return list(rest);
      case 'rotate-external-id':
        return rotate(rest);
      case 'external-id':
        return showExternalId(rest);
      case 'remove':
        return remove(rest);
      default:
        throw new UsageError('accounts add | verify | list | rotate-external-id | external-id | remove');
    }
  },
};

const TEAM_AND_NAME = { team: { type: 'string' }, name: { type: 'string' } } as const;

async function add(args: string[]): Promise<number> {
  const spec = { ...TEAM_AND_NAME, 'role-arn': { type: 'string' }, regions: { type: 'string' } } as const;
  const { values } = flags(args, spec, ['team', 'name', 'role-arn']);
  return withAdminDb(async (db) => {
    const { addAccount } = await import('../../accounts/index.js');
    const { formatAccountAdded } = await import('../../accounts/instructions.js');
    const account = await addAccount(db, {
      teamId: String(values.team),
      name: String(values.name),
      roleArn: String(values['role-arn']),
      regions:
        typeof values.regions === 'string'
          ? values.regions
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean)
          : undefined,
    });
    console.log(formatAccountAdded(account));
    return 0;
  });
}

async function verify(args: string[]): Promise<number> {
  const { values } = flags(args, { ...TEAM_AND_NAME, json: { type: 'boolean' } }, ['team', 'name']);
  loadConfig('hawk'); // verify runs as hawk: AWS credentials only
  return withAdminDb(async (db) => {
    const { verifyAccountCommand } = await import('../../workers/accounts-verify.js');
    return verifyAccountCommand(db, { teamId: String(values.team), name: String(values.name), json: values.json === true });
  });
}

async function list(args: string[]): Promise<number> {
  const { values } = flags(args, { team: { type: 'string' }, json: { type: 'boolean' } }, ['team']);
  return withAdminDb(async (db) => {
    const { listAccounts } = await import('../../accounts/index.js');
    const { formatAccountList } = await import('../../accounts/format-accounts.js');
    const accounts = await listAccounts(db, String(values.team));
    console.log(
      values.json ? JSON.stringify({ team: String(values.team), accounts }, null, 2) : formatAccountList(String(values.team), accounts),
    );
    return 0;
  });
}

async function rotate(args: string[]): Promise<number> {
  const { values } = flags(args, { ...TEAM_AND_NAME, cancel: { type: 'boolean' } }, ['team', 'name']);
  const [teamId, name] = [String(values.team), String(values.name)];
  return withAdminDb(async (db) => {
    const { rotateExternalId, cancelRotation } = await import('../../accounts/index.js');
    if (values.cancel) {
      await cancelRotation(db, teamId, name);
      console.log(
        `the ExternalId rotation of account ${name} was cancelled: hawk uses only the current ExternalId again ` +
          '(if the stack was already updated, rotate again instead)',
      );
      return 0;
    }
    const { formatRotationStarted } = await import('../../accounts/instructions.js');
    const { account, newExternalId } = await rotateExternalId(db, teamId, name);
    console.log(formatRotationStarted(account, newExternalId));
    return 0;
  });
}

async function showExternalId(args: string[]): Promise<number> {
  const { values } = flags(args, { ...TEAM_AND_NAME, pending: { type: 'boolean' } }, ['team', 'name']);
  return withAdminDb(async (db) => {
    const { revealExternalId } = await import('../../accounts/index.js');
    console.log(await revealExternalId(db, String(values.team), String(values.name), values.pending ? 'pending' : 'current'));
    return 0;
  });
}

async function remove(args: string[]): Promise<number> {
  const { values } = flags(args, TEAM_AND_NAME, ['team', 'name']);
  const config = loadConfig('admin');
  const [teamId, name] = [String(values.team), String(values.name)];
  return withAdminDb(async (db) => {
    const { removeAccount } = await import('../../accounts/index.js');
    const { removeDigestSchedulers } = await import('../channels-admin.js');
    const result = await removeAccount(db, teamId, name);
    console.log(
      `account ${name} (${result.account.roleArn}) was removed from team ${teamId}; ` +
        `its audit trail stays (plainfra audit --admin --team ${teamId})`,
    );
    console.log(
      result.channels.length
        ? `channels that may no longer query it: ${result.channels.join(', ')}; open threads lose it at their next step`
        : 'it was bound to no channel',
    );
    for (const kept of result.schedulesKept)
      console.log(`the digest of ${kept.channel} (${kept.cron} ${kept.tz}) stays and now covers: ${kept.accounts.join(', ')}`);
    const removed = await removeDigestSchedulers(config, teamId, result.schedulesRemoved);
    if (removed === undefined) return 1;
    if (result.schedulesRemoved.length)
      console.log(`digest schedules removed with their last binding: ${result.schedulesRemoved.join(', ')}`);
    console.log(
      `the role stays in AWS account ${result.account.roleArn.split(':')[4]}: ` +
        'ask its owners to delete the plainfra-readonly stack if plainfra should no longer be trusted there',
    );
    return 0;
  });
}
