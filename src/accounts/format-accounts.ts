import type { AccountListing } from './lifecycle.js';
import { table } from './table.js';

/**
 * `plainfra accounts list` as a person reads it: one table of accounts, then each account's
 * channels and digests. ExternalIds appear only as fingerprints (src/accounts/lifecycle.ts).
 */
export function formatAccountList(teamId: string, accounts: AccountListing[]): string {
  if (accounts.length === 0)
    return `team ${teamId} has no AWS accounts; add one with plainfra accounts add --team ${teamId} --name NAME --role-arn ARN`;
  const rows = accounts.map((a) => [
    a.name,
    a.awsAccountId,
    a.roleArn,
    a.regions.join(','),
    a.verifiedAt ?? 'never',
    a.channels.join(',') || '-',
  ]);
  const out = [`AWS accounts of team ${teamId}:`, table(['NAME', 'ACCOUNT ID', 'ROLE ARN', 'REGIONS', 'VERIFIED', 'CHANNELS'], rows), ''];
  out.push('ExternalIds (fingerprints; the ids themselves are never listed):');
  out.push(
    table(
      ['NAME', 'CURRENT', 'ROTATION'],
      accounts.map((a) => [
        a.name,
        a.externalId.fingerprint,
        a.pendingExternalId ? `pending since ${a.pendingExternalId.since}: new ${a.pendingExternalId.fingerprint}` : '-',
      ]),
    ),
  );
  const digests = accounts.flatMap((a) => a.digests.map((d) => [a.name, d.channel, d.cron, d.tz]));
  out.push('', digests.length ? 'Digest schedules covering these accounts:' : 'Digest schedules: none');
  if (digests.length) out.push(table(['NAME', 'CHANNEL', 'CRON', 'TIME ZONE'], digests));
  out.push(
    '',
    "To see an ExternalId in full (e.g. to redeploy the role's stack): " +
      `plainfra accounts external-id --team ${teamId} --name NAME [--pending] (audited).`,
  );
  if (accounts.some((a) => a.pendingExternalId))
    out.push(`A pending rotation completes with: plainfra accounts verify --team ${teamId} --name NAME`);
  return out.join('\n');
}
