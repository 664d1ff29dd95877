/** IAM (read), STS and Organizations: global services called in us-east-1. */
import {
  type AccessKeyMetadata,
  type EvaluationResult,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  type GetCredentialReportCommandOutput,
  IAMClient,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandOutput,
  paginateSimulatePrincipalPolicy,
  ListAccessKeysCommand,
  type ListAccessKeysCommandOutput,
  ListMFADevicesCommand,
  type ListMFADevicesCommandOutput,
  ListRolesCommand,
  type ListRolesCommandOutput,
  ListUsersCommand,
  type ListUsersCommandOutput,
  type Role,
  paginateListAccessKeys,
  paginateListMFADevices,
  paginateListRoles,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  type Account,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  type ListAccountsCommandOutput,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { z } from 'zod';
import { none, obj, pageSize, str } from '../params.js';
import { at } from '../shape.js';
import { defineOps, type Paginator, type Paging } from '../spec.js';
import { sdkOp } from './sdk-op.js';

const iamPaging = (paginator: Paginator): Paging => ({
  input: 'Marker',
  output: 'Marker',
  sizeParam: 'MaxItems',
  pageSize: 1000,
  paginator,
});
const userName = z.string().regex(/^[\w+=,.@-]{1,128}$/, 'expected an IAM user name');

/**
 * Access key ids are shown as `AKIA…WXYZ`: enough to tell keys apart and match them with what a
 * user sees in the console, while the full id (half of a credential) never reaches Slack.
 */
export function maskKeyId(id: unknown): string | undefined {
  return typeof id === 'string' && id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : undefined;
}

interface TrustSummary {
  trustedPrincipals: string[];
  trustConditionKeys: string[];
  trustKind: string;
}

/**
 * Summarises a role's trust policy: who may assume it and which condition keys guard it. Condition
 * *values* are dropped because they include ExternalIds, which are shared secrets.
 */
export function summariseTrust(doc: unknown, roleAccountId: string | undefined): TrustSummary {
  const out: TrustSummary = { trustedPrincipals: [], trustConditionKeys: [], trustKind: 'unknown' };
  if (typeof doc !== 'string') return out;
  // A policy document is JSON of no fixed shape (a single statement or a list, principals as text or
  // maps): read as `unknown` and narrowed at each step.
  let policy: unknown;
  try {
    policy = JSON.parse(decodeURIComponent(doc));
  } catch {
    return out;
  }
  const kinds = new Set<string>();
  const statement = at(policy, 'Statement');
  for (const st of Array.isArray(statement) ? statement : [statement]) {
    if (!isObject(st) || st.Effect !== 'Allow') continue;
    const principal = st.Principal;
    if (principal === '*') {
      out.trustedPrincipals.push('*');
      kinds.add('anyone');
    } else if (isObject(principal)) {
      for (const [type, v] of Object.entries(principal)) {
        const values: unknown[] = Array.isArray(v) ? v : [v];
        for (const p of values) {
          out.trustedPrincipals.push(`${type}:${String(p)}`);
          if (type === 'Service') kinds.add('service');
          else if (type === 'Federated') kinds.add('federated');
          else if (p === '*') kinds.add('anyone');
          else {
            const acct = /^\d{12}$/.test(String(p)) ? String(p) : String(p).split(':')[4];
            kinds.add(acct === roleAccountId ? 'same-account' : 'cross-account');
          }
        }
      }
    }
    for (const key of conditionKeys(st.Condition)) if (!out.trustConditionKeys.includes(key)) out.trustConditionKeys.push(key);
  }
  out.trustKind = [...kinds].sort().join('+') || 'none';
  return out;
}

/** Any non-null object of a parsed JSON document (arrays too, as the statement reader always took them). */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The condition keys of a statement's `Condition` (`{ operator: { key: value } }`); values are never read. */
function conditionKeys(condition: unknown): string[] {
  return Object.values(condition ?? {}).flatMap((byOperator: unknown) => Object.keys(byOperator ?? {}));
}

/** A role with its trust policy summarised ({@link summariseTrust}) instead of passed on. */
function roleSummary(r: Role) {
  return {
    RoleName: r.RoleName,
    Arn: r.Arn,
    Path: r.Path,
    CreateDate: r.CreateDate,
    Description: typeof r.Description === 'string' ? r.Description.slice(0, 200) : undefined,
    MaxSessionDuration: r.MaxSessionDuration,
    RoleLastUsed: r.RoleLastUsed ? { LastUsedDate: r.RoleLastUsed.LastUsedDate, Region: r.RoleLastUsed.Region } : undefined,
    ...summariseTrust(r.AssumeRolePolicyDocument, String(r.Arn ?? '').split(':')[4]),
  };
}

/** A simulation result: the decision and which policies matched, never the policy text. */
function evaluationSummary(r: EvaluationResult) {
  return {
    EvalActionName: r.EvalActionName,
    EvalResourceName: r.EvalResourceName,
    EvalDecision: r.EvalDecision,
    MatchedPolicies: (r.MatchedStatements ?? []).map((m) => m.SourcePolicyId).filter(Boolean),
  };
}

/** Columns of the credential report hawk passes on. It contains no secrets, but no need for more. */
const REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
];

