/** `plainfra policy check FILE [--strict] [--json]`. */
import { checkPolicyDocuments, type PolicyCheckReport } from './check.js';
import { loadPolicyInput, PolicyInputError } from './load.js';
import { templateParameters, templateProblems } from './template.js';
import { formatReport } from './report.js';

export const POLICY_CHECK_USAGE = `Usage: plainfra policy check FILE [--strict] [--json]

Checks an IAM policy (JSON, or {"PolicyDocument": …}) or a CloudFormation template (YAML or JSON)
for the read-only rules of plainfra: Allow only actions whose access level is Read or List, no
NotAction/NotResource in an Allow, every data-plane read under an unconditional Deny, and trust
policies that trust exactly one role ARN and require sts:ExternalId and a session-name condition.
Anything a template grants that the check cannot read is an error: ManagedPolicyArns, a permissions
boundary defined elsewhere, separate policy resources attached to the role, and IAM resource types or
properties it does not know.

  --strict   wildcard Allow patterns (and other warnings) fail the check
  --json     print the report as JSON instead of text

Exit status: 0 clean, 1 violations, 2 unreadable or invalid input.
`;

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CommandIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/** Reads, parses and checks one file. Throws PolicyInputError for unreadable or invalid input. */
export async function checkPolicyFile(path: string, options: { strict?: boolean } = {}): Promise<PolicyCheckReport> {
  const { documents, parsed } = await loadPolicyInput(path);
  return checkPolicyDocuments(documents, {
    source: path,
    strict: options.strict,
    templateProblems: templateProblems(parsed),
    parameters: templateParameters(parsed),
  });
}

/**
 * Runs the command. `argv` is what follows `plainfra policy check` (e.g. `['role.yaml', '--strict']`).
 * Returns the exit code; prints the report to stdout and input problems to stderr.
 */
export async function policyCheckCommand(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  let strict = false;
  let json = false;
  const files: string[] = [];
  for (const arg of argv) {
    if (arg === '--strict') strict = true;
    else if (arg === '--json') json = true;
    else if (arg === '-h' || arg === '--help') {
      io.stdout(POLICY_CHECK_USAGE);
      return 0;
    } else if (arg.startsWith('-') && arg !== '-') {
      io.stderr(`plainfra policy check: unknown option ${arg}\n\n${POLICY_CHECK_USAGE}`);
      return 2;
    } else files.push(arg);
  }
  if (files.length !== 1) {
    const problem = files.length === 0 ? 'missing FILE' : `expected one FILE, got ${files.length}`;
    io.stderr(`plainfra policy check: ${problem}\n\n${POLICY_CHECK_USAGE}`);
    return 2;
  }
  let report: PolicyCheckReport;
  try {
    report = await checkPolicyFile(files[0], { strict });
  } catch (err) {
    if (err instanceof PolicyInputError) {
      io.stderr(`plainfra policy check: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.passed ? 0 : 1;
}
