import type { AccountWithSecret } from './manage.js';

/** What an admin needs after `plainfra accounts add`: the ExternalId and the exact deploy command. */
export function formatAccountAdded(account: AccountWithSecret): string {
  const roleName = account.roleArn.split('/').pop();
  return [
    `account ${account.name} registered for team ${account.teamId}`,
    `  role:        ${account.roleArn}`,
    `  regions:     ${account.regions.join(', ')}`,
    `  ExternalId:  ${account.externalId}`,
    '',
    'Deploy the read-only role in that AWS account (review the template first; it names every action it allows):',
    `  aws cloudformation deploy --template-file deploy/aws/plainfra-readonly-role.yaml \\`,
    `    --stack-name plainfra-readonly --capabilities CAPABILITY_NAMED_IAM \\`,
    `    --parameter-overrides HawkPrincipalArn=<hawk role ARN> ExternalId=${account.externalId} RoleName=${roleName}`,
    '',
    `Then bind a channel:  plainfra channels bind --team ${account.teamId} --channel C0123ABCD --account ${account.name}`,
    `and check the role:   plainfra accounts verify --team ${account.teamId} --name ${account.name}`,
  ].join('\n');
}
