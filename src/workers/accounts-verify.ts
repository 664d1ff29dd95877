import { and, eq } from 'drizzle-orm';
import { awsAccounts, type Db } from '../db/index.js';
import { verifyAccount } from '../tools/aws/index.js';

/**
 * `plainfra accounts verify`: runs with hawk's AWS identity (the CLI loads the hawk config first),
 * looks the account up by team and name, and prints the trust and denial checks.
 */
export async function verifyAccountCommand(db: Db, opts: { teamId: string; name: string; json: boolean }): Promise<number> {
  const [account] = await db
    .select()
    .from(awsAccounts)
    .where(and(eq(awsAccounts.teamId, opts.teamId), eq(awsAccounts.name, opts.name)));
  if (!account) {
    console.error(`plainfra: no account "${opts.name}" for team ${opts.teamId}; add it with plainfra accounts add`);
    return 1;
  }
  const report = await verifyAccount({ accountName: account.name, roleArn: account.roleArn, externalId: account.externalId, regions: account.regions });
  if (opts.json) {
    const { text: _text, ...rest } = report;
    console.log(JSON.stringify(rest, null, 2));
  } else console.log(report.text);
  return report.ok ? 0 : 1;
}
