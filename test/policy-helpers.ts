/** Shared helpers of the test/policy-*.test.ts files. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyCheckCommand } from '../src/policy/index.js';
import { dataPlaneActionNames } from '../src/policy/data-plane-actions.js';

export const repoPath = (relative: string): string => fileURLToPath(new URL(`../${relative}`, import.meta.url));

export const ROLE_TEMPLATE = repoPath('deploy/aws/plainfra-readonly-role.yaml');
export const HAWK_TEMPLATE = repoPath('deploy/aws/plainfra-hawk.yaml');
export const SNAPSHOT = repoPath('deploy/aws/allowed-actions.snapshot.txt');

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `plainfra policy check ARGS` in-process and captures its output. */
export async function runPolicyCheck(...args: string[]): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  const code = await policyCheckCommand(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

let dir: string | undefined;

/** Writes a file into a per-run temp directory and returns its path. */
export async function writeTempFile(name: string, content: string | object): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'plainfra-policy-'));
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** The unconditional data-plane Deny statement, optionally with some actions left out. */
export function dataPlaneDeny(without: readonly string[] = []): Record<string, unknown> {
  return {
    Sid: 'DenyDataPlane',
    Effect: 'Deny',
    Action: dataPlaneActionNames().filter((a) => !without.includes(a)),
    Resource: '*',
  };
}

/** A policy document: the given Allow statement(s) plus the full data-plane Deny unless replaced. */
export function policyWith(allow: Record<string, unknown> | Record<string, unknown>[], deny = dataPlaneDeny()): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: [...(Array.isArray(allow) ? allow : [allow]), deny] };
}

export const allow = (action: string | string[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Sid: 'UnderTest',
  Effect: 'Allow',
  Action: action,
  Resource: '*',
  ...extra,
});

/** One IAM policy statement of a parsed template, as the policy tests read it. */
export interface CfnStatement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, unknown>;
}

export interface CfnPolicyDocument {
  Version?: string;
  Statement: CfnStatement[];
}

/** A template parameter; the fields are the ones the shipped templates set and the tests read. */
export interface CfnParameter {
  Default: string;
  AllowedPattern: string;
  AllowedValues: string[];
  MinLength: number;
}

/** An AWS::IAM::Role's properties; open, because tests add properties to see the checker refuse them. */
export interface CfnRoleProperties {
  [property: string]: unknown;
  RoleName?: unknown;
  MaxSessionDuration?: number;
  ManagedPolicyArns?: unknown;
  PermissionsBoundary?: unknown;
  AssumeRolePolicyDocument: CfnPolicyDocument;
  Policies: { PolicyName: string; PolicyDocument: CfnPolicyDocument }[];
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/**
 * A shipped CloudFormation template as parsed, typed as far as the tests read it; `Roles` names its
 * AWS::IAM::Role resources. Only a declaration: the tests' assertions check every value they read.
 */
export interface CfnTemplate<Roles extends string> {
  Parameters: Record<string, CfnParameter>;
  Resources: Record<Roles, { Type: string; Properties: CfnRoleProperties }> & Record<string, CfnResource>;
  Outputs: Record<string, { Value: unknown }>;
}
