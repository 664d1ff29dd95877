/**
 * Pins every model-chosen parameter that names a resource by ARN (or an account by id) to the
 * account the conversation is bound to. hawk assumes the bound account's role, but a role can still
 * reach another account's resource when that resource's policy lets it (a Lambda function shared
 * cross-account, an analyzer, a public snapshot), and a signed request to a foreign ARN tells that
 * account who is asking. So an ARN of another account, an account-less or wildcard ARN where the
 * API wants one resource, or anything that is not a well-formed ARN is refused here, before any AWS
 * request, with a reason the model can act on. Pure: no I/O.
 *
 * Which parameters are pinned is declared beside their schemas (`OperationSpec.pins`);
 * `test/hawk-account-pins.test.ts` reads the SDK's own documentation of every allowed parameter and
 * fails if one that speaks of ARNs, account ids or owners is neither pinned nor reviewed.
 */

/** The account a call may read: from the bound role ARN, never from the model. */
export interface AccountScope {
  /** Account name as bound to the channel (what the model calls it). */
  name: string;
  /** 12-digit account id. */
  accountId: string;
  /** ARN partition of the role (`aws`, `aws-cn`, `aws-us-gov`). */
  partition: string;
}

export type ParamPin =
  /**
   * One resource of `service` in the bound account: `arn:<partition>:<service>:<region>:<account>:…`.
   * With `names`, a plain name matching it is accepted too (the API resolves it in the caller's account).
   */
  | { param: string; kind: 'arn'; service: string; names?: RegExp }
  /**
   * ARNs of any service (tag GetResources, IAM policy simulation). S3 bucket and object ARNs carry no
   * account (`arn:aws:s3:::bucket`) and are accepted; every other ARN must name the bound account.
   * `resourceWildcards` lets `*`/`?` stand in the resource part only (a simulated `arn:aws:s3:::b/*`),
   * never in the partition, service, region or account.
   */
  | { param: string; kind: 'any-arn'; resourceWildcards?: boolean }
  /** EC2 owner ids: `self` or the bound account's id. */
  | { param: string; kind: 'owner' }
  /** Lambda `FunctionName`: a name (`fn`, `fn:alias`), a partial ARN (`123456789012:function:fn`) or an ARN. */
  | { param: string; kind: 'lambda-function' };

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

const PARTITION = /^aws(-[a-z]+)*$/;
const SERVICE = /^[a-z0-9-]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ACCOUNT = /^\d{12}$/;
/** Services whose ARNs name no account (the bucket's owner is not in its ARN). */
const ACCOUNTLESS_SERVICES = new Set(['s3']);
const LAMBDA_NAME = /^(?:(\d{12}):function:)?[A-Za-z0-9_.-]{1,140}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

/** Splits an ARN into its parts; undefined unless it has all six and each is of the right form. */
export function parseArn(value: string): Arn | undefined {
  if (/\s/.test(value)) return undefined;
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  const resource = parts.slice(5).join(':');
  if (!PARTITION.test(partition) || !SERVICE.test(service) || !resource) return undefined;
  if (region !== '' && !REGION.test(region)) return undefined;
  if (account !== '' && !ACCOUNT.test(account)) return undefined;
  return { partition, service, region, account, resource };
}

const looksLikeArn = (v: string) => v.slice(0, 4).toLowerCase() === 'arn:';
const hasWildcard = (v: string) => v.includes('*') || v.includes('?');

function otherAccount(account: string, scope: AccountScope): string {
  return (
    `names AWS account ${account}, but this conversation may only read account "${scope.name}" (${scope.accountId}). ` +
    `plainfra never reads another account's resources: use a resource of account ${scope.accountId}, ` +
    'or ask in a channel bound to the other account.'
  );
}

