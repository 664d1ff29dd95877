/**
 * Reading policy input: a bare IAM policy document, `{ "PolicyDocument": … }`, or a CloudFormation
 * template (YAML with short-form intrinsic tags, or JSON). Everything that goes wrong here is an
 * input problem (exit 2), reported as a `PolicyInputError` whose message says what to fix.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

export type PolicyDocumentKind = 'identity' | 'trust';

export interface PolicyDocumentInput {
  /** Where the document sits, e.g. `Resources.ReadOnlyRole.Properties.Policies[0].PolicyDocument`. */
  readonly label: string;
  /** `trust` for role trust policies (AssumeRolePolicyDocument), `identity` for permission policies. */
  readonly kind: PolicyDocumentKind;
  /** The document as parsed; validated by the checker, not here. */
  readonly document: unknown;
}

/** Unreadable or unusable input: the CLI prints the message and exits 2. */
export class PolicyInputError extends Error {
  override readonly name = 'PolicyInputError';
  /** Stable: the CLI prints errors with this code as they are (the message is for the operator). */
  readonly code = 'policy_input';
}

// --- CloudFormation short-form tags -------------------------------------------------------------

/** Short tag → long form key. `!Ref` and `!Condition` keep their names; the rest are `Fn::…`. */
const INTRINSICS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  If: 'Fn::If',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  FindInMap: 'Fn::FindInMap',
  Equals: 'Fn::Equals',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Not: 'Fn::Not',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  ImportValue: 'Fn::ImportValue',
  GetAZs: 'Fn::GetAZs',
  Transform: 'Fn::Transform',
  Length: 'Fn::Length',
  ToJsonString: 'Fn::ToJsonString',
};

function cfnTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [];
  for (const [short, long] of Object.entries(INTRINSICS)) {
    const tag = `!${short}`;
    tags.push({
      tag,
      resolve: (value: string) => {
        // `!GetAtt Res.Attr` is the scalar form of `Fn::GetAtt: [Res, Attr]`.
        if (short === 'GetAtt') {
          const dot = value.indexOf('.');
          return { [long]: dot > 0 ? [value.slice(0, dot), value.slice(dot + 1)] : value };
        }
        return { [long]: value };
      },
    });
    for (const collection of ['seq', 'map'] as const) {
      tags.push({
        tag,
        collection,
        resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [long]: node.toJSON() }),
      });
    }
  }
  return tags;
}

const CFN_TAGS = cfnTags();

