/**
 * Decides, without any I/O, whether hawk may run what the model asked for, and says why not in
 * words the model can act on. Everything not on the allowlist is refused; the extra explanations
 * exist only to stop the model retrying variations of a forbidden call.
 */
import type { z } from 'zod';
import { ALLOWED_OPERATIONS, type AllowedOperation } from '../allowlist.js';
import { crossAccountRefusal, type AccountScope } from './account-pin.js';
import { PAGINATION_MEMBERS } from './params.js';
import { lookupOperation } from './registry.js';
import type { RegistryEntry } from './spec.js';
import type { AwsQueryInput } from './types.js';

/** Params are data for one read call; anything this big is a mistake or an attempt to smuggle something. */
const MAX_PARAMS_JSON = 8_000;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const WRITE_VERBS = (
  'Create Delete Put Update Modify Terminate Stop Start Reboot Run Attach Detach Associate Disassociate Set Add Remove Invoke Tag ' +
  'Untag Enable Disable Register Deregister Authorize Revoke Copy Import Export Restore Reset Send Publish Cancel Accept Reject ' +
  'Release Allocate Purchase Upload Replace Assume Change Apply Execute Rotate Restart'
).split(' ');
const WRITE_VERB = new RegExp(`^(${WRITE_VERBS.join('|')})`);

/** Services left out on purpose, with the reason the model should hear. */
const EXCLUDED_SERVICES: Record<string, string> = {
  secretsmanager: 'plainfra never reads secret values',
  ssm: 'Parameter Store and Session Manager can expose secrets and shells',
  kms: 'plainfra does not use or inspect encryption keys',
  dynamodb: 'plainfra does not read table data',
  sqs: 'plainfra does not read queue messages',
  logs: 'log contents can carry personal data and secrets',
  kinesis: 'plainfra does not read stream data',
};
/** Allowlisted services with data-plane operations that stay forbidden. */
const DATA_PLANE: Record<string, string> = {
  's3:getobject': 'plainfra reads bucket configuration only, never object contents',
  's3:listobjects': 'plainfra reads bucket configuration only, never object listings',
  's3:listobjectsv2': 'plainfra reads bucket configuration only, never object listings',
  'lambda:invoke': 'plainfra never runs code in your account',
  'lambda:getfunction': 'it returns a download link to the code and the environment variables; use GetFunctionConfiguration',
  'ec2:describeinstanceattribute': 'it can return instance user data, which often holds secrets',
  'ec2:getpassworddata': 'it returns Windows administrator passwords',
  'iam:getrolepolicy': 'plainfra summarises roles with ListRoles instead of returning policy documents',
};

export type Prepared =
  | { ok: true; allowed: AllowedOperation; spec: RegistryEntry; params: Record<string, unknown> }
  | { ok: false; reason: string };

function allowedOpsOf(service: string): string {
  return ALLOWED_OPERATIONS.filter((o) => o.service === service.toLowerCase())
    .map((o) => o.operation)
    .join(', ');
}

function notAllowed(service: string, operation: string): string {
  const name = `${service}:${operation}`;
  const lower = name.toLowerCase();
  const why =
    DATA_PLANE[lower] ??
    EXCLUDED_SERVICES[service.toLowerCase()] ??
    (WRITE_VERB.test(operation) ? 'it would change your AWS resources' : undefined);
  const head = `${name} is not a read-only operation plainfra allows${why ? ` (${why})` : ''}; plainfra can only read.`;
  const sameService = allowedOpsOf(service);
  if (sameService) return `${head} Allowed ${service.toLowerCase()} operations: ${sameService}.`;
  const services = [...new Set(ALLOWED_OPERATIONS.map((o) => o.service))].join(', ');
  return `${head} Services plainfra can read: ${services}.`;
}

/**
 * Validates what the model asked for. With `scope` (the bound account), parameters that name a
 * resource by ARN or an account by id must also belong to that account.
 */
export function prepare(input: AwsQueryInput, scope?: AccountScope): Prepared {
  if (
    !input ||
    typeof input.service !== 'string' ||
    typeof input.operation !== 'string' ||
    !input.service.trim() ||
    !input.operation.trim()
  ) {
    return { ok: false, reason: 'aws_query needs a service (e.g. "ec2") and an operation (e.g. "DescribeInstances").' };
  }
  const found = lookupOperation(input.service, input.operation);
  if (!found) return { ok: false, reason: notAllowed(input.service.trim(), input.operation.trim()) };
  const { allowed, spec } = found;
  const name = `${allowed.service}:${allowed.operation}`;

  if (input.region !== undefined && (typeof input.region !== 'string' || !REGION.test(input.region))) {
    return { ok: false, reason: `"${String(input.region)}" is not an AWS region name (expected something like "eu-west-1").` };
  }
  const raw = input.params ?? {};
  const formProblem = paramsFormProblem(name, raw);
  if (formProblem) return { ok: false, reason: formProblem };
  const parsed = spec.params.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: invalidParams(name, spec, parsed.error) };
  if (scope) {
    const foreign = crossAccountRefusal(name, spec.pins, parsed.data, scope);
    if (foreign) return { ok: false, reason: foreign };
  }
  return { ok: true, allowed, spec, params: parsed.data };
}

/** What is wrong with the params as a whole (not an object, not JSON, too big, a page token), if anything. */
function paramsFormProblem(name: string, raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `params for ${name} must be an object.`;
  let size: number;
  try {
    size = JSON.stringify(raw).length;
  } catch {
    return `params for ${name} must be plain JSON.`;
  }
  if (size > MAX_PARAMS_JSON) return `params for ${name} are ${size} characters; the limit is ${MAX_PARAMS_JSON}.`;
  const token = Object.keys(raw).find((k) => PAGINATION_MEMBERS.has(k));
  if (token) return `Don't pass ${token}: plainfra follows pages itself and summarises them. Narrow the question with filters instead.`;
  return undefined;
}

/** The spec's validation errors (the first five), and the params it accepts, so the model can correct itself. */
function invalidParams(name: string, spec: RegistryEntry, error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((i) => {
    const path = i.path.join('.') || '(params)';
    if (i.code === 'unrecognized_keys') return `unknown parameter(s) ${i.keys.join(', ')}`;
    return `${path}: ${i.message}`;
  });
  const accepted = Object.keys((spec.params as { shape?: object }).shape ?? {}).join(', ') || 'none';
  return `Invalid params for ${name}: ${issues.join('; ')}. Accepted params: ${accepted}.`;
}

/**
 * Pure, no I/O: undefined if hawk may run `input`, else the reason, written for the model. Without
 * `scope` only the allowlist and the params' form are checked; with it, also that every ARN or
 * account id among the params belongs to the bound account.
 */
export function refusalFor(input: AwsQueryInput, scope?: AccountScope): string | undefined {
  const p = prepare(input, scope);
  return p.ok ? undefined : p.reason;
}
