/**
 * Turns SDK errors into outcomes the model (and the Slack admin reading over its shoulder) can act
 * on. Nothing here rethrows: an AWS failure is an answer ("not allowed", "throttled"), not a crash.
 */
import type { AwsQueryOutcome } from './types.js';

type ErrorOutcome = Extract<AwsQueryOutcome, { status: 'error' }>;

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const ACCESS_DENIED_CODES = [
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'Forbidden',
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
];
const ACCESS_DENIED = new RegExp(`^(${ACCESS_DENIED_CODES.join('|')})$`);

export function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string } | undefined;
  return String(e?.Code ?? e?.name ?? e?.code ?? 'Error');
}

/** The SDK's own retry verdict on an error, when it gave one (`throttling` is set for throttles). */
function sdkRetryable(err: unknown): { throttling?: boolean } | undefined {
  return (err as { $retryable?: { throttling?: boolean } } | undefined)?.$retryable;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** AWS messages can be long and occasionally echo request data; keep them short. */
function shortMessage(err: unknown): string {
  const m = String((err as Error)?.message ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

export function isTimeout(err: unknown): boolean {
  const name = errorCode(err);
  return (
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    name === 'RequestTimeout' ||
    /ETIMEDOUT|ESOCKETTIMEDOUT|timed out|aborted/i.test(String((err as Error)?.message))
  );
}

export function isThrottling(err: unknown): boolean {
  return THROTTLING.has(errorCode(err)) || httpStatus(err) === 429 || sdkRetryable(err)?.throttling === true;
}

export interface TrustExplanation {
  account: string;
  roleArn: string;
}

/**
 * AWS answers every trust failure with the same AccessDenied, so the message lists everything an
 * admin has to check rather than guessing which one it is.
 */
export function trustErrorMessage(t: TrustExplanation, detail: string): string {
  return [
    `plainfra could not assume the role ${t.roleArn} for account "${t.account}" (${detail}).`,
    'AWS gives the same answer for every trust problem, so please check:',
    `1. the role ${t.roleArn} exists in that account (the CloudFormation stack "plainfra-readonly" created it);`,
    "2. the role's trust policy names hawk's principal " +
      '(the HawkPrincipalArn parameter of the stack must be the IAM role or user hawk runs as);',
    '3. the ExternalId in the trust policy is exactly the one `plainfra accounts add` (or `accounts rotate-external-id`) ' +
      'printed for this account (`plainfra accounts external-id` shows it);',
    '4. the stack was deployed with: aws cloudformation deploy --template-file deploy/aws/plainfra-readonly-role.yaml ' +
      '--stack-name plainfra-readonly --capabilities CAPABILITY_NAMED_IAM ' +
      '--parameter-overrides HawkPrincipalArn=<hawk principal ARN> ExternalId=<external id>',
    'Then run `plainfra accounts verify` to confirm.',
  ].join('\n');
}

/** AWS refused the request as not allowed (for AssumeRole: any trust problem, a wrong ExternalId included). */
export function isAccessDenied(err: unknown): boolean {
  return ACCESS_DENIED.test(errorCode(err)) || httpStatus(err) === 403;
}

/** Maps an error thrown by STS AssumeRole. */
export function assumeRoleError(err: unknown, t: TrustExplanation): ErrorOutcome {
  const code = errorCode(err);
  if (isTimeout(err))
    return {
      status: 'error',
      kind: 'timeout',
      message: `STS did not answer in time while assuming the role of "${t.account}".`,
      retryable: true,
    };
  if (isThrottling(err))
    return { status: 'error', kind: 'throttled', message: 'STS is throttling plainfra; try again in a minute.', retryable: true };
  if (ACCESS_DENIED.test(code) || httpStatus(err) === 403) {
    return { status: 'error', kind: 'trust', message: trustErrorMessage(t, code), retryable: false };
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(shortMessage(err))) {
    return {
      status: 'error',
      kind: 'trust',
      retryable: false,
      message:
        'hawk has no AWS credentials of its own to call STS with. Give the hawk process an IAM identity ' +
        "(instance profile, task role or AWS_* environment) — the one named as HawkPrincipalArn in the role's stack.",
    };
  }
  if (code === 'RegionDisabledException') {
    return {
      status: 'error',
      kind: 'trust',
      retryable: false,
      message: `STS is not activated in hawk's region (${process.env.AWS_REGION || 'us-east-1'}); set AWS_REGION to an active region.`,
    };
  }
  return {
    status: 'error',
    kind: 'aws',
    message: `STS AssumeRole failed for "${t.account}": ${code}: ${shortMessage(err)}`,
    retryable: isRetryable(err),
  };
}

function isRetryable(err: unknown): boolean {
  const s = httpStatus(err);
  return sdkRetryable(err) !== undefined || (s !== undefined && s >= 500);
}

/** Maps an error thrown by the allowlisted operation itself. */
export function operationError(
  err: unknown,
  op: { service: string; operation: string; iamAction: string; account: string; region: string },
): ErrorOutcome {
  const code = errorCode(err);
  const where = `${op.service}:${op.operation} in ${op.region} for "${op.account}"`;
  if (isTimeout(err))
    return {
      status: 'error',
      kind: 'timeout',
      message: `${where} did not finish in time; try a narrower question (one region, a filter).`,
      retryable: true,
    };
  if (isThrottling(err))
    return {
      status: 'error',
      kind: 'throttled',
      message: `AWS kept throttling ${where} after retries; try again in a minute.`,
      retryable: true,
    };
  if (ACCESS_DENIED.test(code) || httpStatus(err) === 403) {
    return {
      status: 'error',
      kind: 'aws',
      retryable: false,
      message:
        `${where} was denied (${code}). The plainfra role needs ${op.iamAction}; the role stack may predate this operation — ` +
        'redeploy deploy/aws/plainfra-readonly-role.yaml. An SCP or permissions boundary can also deny it.',
    };
  }
  return { status: 'error', kind: 'aws', message: `${where} failed: ${code}: ${shortMessage(err)}`, retryable: isRetryable(err) };
}
