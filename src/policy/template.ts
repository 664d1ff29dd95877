/**
 * What a CloudFormation template can grant a role besides the policy documents the checker grades:
 * managed policies attached by ARN, a permissions boundary read from elsewhere, separate policy
 * resources attached to the role, IAM resource types and properties this check does not know. Each
 * is an error, because the check cannot see what it grants, so it cannot vouch for the role.
 */
import type { RuleId } from './check.js';

export interface TemplateProblem {
  readonly rule: RuleId;
  /** Where, e.g. `Resources.ReadOnlyRole.Properties.ManagedPolicyArns`. */
  readonly label: string;
  readonly message: string;
}

/** A template parameter a trust principal may come from (`!Ref HawkPrincipalArn`). */
export interface TemplateParameter {
  readonly allowedPattern?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Properties whose meaning the check knows, per IAM resource type; anything else is unverifiable. */
const KNOWN_PROPERTIES: Record<string, readonly string[]> = {
  'AWS::IAM::Role': [
    'AssumeRolePolicyDocument',
    'Policies',
    'RoleName',
    'Path',
    'Description',
    'MaxSessionDuration',
    'Tags',
    'ManagedPolicyArns',
    'PermissionsBoundary',
  ],
  'AWS::IAM::Policy': ['PolicyName', 'PolicyDocument', 'Roles', 'Users', 'Groups'],
  'AWS::IAM::ManagedPolicy': ['ManagedPolicyName', 'PolicyDocument', 'Roles', 'Users', 'Groups', 'Path', 'Description'],
  'AWS::IAM::RolePolicy': ['PolicyName', 'PolicyDocument', 'RoleName'],
  // Grants nothing by itself: it lets EC2 pass a role whose policies are checked where defined.
  'AWS::IAM::InstanceProfile': ['InstanceProfileName', 'Path', 'Roles'],
};

const CANNOT_VERIFY = 'policy check cannot see what it grants, so it cannot verify this template';

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `{ "Ref": "X" }` → X. */
function refName(value: unknown): string | undefined {
  return isRecord(value) && Object.keys(value).length === 1 && typeof value.Ref === 'string' ? value.Ref : undefined;
}

export function templateParameters(parsed: unknown): Record<string, TemplateParameter> {
  if (!isRecord(parsed) || !isRecord(parsed.Parameters)) return {};
  const out: Record<string, TemplateParameter> = {};
  for (const [name, p] of Object.entries(parsed.Parameters)) {
    out[name] = { allowedPattern: isRecord(p) && typeof p.AllowedPattern === 'string' ? p.AllowedPattern : undefined };
  }
  return out;
}

export function templateProblems(parsed: unknown): TemplateProblem[] {
  if (!isRecord(parsed) || !isRecord(parsed.Resources)) return [];
  const resources = parsed.Resources;
  const problems: TemplateProblem[] = [];
  for (const [name, resource] of Object.entries(resources)) {
    if (!isRecord(resource) || typeof resource.Type !== 'string' || !resource.Type.startsWith('AWS::IAM::')) continue;
    problems.push(...iamResourceProblems(resources, `Resources.${name}`, resource.Type, resource));
  }
  return problems;
}

/** One IAM resource: its type and properties must be known, and what it grants must sit in the role. */
function iamResourceProblems(
  resources: Record<string, unknown>,
  base: string,
  type: string,
  resource: Record<string, unknown>,
): TemplateProblem[] {
  const known = KNOWN_PROPERTIES[type];
  if (!known) {
    return [
      {
        rule: 'unknown-iam-resource',
        label: base,
        message: `${type} is not a resource type policy check understands; ${CANNOT_VERIFY}. Remove it from the role's template.`,
      },
    ];
  }
  const props = isRecord(resource.Properties) ? resource.Properties : {};
  return [
    ...unknownPropertyProblems(base, type, props, known),
    ...(type === 'AWS::IAM::Role' ? roleProblems(resources, base, props) : []),
    ...separatePolicyProblems(base, type, props),
  ];
}

function unknownPropertyProblems(base: string, type: string, props: Record<string, unknown>, known: readonly string[]): TemplateProblem[] {
  return Object.keys(props)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      rule: 'unknown-iam-property',
      label: `${base}.Properties.${key}`,
      message: `${type} property ${key} is not one policy check understands; ${CANNOT_VERIFY}. Remove it.`,
    }));
}

/** A role's grants from outside the template: managed policies by ARN, a boundary defined elsewhere. */
function roleProblems(resources: Record<string, unknown>, base: string, props: Record<string, unknown>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const arns = list(props.ManagedPolicyArns);
  if (arns.length > 0) {
    problems.push({
      rule: 'managed-policy-attached',
      label: `${base}.Properties.ManagedPolicyArns`,
      message:
        `attaches ${arns.map(show).join(', ')}: ${CANNOT_VERIFY} (a managed policy's statements are not in the template). ` +
        'Put the statements inline in Policies.',
    });
  }
  if ('PermissionsBoundary' in props) {
    // A boundary defined in this template is graded with the rest; one read from elsewhere is not.
    const local = refName(props.PermissionsBoundary);
    const localResource = local ? resources[local] : undefined;
    if (!(isRecord(localResource) && localResource.Type === 'AWS::IAM::ManagedPolicy')) {
      problems.push({
        rule: 'permissions-boundary',
        label: `${base}.Properties.PermissionsBoundary`,
        message:
          `the boundary ${show(props.PermissionsBoundary)} is defined outside this template: policy check cannot read it, ` +
          "so it cannot verify the role's effective permissions. " +
          'Define the boundary as an AWS::IAM::ManagedPolicy in the template, or remove it.',
      });
    }
  }
  return problems;
}

/** Policies and instance profiles that attach to a role from beside it rather than inside it. */
function separatePolicyProblems(base: string, type: string, props: Record<string, unknown>): TemplateProblem[] {
  const attachedRoles =
    type === 'AWS::IAM::RolePolicy' ? list(props.RoleName) : type === 'AWS::IAM::InstanceProfile' ? [] : list(props.Roles);
  if (type === 'AWS::IAM::Role' || attachedRoles.length === 0) return [];
  return [
    {
      rule: 'separate-policy',
      label: base,
      message:
        `${type} attaches statements to role ${attachedRoles.map(show).join(', ')} from outside the role's definition; ` +
        'grants spread over separate resources (or other stacks) are ones policy check cannot verify as a whole. ' +
        "Move the statements into the role's Policies.",
    },
  ];
}
