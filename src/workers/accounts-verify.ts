import { findAccount, recordVerification, type VerifyOutcome } from '../accounts/index.js';
import type { Db } from '../db/index.js';
import { verifyAccount } from '../tools/aws/index.js';

/**
 * `plainfra accounts verify`: runs with hawk's AWS identity (the CLI loads the hawk config first),
 * looks the account up by team and name, and prints the trust and denial checks. During an
 * ExternalId rotation it checks the new id (and that the role refuses the old one); passing makes
 * the new id current and retires the old. Every run is recorded in the team's admin audit chain.
 */
export async function verifyAccountCommand(db: Db, opts: { teamId: string; name: string; json: boolean }): Promise<number> {
  const account = await findAccount(db, opts.teamId, opts.name);
  const pending = account.pendingExternalId ?? undefined;
  const checked = pending ?? account.externalId;
  const report = await verifyAccount(
    { accountName: account.name, roleArn: account.roleArn, externalId: checked, regions: account.regions },
    { replacesExternalId: pending ? account.externalId : undefined },
  );
  const outcome = await recordVerification(db, account, checked, report.ok);
  if (opts.json) {
    const { text: _text, ...rest } = report;
    console.log(JSON.stringify({ ...rest, rotation: rotationState(outcome, pending !== undefined) }, null, 2));
  } else {
    console.log(report.text);
    const note = rotationNote(outcome, opts);
    if (note) console.log(note);
  }
  return report.ok ? 0 : 1;
}

function rotationState(outcome: VerifyOutcome, pending: boolean): 'completed' | 'pending' | null {
  if (outcome.kind === 'rotated') return 'completed';
  return pending ? 'pending' : null;
}

function rotationNote(outcome: VerifyOutcome, opts: { teamId: string; name: string }): string | undefined {
  if (outcome.kind === 'rotated') {
    return (
      `ExternalId rotated: hawk now uses only the new ExternalId (${outcome.current}); ` +
      `the previous one (${outcome.retired}) is retired.`
    );
  }
  if (outcome.kind === 'failed' && outcome.pending) {
    return (
      `The ExternalId rotation stays pending: hawk tries the new ExternalId first and falls back to the current one. ` +
      `Fix the FAIL lines and run plainfra accounts verify --team ${opts.teamId} --name ${opts.name} again, ` +
      `or drop the rotation with plainfra accounts rotate-external-id --team ${opts.teamId} --name ${opts.name} --cancel.`
    );
  }
  return undefined;
}
