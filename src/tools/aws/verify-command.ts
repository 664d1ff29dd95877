/**
 * `plainfra accounts verify --team T --name NAME`: loads the account and prints verifyAccount's
 * report. Exit code 0 when every check passed, 1 otherwise, so it can gate a deployment script.
 */
import { and, eq } from 'drizzle-orm';
import { awsAccounts, type Db } from '../../db/index.js';
import { verifyAccount } from './verify.js';

export async function verifyAccountCommand(db: Db, opts: { teamId: string; name: string; json: boolean }): Promise<number> {
  const [row] = await db
    .select()
    .from(awsAccounts)
    .where(and(eq(awsAccounts.teamId, opts.teamId), eq(awsAccounts.name, opts.name)));
  if (!row) {
    console.error(`no account "${opts.name}" for team ${opts.teamId}; add it with plainfra accounts add`);
    return 1;
  }
  const report = await verifyAccount({ accountName: row.name, roleArn: row.roleArn, externalId: row.externalId, regions: row.regions });
  console.log(opts.json ? JSON.stringify({ ...report, text: undefined }, null, 2) : report.text);
  return report.ok ? 0 : 1;
}
