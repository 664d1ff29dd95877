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

/** The template's parameters a rotation keeps (everything but the ExternalId). */
export const KEPT_STACK_PARAMETERS = ['HawkPrincipalArn', 'RoleName'] as const;

/**
 * The command that swaps the ExternalId in the customer's role stack and nothing else: the template
 * and the other parameters stay as deployed (`--use-previous-template`, `UsePreviousValue`), so the
 * reviewed role does not change under the customer's feet.
 */
export function stackUpdateCommand(newExternalId: string): string {
  return [
    `aws cloudformation update-stack --stack-name plainfra-readonly --use-previous-template \\`,
    `    --capabilities CAPABILITY_NAMED_IAM \\`,
    `    --parameters ParameterKey=ExternalId,ParameterValue=${newExternalId} \\`,
    `      ${KEPT_STACK_PARAMETERS.map((p) => `ParameterKey=${p},UsePreviousValue=true`).join(' ')}`,
    `  aws cloudformation wait stack-update-complete --stack-name plainfra-readonly`,
  ].join('\n');
}

/** What an admin needs after `plainfra accounts rotate-external-id`: the new id, the update, what happens next. */
export function formatRotationStarted(account: { teamId: string; name: string; roleArn: string }, newExternalId: string): string {
  const accountId = account.roleArn.split(':')[4];
  return [
    `ExternalId rotation started for account ${account.name} (team ${account.teamId})`,
    `  role:            ${account.roleArn}`,
    `  new ExternalId:  ${newExternalId}`,
    '',
    `Update the role's stack in AWS account ${accountId}, in the region it was deployed to (only the ExternalId changes):`,
    `  ${stackUpdateCommand(newExternalId)}`,
    '',
    `Then:  plainfra accounts verify --team ${account.teamId} --name ${account.name}`,
    'Until verify passes with the new ExternalId, hawk tries the new one first and falls back to the current one,',
    'so questions keep working before, during and after the stack update. When it passes, the old ExternalId is retired.',
    `To abandon the rotation instead:  plainfra accounts rotate-external-id --team ${account.teamId} --name ${account.name} --cancel`,
  ].join('\n');
}
