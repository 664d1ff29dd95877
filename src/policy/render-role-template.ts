/**
 * Keeps `deploy/aws/plainfra-readonly-role.yaml` in step with the code. The template is written by
 * hand (comments, layout), except two blocks between marker comments:
 *
 *   # BEGIN generated: allowed-actions   ← one line per IAM action of src/tools/allowlist.ts
 *   # END generated: allowed-actions
 *   # BEGIN generated: data-plane-deny   ← one line per entry of src/policy/data-plane-actions.ts
 *   # END generated: data-plane-deny
 *
 * `renderRoleTemplate` re-renders those blocks; the consistency test compares the result with the
 * file and rewrites it when run with UPDATE_ROLE_TEMPLATE=1.
 */
import { ALLOWED_OPERATIONS, type AllowedOperation } from '../tools/index.js';
import { DATA_PLANE_ACTIONS, type DataPlaneAction } from './data-plane-actions.js';

export const ROLE_TEMPLATE_PATH = 'deploy/aws/plainfra-readonly-role.yaml';
export const ROLE_TEMPLATE_UPDATE_COMMAND = 'UPDATE_ROLE_TEMPLATE=1 npx vitest run test/policy';

export type GeneratedBlockName = 'allowed-actions' | 'data-plane-deny';

interface ListLine {
  readonly action: string;
  readonly comment: string;
}

function renderList(lines: readonly ListLine[], indent: string): string[] {
  const width = Math.max(...lines.map((l) => l.action.length));
  return lines.map((l) => `${indent}- ${l.action.padEnd(width)}  # ${l.comment}`);
}

/** Allow list lines: each distinct IAM action once, sorted like `allowedIamActions()`, with what it is for. */
export function renderAllowedActionsBlock(operations: readonly AllowedOperation[], indent: string): string[] {
  const byAction = new Map<string, string[]>();
  for (const op of operations) {
    const uses = byAction.get(op.iamAction) ?? [];
    const via = op.iamAction === `${op.service}:${op.operation}` ? op.summary : `${op.summary} (${op.service}:${op.operation})`;
    uses.push(via);
    byAction.set(op.iamAction, uses);
  }
  const sorted = [...byAction.keys()].sort();
  return renderList(
    sorted.map((action) => ({ action, comment: byAction.get(action)!.join('; ') })),
    indent,
  );
}

/** Deny list lines in the order of DATA_PLANE_ACTIONS, under a comment naming why each group is denied. */
export function renderDataPlaneDenyBlock(entries: readonly DataPlaneAction[], indent: string): string[] {
  const lines: string[] = [];
  let reason: string | undefined;
  for (const d of entries) {
    if (d.reason !== reason) {
      reason = d.reason;
      lines.push(`${indent}# ${reason}`);
    }
    lines.push(`${indent}- ${d.action}`);
  }
  return lines;
}

/** Replaces the body of one marked block; the BEGIN line's indentation is used for the items. */
export function replaceGeneratedBlock(text: string, name: GeneratedBlockName, render: (indent: string) => string[]): string {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.trim().startsWith(`# BEGIN generated: ${name}`));
  const end = lines.findIndex((l, i) => i > begin && l.trim().startsWith(`# END generated: ${name}`));
  if (begin < 0 || end < 0) {
    throw new Error(`${ROLE_TEMPLATE_PATH}: markers "# BEGIN generated: ${name}" / "# END generated: ${name}" not found`);
  }
  const indent = lines[begin].slice(0, lines[begin].length - lines[begin].trimStart().length);
  return [...lines.slice(0, begin + 1), ...render(indent), ...lines.slice(end)].join('\n');
}

/** The role template with both generated blocks rendered from the allowlist and the data-plane list. */
export function renderRoleTemplate(
  text: string,
  operations: readonly AllowedOperation[] = ALLOWED_OPERATIONS,
  dataPlane: readonly DataPlaneAction[] = DATA_PLANE_ACTIONS,
): string {
  const withAllow = replaceGeneratedBlock(text, 'allowed-actions', (indent) => renderAllowedActionsBlock(operations, indent));
  return replaceGeneratedBlock(withAllow, 'data-plane-deny', (indent) => renderDataPlaneDenyBlock(dataPlane, indent));
}

export interface ActionListDiff {
  /** Expected (e.g. in the allowlist) but absent from the actual list (e.g. the template). */
  readonly missing: readonly string[];
  /** In the actual list but not expected. */
  readonly extra: readonly string[];
}

/** Case-insensitive set difference of two action lists. */
export function diffActionLists(expected: readonly string[], actual: readonly string[]): ActionListDiff {
  const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const e = lower(expected);
  const a = lower(actual);
  return {
    missing: [...new Set(expected.filter((x) => !a.has(x.toLowerCase())))].sort(),
    extra: [...new Set(actual.filter((x) => !e.has(x.toLowerCase())))].sort(),
  };
}

/** A diff for a test failure message; empty string when the lists agree. */
export function formatActionListDiff(diff: ActionListDiff, expectedName: string, actualName: string): string {
  if (diff.missing.length === 0 && diff.extra.length === 0) return '';
  return [
    `${actualName} and ${expectedName} disagree:`,
    ...diff.missing.map((a) => `  + ${a}   (in ${expectedName}, missing from ${actualName})`),
    ...diff.extra.map((a) => `  - ${a}   (in ${actualName}, not in ${expectedName})`),
  ].join('\n');
}