/** Parses JSON or YAML (CloudFormation flavoured). Throws PolicyInputError with a location on failure. */
export function parsePolicySource(text: string, sourceName: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new PolicyInputError(`${sourceName} is empty: expected an IAM policy (JSON) or a CloudFormation template (YAML or JSON).`);
  if (/\.json$/i.test(sourceName) || trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch (err) {
      if (/\.json$/i.test(sourceName)) {
        throw new PolicyInputError(`${sourceName} is not valid JSON: ${(err as Error).message}. Fix the syntax and run the check again.`);
      }
      // JSON-looking YAML (flow style) is still YAML; fall through.
    }
  }
  const doc = parseDocument(text, { customTags: CFN_TAGS, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first.linePos ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    throw new PolicyInputError(
      `${sourceName} is not valid YAML${where}: ${first.message.split('\n')[0]}. Fix the syntax and run the check again.`,
    );
  }
  return doc.toJS({ maxAliasCount: 100 });
}

// --- Finding the policy documents ---------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** CloudFormation accepts a policy document as a JSON string in some places; accept it too. */
function unwrapDocument(value: unknown): unknown {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function looksLikePolicyDocument(v: unknown): boolean {
  return isRecord(v) && 'Statement' in v;
}

function statementsOf(doc: unknown): unknown[] {
  if (!isRecord(doc)) return [];
  const s = doc.Statement;
  return Array.isArray(s) ? s : s === undefined ? [] : [s];
}

/** A bare document with Principal in its statements is a trust (or resource) policy, not an identity policy. */
function kindOfBareDocument(doc: unknown): PolicyDocumentKind {
  return statementsOf(doc).some((s) => isRecord(s) && ('Principal' in s || 'NotPrincipal' in s)) ? 'trust' : 'identity';
}

function collectFromResource(name: string, resource: Record<string, unknown>, out: PolicyDocumentInput[]): void {
  const type = typeof resource.Type === 'string' ? resource.Type : '';
  // Only IAM identities and their policies: bucket/queue/key policies are resource policies, not ours to grade.
  if (!type.startsWith('AWS::IAM::')) return;
  const props = resource.Properties;
  if (!isRecord(props)) return;
  const base = `Resources.${name}.Properties`;
  if ('AssumeRolePolicyDocument' in props) {
    out.push({ label: `${base}.AssumeRolePolicyDocument`, kind: 'trust', document: unwrapDocument(props.AssumeRolePolicyDocument) });
  }
  if ('PolicyDocument' in props) {
    const named =
      typeof props.PolicyName === 'string'
        ? ` (${props.PolicyName})`
        : typeof props.ManagedPolicyName === 'string'
          ? ` (${props.ManagedPolicyName})`
          : '';
    out.push({ label: `${base}.PolicyDocument${named}`, kind: 'identity', document: unwrapDocument(props.PolicyDocument) });
  }
  if (Array.isArray(props.Policies)) {
    props.Policies.forEach((p, i) => {
      const named = isRecord(p) && typeof p.PolicyName === 'string' ? ` (${p.PolicyName})` : '';
      const document = isRecord(p) ? unwrapDocument(p.PolicyDocument) : p;
      out.push({ label: `${base}.Policies[${i}].PolicyDocument${named}`, kind: 'identity', document });
    });
  }
}

/**
 * The policy documents in parsed input. Throws PolicyInputError when there are none, so a wrong
 * file is not mistaken for a clean one.
 */
export function extractPolicyDocuments(parsed: unknown, sourceName = 'input'): PolicyDocumentInput[] {
  const out: PolicyDocumentInput[] = [];
  if (isRecord(parsed) && isRecord(parsed.Resources)) {
    for (const [name, resource] of Object.entries(parsed.Resources)) {
      if (isRecord(resource)) collectFromResource(name, resource, out);
    }
    if (out.length === 0) {
      throw new PolicyInputError(
        `${sourceName} is a CloudFormation template without IAM policies: ` +
          'no AWS::IAM::* resource has a PolicyDocument, Policies or AssumeRolePolicyDocument.',
      );
    }
    return out;
  }
  if (looksLikePolicyDocument(parsed)) {
    out.push({ label: 'policy', kind: kindOfBareDocument(parsed), document: parsed });
    return out;
  }
  if (isRecord(parsed) && ('PolicyDocument' in parsed || 'AssumeRolePolicyDocument' in parsed)) {
    if ('AssumeRolePolicyDocument' in parsed) {
      out.push({ label: 'AssumeRolePolicyDocument', kind: 'trust', document: unwrapDocument(parsed.AssumeRolePolicyDocument) });
    }
    if ('PolicyDocument' in parsed) {
      const document = unwrapDocument(parsed.PolicyDocument);
      out.push({ label: 'PolicyDocument', kind: kindOfBareDocument(document), document });
    }
    return out;
  }
  throw new PolicyInputError(
    `${sourceName} contains no IAM policy: expected a policy document ({"Version": …, "Statement": […]}), ` +
      `{"PolicyDocument": …}, or a CloudFormation template with AWS::IAM resources.`,
  );
}

/** Reads and parses a file into its policy documents. */
export async function loadPolicyFile(path: string): Promise<PolicyDocumentInput[]> {
  return (await loadPolicyInput(path)).documents;
}

/** The file's policy documents and the parsed input (a template's other IAM properties are checked too). */
export async function loadPolicyInput(path: string): Promise<{ documents: PolicyDocumentInput[]; parsed: unknown }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new PolicyInputError(`cannot read ${path}: ${reason}. Pass the path of an IAM policy JSON file or a CloudFormation template.`);
  }
  const parsed = parsePolicySource(text, path);
  return { documents: extractPolicyDocuments(parsed, path), parsed };
}
