import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { awsAccounts, type Db } from '../db/index.js';
// STS only: the tools/aws door would load every service client hawk has, for a check that needs one.
import { ExternalIdChoice, assumeRole, createStsClient, sessionPolicy, stsName } from '../tools/aws/session.js';
import { fail, message, pass, withDeadline, type DoctorCheck } from './types.js';

/**
 * hawk's identity (STS GetCallerIdentity through the default credential chain) and, for every
 * registered account, an AssumeRole exactly as hawk makes it: ExternalId, a SourceIdentity the
 * role's trust policy accepts, and a session policy (here: nothing but GetCallerIdentity).
 */
export async function checkAws(db: Db | undefined): Promise<DoctorCheck[]> {
  const sts = createStsClient(1);
  try {
    const identity = await checkIdentity(sts);
    if (!identity.ok || !db) return [identity];
    const accounts = await db.select().from(awsAccounts);
    const checks = [identity];
    if (accounts.length === 0) {
      checks.push(fail('aws accounts', 'no AWS account is registered', 'plainfra accounts add --team T --name NAME --role-arn ARN'));
    }
    for (const a of accounts) checks.push(await checkAssume(sts, a));
    return checks;
  } finally {
    sts.destroy();
  }
}

async function checkIdentity(sts: STSClient): Promise<DoctorCheck> {
  try {
    const me = await withDeadline('sts', 10_000, () => sts.send(new GetCallerIdentityCommand({})));
    return pass('aws identity', `${me.Arn} (account ${me.Account})`);
  } catch (err) {
    return fail(
      'aws identity',
      message(err),
      'hawk finds no usable AWS credentials: give it its task role / instance profile (deploy/aws/plainfra-hawk.yaml), ' +
        'or AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY for a local try',
    );
  }
}

type AccountRow = typeof awsAccounts.$inferSelect;

async function checkAssume(sts: STSClient, a: AccountRow): Promise<DoctorCheck> {
  const name = `assume ${a.name} (${a.teamId})`;
  // During a rotation hawk accepts either id (the new one first); so does this check.
  const target = {
    accountName: a.name,
    roleArn: a.roleArn,
    externalId: a.externalId,
    ...(a.pendingExternalId && { pendingExternalId: a.pendingExternalId }),
    regions: a.regions,
  };
  try {
    const { externalId } = await withDeadline('sts', 10_000, () =>
      new ExternalIdChoice().assume(target, (id) =>
        assumeRole(sts, {
          roleArn: a.roleArn,
          externalId: id,
          sessionName: stsName(`hawk-doctor-${Date.now()}`),
          sourceIdentity: stsName('slack-cli-doctor'),
          policy: sessionPolicy(['sts:GetCallerIdentity']),
        }),
      ),
    );
    return pass(name, `${a.roleArn}${rotationNote(a, externalId)}`);
  } catch (err) {
    // AWS gives the same AccessDenied for every trust problem: list what to check, in order.
    return fail(
      name,
      `${a.roleArn}: ${message(err)}`,
      "check that the role exists, that its trust policy names hawk's identity (HawkPrincipalArn) " +
        'and the ExternalId `plainfra accounts add` printed ' +
        `(deploy/aws/plainfra-readonly-role.yaml), then: plainfra accounts verify --team ${a.teamId} --name ${a.name}`,
    );
  }
}

/** Which ExternalId worked while a rotation is pending, and what to do next. */
function rotationNote(a: AccountRow, externalId: string): string {
  if (!a.pendingExternalId) return '';
  return externalId === a.pendingExternalId
    ? ' (with the new ExternalId of a pending rotation: ' +
        `run plainfra accounts verify --team ${a.teamId} --name ${a.name} to retire the old one)`
    : ' (with the current ExternalId; a rotation is pending until the stack is updated and plainfra accounts verify passes)';
}