/** Splits one CSV line; IAM user names may contain commas, so quotes are honoured. */
function csvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        // An escaped quote: keep one, skip the second.
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function* credentialReportRows(content: unknown): Generator<Record<string, string>> {
  const text = content instanceof Uint8Array ? Buffer.from(content).toString('utf8') : typeof content === 'string' ? content : '';
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) return;
  const header = csvLine(lines[0]);
  for (const line of lines.slice(1)) {
    const cells = csvLine(line);
    const row: Record<string, string> = {};
    for (const col of REPORT_COLUMNS) {
      const idx = header.indexOf(col);
      if (idx >= 0 && cells[idx] !== undefined) row[col] = cells[idx];
    }
    yield row;
  }
}

export const identityOps = defineOps([
  sdkOp<ListUsersCommandOutput>({
    service: 'iam',
    operation: 'ListUsers',
    client: IAMClient,
    command: ListUsersCommand,
    scope: 'global',
    params: obj({ PathPrefix: str.optional(), MaxItems: pageSize(1, 1000).optional() }),
    paging: iamPaging(paginateListUsers),
    list: { items: (p) => p.Users, item: ['UserName', 'UserId', 'Arn', 'Path', 'CreateDate', 'PasswordLastUsed'] },
  }),
  sdkOp<ListRolesCommandOutput, Role, ReturnType<typeof roleSummary>>({
    service: 'iam',
    operation: 'ListRoles',
    client: IAMClient,
    command: ListRolesCommand,
    scope: 'global',
    params: obj({ PathPrefix: str.optional(), MaxItems: pageSize(1, 1000).optional() }),
    paging: iamPaging(paginateListRoles),
    list: {
      items: (p) => p.Roles,
      item: roleSummary,
      groups: { trust: (i) => i.trustKind },
      rank: (i) => (/cross-account|anyone|federated/.test(String(i.trustKind)) ? 1 : 0),
    },
  }),
  {
    service: 'iam',
    operation: 'GetAccountSummary',
    client: IAMClient,
    command: GetAccountSummaryCommand,
    scope: 'global',
    params: none,
    single: [{ SummaryMap: ['#'] }],
  },
  {
    service: 'iam',
    operation: 'GetAccountPasswordPolicy',
    client: IAMClient,
    command: GetAccountPasswordPolicyCommand,
    scope: 'global',
    params: none,
    single: [
      {
        PasswordPolicy: [
          'MinimumPasswordLength',
          'RequireSymbols',
          'RequireNumbers',
          'RequireUppercaseCharacters',
          'RequireLowercaseCharacters',
          'AllowUsersToChangePassword',
          'ExpirePasswords',
          'MaxPasswordAge',
          'PasswordReusePrevention',
          'HardExpiry',
        ],
      },
    ],
    absentOn: { NoSuchEntity: 'The account has no custom password policy (the AWS default applies).' },
  },
  sdkOp<ListAccessKeysCommandOutput, AccessKeyMetadata>({
    service: 'iam',
    operation: 'ListAccessKeys',
    client: IAMClient,
    command: ListAccessKeysCommand,
    scope: 'global',
    params: obj({ UserName: userName.optional(), MaxItems: pageSize(1, 1000).optional() }),
    paging: iamPaging(paginateListAccessKeys),
    list: {
      items: (p) => p.AccessKeyMetadata,
      item: (k) => ({ UserName: k.UserName, AccessKeyId: maskKeyId(k.AccessKeyId), Status: k.Status, CreateDate: k.CreateDate }),
      groups: { status: (i) => i.Status },
    },
  }),
  {
    service: 'iam',
    operation: 'GetAccessKeyLastUsed',
    client: IAMClient,
    command: GetAccessKeyLastUsedCommand,
    scope: 'global',
    params: obj({ AccessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, 'expected a full access key id') }),
    single: ['UserName', { AccessKeyLastUsed: ['LastUsedDate', 'ServiceName', 'Region'] }],
  },
  sdkOp<ListMFADevicesCommandOutput>({
    service: 'iam',
    operation: 'ListMFADevices',
    client: IAMClient,
    command: ListMFADevicesCommand,
    scope: 'global',
    params: obj({ UserName: userName.optional(), MaxItems: pageSize(1, 1000).optional() }),
    paging: iamPaging(paginateListMFADevices),
    list: { items: (p) => p.MFADevices, item: ['UserName', 'SerialNumber', 'EnableDate'] },
  }),
  sdkOp<SimulatePrincipalPolicyCommandOutput, EvaluationResult, ReturnType<typeof evaluationSummary>>({
    // "Can this role delete buckets?" — and what `plainfra accounts verify` uses to show the role's
    // denials. Only the decision and which policy matched leave hawk, never policy text.
    service: 'iam',
    operation: 'SimulatePrincipalPolicy',
    client: IAMClient,
    command: SimulatePrincipalPolicyCommand,
    scope: 'global',
    params: obj({
      PolicySourceArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user|group)\/[\w+=,.@/-]{1,512}$/, 'expected the ARN of an IAM role, user or group'),
      ActionNames: z
        .array(z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9*?]+$/, 'expected service:Action'))
        .min(1)
        .max(50),
      ResourceArns: z.array(z.string().min(1).max(2048)).max(20).optional(),
      MaxItems: pageSize(1, 1000).optional(),
    }),
    // The principal must be the bound account's; resources too (S3 ARNs name no account; a wildcard
    // may stand in the resource path only). A bare `*` is refused: leaving ResourceArns out
    // simulates against every resource already.
    pins: [
      { param: 'PolicySourceArn', kind: 'arn', service: 'iam' },
      { param: 'ResourceArns', kind: 'any-arn', resourceWildcards: true },
    ],
    paging: iamPaging(paginateSimulatePrincipalPolicy),
    list: {
      items: (p) => p.EvaluationResults,
      item: evaluationSummary,
      groups: { decision: (i) => i.EvalDecision },
    },
  }),
  {
    service: 'iam',
    operation: 'GenerateCredentialReport',
    client: IAMClient,
    command: GenerateCredentialReportCommand,
    scope: 'global',
    params: none,
    single: ['State', 'Description'],
  },
  sdkOp<GetCredentialReportCommandOutput, Record<string, string>>({
    service: 'iam',
    operation: 'GetCredentialReport',
    client: IAMClient,
    command: GetCredentialReportCommand,
    scope: 'global',
    params: none,
    list: {
      items: (p) => credentialReportRows(p.Content),
      item: (row) => row,
      groups: {
        mfa: (i) => (i.mfa_active === 'true' ? 'MFA' : 'no MFA'),
        password: (i) => (i.password_enabled === 'true' ? 'console password' : 'no console password'),
        activeKeys: (i) => String((i.access_key_1_active === 'true' ? 1 : 0) + (i.access_key_2_active === 'true' ? 1 : 0)),
      },
      // Console users without MFA are what an auditor asks about first.
      rank: (i) => (i.password_enabled === 'true' && i.mfa_active !== 'true' ? 1 : 0),
      header: ['GeneratedTime'],
    },
    absentOn: {
      ReportNotPresent: 'No credential report exists yet: call iam GenerateCredentialReport, wait a few seconds, then ask again.',
      ReportExpired: 'The credential report is older than 4 hours: call iam GenerateCredentialReport, then ask again.',
      ReportInProgress: 'The credential report is still being generated: ask again in a few seconds.',
      // The SDK names modeled errors after their shapes, not their wire codes; list both.
      CredentialReportNotPresentException:
        'No credential report exists yet: call iam GenerateCredentialReport, wait a few seconds, then ask again.',
      CredentialReportExpiredException: 'The credential report is older than 4 hours: call iam GenerateCredentialReport, then ask again.',
      CredentialReportNotReadyException: 'The credential report is still being generated: ask again in a few seconds.',
    },
  }),
  {
    service: 'sts',
    operation: 'GetCallerIdentity',
    client: STSClient,
    command: GetCallerIdentityCommand,
    scope: 'global',
    params: none,
    single: ['Account', 'Arn', 'UserId'],
  },
  {
    service: 'organizations',
    operation: 'DescribeOrganization',
    client: OrganizationsClient,
    command: DescribeOrganizationCommand,
    scope: 'global',
    params: none,
    single: [{ Organization: ['Id', 'Arn', 'FeatureSet', 'MasterAccountId', 'MasterAccountArn'] }],
    absentOn: { AWSOrganizationsNotInUseException: 'This account is not a member of an AWS Organization.' },
  },
  sdkOp<ListAccountsCommandOutput, Account>({
    service: 'organizations',
    operation: 'ListAccounts',
    client: OrganizationsClient,
    command: ListAccountsCommand,
    scope: 'global',
    params: obj({ MaxResults: pageSize(1, 20).optional() }),
    paging: { input: 'NextToken', output: 'NextToken', sizeParam: 'MaxResults', pageSize: 20, paginator: paginateListAccounts },
    // Account e-mail addresses are personal data and not needed to answer questions: dropped.
    list: {
      items: (p) => p.Accounts,
      item: ['Id', 'Arn', 'Name', 'Status', 'State', 'JoinedMethod', 'JoinedTimestamp'],
      groups: { status: (i) => i.State ?? i.Status },
    },
    absentOn: { AWSOrganizationsNotInUseException: 'This account is not a member of an AWS Organization.' },
  }),
]);
