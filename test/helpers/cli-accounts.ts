import { expect } from 'vitest';
import { assumeRoleHandler, type FakeAws } from '../fakes/aws.js';
import { runPlainfra } from './processes.js';

/**
 * Adds account "prod" (us-east-1) with `plainfra accounts add`, as an operator does, and has the
 * fake AWS's AssumeRole demand the ExternalId the command printed, as the role's trust policy
 * would. Returns that ExternalId.
 */
export function addProdAccountWithCli(base: Record<string, string>, o: { team: string; roleArn: string; aws: FakeAws }): string {
  const added = runPlainfra(
    ['accounts', 'add', '--team', o.team, '--name', 'prod', '--role-arn', o.roleArn, '--regions', 'us-east-1'],
    base,
  );
  expect(added.status, added.stderr).toBe(0);
  const externalId = /ExternalId:\s+(\S+)/.exec(added.stdout)![1]!;
  o.aws.handle('sts:AssumeRole', assumeRoleHandler({ externalId, roleArn: o.roleArn }));
  return externalId;
}
