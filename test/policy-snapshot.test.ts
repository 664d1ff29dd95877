import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../src/policy/command.js';
import { renderAllowedActionsSnapshot, SNAPSHOT_UPDATE_COMMAND } from '../src/policy/report.js';
import { ROLE_TEMPLATE, SNAPSHOT } from './policy-helpers.js';

async function readSnapshot(): Promise<string> {
  try {
    return await readFile(SNAPSHOT, 'utf8');
  } catch {
    return '';
  }
}

/** Lines only in one side, marked the way a reviewer reads a diff. */
function lineDiff(before: string, after: string): string {
  const a = before.split('\n').filter((l) => l && !l.startsWith('#'));
  const b = after.split('\n').filter((l) => l && !l.startsWith('#'));
  const removed = a.filter((l) => !b.includes(l)).map((l) => `  - ${l}`);
  const added = b.filter((l) => !a.includes(l)).map((l) => `  + ${l}`);
  return [...removed, ...added].join('\n');
}

describe('allowed-actions snapshot', () => {
  it('matches the expanded allow list of the shipped template (iam-data updates must be reviewed)', async () => {
    const report = await checkPolicyFile(ROLE_TEMPLATE, { strict: true });
    const expected = renderAllowedActionsSnapshot(report.allowedActions, 'deploy/aws/plainfra-readonly-role.yaml');
    const actual = await readSnapshot();
    if (actual !== expected && process.env.UPDATE_POLICY_SNAPSHOT === '1') {
      await writeFile(SNAPSHOT, expected);
      return;
    }
    const message =
      'deploy/aws/allowed-actions.snapshot.txt differs from what the role template grants today:\n' +
      `${lineDiff(actual, expected) || '  (header or ordering only)'}\n` +
      `review the change, then run \`${SNAPSHOT_UPDATE_COMMAND}\``;
    expect(actual === expected, message).toBe(true);
  });

  it('lists only Read and List actions', async () => {
    const lines = (await readSnapshot()).split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => !/^[a-z0-9-]+:\w+\t(Read|List)$/.test(l))).toEqual([]);
  });
});