/** Why an ARN value may not be used, or undefined if it names one resource of the bound account. */
function arnProblem(
  value: string,
  scope: AccountScope,
  service: string | undefined,
  what: string,
  resourceWildcards = false,
): string | undefined {
  if (value === '*') {
    return (
      `is "*", which would cover every account's resources; leave ${what} out for the API's default (the bound account's own), ` +
      `or name resources of account ${scope.accountId}.`
    );
  }
  const head = value.split(':').slice(0, 5).join(':');
  if (resourceWildcards ? hasWildcard(head) : hasWildcard(value)) {
    return `contains a wildcard; ${what} must name exactly one resource of account ${scope.accountId}, without * or ?.`;
  }
  const arn = parseArn(value);
  const expected = `arn:${scope.partition}:${service ?? '<service>'}:<region>:${scope.accountId}:<resource>`;
  if (!arn) {
    // An account field that is not 12 digits (`aws`, `self`, …) still names someone else: say so.
    const account = value.split(':')[4];
    if (looksLikeArn(value) && account && !ACCOUNT.test(account) && account !== scope.accountId) return otherAccount(account, scope);
    return `is not a well-formed ARN (expected ${expected}).`;
  }
  if (arn.partition !== scope.partition) {
    return `is in partition "${arn.partition}", but account "${scope.name}" is in partition "${scope.partition}" (expected ${expected}).`;
  }
  if (service && arn.service !== service) return `is a ${arn.service} ARN; ${what} takes a ${service} ARN (${expected}).`;
  if (arn.account === '') {
    // `arn:aws:s3:::*` would be every bucket of every account: a bucket name must come first.
    if (arn.service === 's3' && /^[*?]/.test(arn.resource))
      return `names no bucket; a wildcard may only follow a bucket name (arn:${scope.partition}:s3:::<bucket>/*).`;
    if (ACCOUNTLESS_SERVICES.has(arn.service) && !service) return undefined;
    return `names no account; use the full ARN (${expected}).`;
  }
  if (arn.account !== scope.accountId) return otherAccount(arn.account, scope);
  return undefined;
}

function pinProblem(pin: ParamPin, value: string, scope: AccountScope): string | undefined {
  switch (pin.kind) {
    case 'owner':
      if (value === 'self' || value === scope.accountId) return undefined;
      if (ACCOUNT.test(value)) return otherAccount(value, scope);
      return (
        `is not allowed: ${pin.param} may only be "self" (or ${scope.accountId}, the same account); ` +
        "plainfra reads only the bound account's own resources."
      );
    case 'any-arn':
      return arnProblem(value, scope, undefined, pin.param, pin.resourceWildcards);
    case 'arn':
      if (!looksLikeArn(value) && pin.names) {
        if (pin.names.test(value)) return undefined;
        if (/^\d{12}:/.test(value))
          return otherAccountOrSame(value.slice(0, 12), scope) ?? `is a partial ARN; pass the name or the full ARN.`;
        return `is neither a name nor an ARN of account ${scope.accountId}.`;
      }
      return arnProblem(value, scope, pin.service, pin.param);
    case 'lambda-function': {
      if (looksLikeArn(value)) {
        const problem = arnProblem(value, scope, 'lambda', pin.param);
        if (problem) return problem;
        return parseArn(value)!.resource.startsWith('function:')
          ? undefined
          : `is not a Lambda function ARN (arn:${scope.partition}:lambda:<region>:${scope.accountId}:function:<name>).`;
      }
      if (hasWildcard(value)) return `contains a wildcard; name exactly one function.`;
      const m = LAMBDA_NAME.exec(value);
      if (!m) return `is not a function name, partial ARN (${scope.accountId}:function:<name>) or ARN.`;
      return m[1] ? otherAccountOrSame(m[1], scope) : undefined;
    }
  }
}

function otherAccountOrSame(account: string, scope: AccountScope): string | undefined {
  return account === scope.accountId ? undefined : otherAccount(account, scope);
}

/**
 * Undefined if every pinned parameter names the bound account (or a plain name), else the reason,
 * written for the model: which parameter, which value, and what to do instead.
 */
export function crossAccountRefusal(
  operation: string,
  pins: readonly ParamPin[] | undefined,
  params: Record<string, unknown>,
  scope: AccountScope,
): string | undefined {
  for (const pin of pins ?? []) {
    const raw = params[pin.param];
    if (raw === undefined) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const problem = typeof value === 'string' ? pinProblem(pin, value, scope) : `must be a string.`;
      if (problem) return `${operation} ${pin.param} ${JSON.stringify(String(value)).slice(0, 300)} ${problem}`;
    }
  }
  return undefined;
}

/** The account a role ARN belongs to (`arn:aws:iam::123456789012:role/x`), as hawk pins calls to it. */
export function accountScopeOf(name: string, roleArn: string): AccountScope {
  const parts = roleArn.split(':');
  return { name, partition: parts[1] ?? '', accountId: parts[4] ?? '' };
}
