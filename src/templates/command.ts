/** `plainfra template check FILE… [--json]`: every template against the CloudFormation spec. */
import { readFile } from 'node:fs/promises';
import { parseDocument, visit } from 'yaml';
import { parsePolicySource, PolicyInputError } from '../policy/index.js';
import { checkTemplate, type TemplateFinding } from './check.js';
import { loadResourceSpec } from './spec.js';

export const TEMPLATE_CHECK_USAGE = `Usage: plainfra template check FILE... [--json]

Checks CloudFormation templates (YAML or JSON) against today's CloudFormation resource specification
(@aws-cdk/aws-service-spec): resource types, property names and shapes, required properties, the
names used by Ref, !GetAtt (and its attributes), !Sub, !If and DependsOn. IAM permissions are graded
by "plainfra policy check", not here.

Exit status: 0 clean, 1 findings, 2 unreadable input.
`;

export interface TemplateReport {
  readonly file: string;
  readonly findings: TemplateFinding[];
}

/** Reads, parses and checks one file. Throws PolicyInputError when it is not readable YAML/JSON. */
export async function checkTemplateFile(file: string): Promise<TemplateReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PolicyInputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = parsePolicySource(text, file);
  return { file, findings: [...yamlAliases(text), ...checkTemplate(parsed, await loadResourceSpec())] };
}

/**
 * CloudFormation rejects YAML aliases ("YAML aliases are not allowed in CloudFormation templates")
 * although every YAML parser, ours included, resolves them: find them in the source text.
 */
function yamlAliases(text: string): TemplateFinding[] {
  const findings: TemplateFinding[] = [];
  const doc = parseDocument(text, { strict: false, logLevel: 'silent' });
  visit(doc, {
    Alias(_key, node) {
      const line = node.range ? text.slice(0, node.range[0]).split('\n').length : undefined;
      findings.push({
        path: line ? `line ${line}` : '',
        message: `YAML alias *${node.source}: CloudFormation does not accept YAML anchors and aliases; write the value out`,
      });
    },
  });
  return findings;
}

export async function templateCheckCommand(argv: readonly string[], out = process.stdout, err = process.stderr): Promise<number> {
  const json = argv.includes('--json');
  const files = argv.filter((a) => a !== '--json');
  const unknown = files.find((a) => a.startsWith('-'));
  if (unknown || files.length === 0) {
    err.write(`plainfra template check: ${unknown ? `unknown option ${unknown}` : 'missing FILE'}\n\n${TEMPLATE_CHECK_USAGE}`);
    return 2;
  }
  const reports: TemplateReport[] = [];
  for (const file of files) {
    try {
      reports.push(await checkTemplateFile(file));
    } catch (e) {
      if (!(e instanceof PolicyInputError)) throw e;
      err.write(`plainfra template check: ${e.message}\n`);
      return 2;
    }
  }
  if (json) out.write(`${JSON.stringify(reports, null, 2)}\n`);
  else {
    for (const { file, findings } of reports) {
      if (findings.length === 0) out.write(`✔ ${file}: matches the CloudFormation resource specification\n`);
      else {
        out.write(`✘ ${file}: ${findings.length} finding(s)\n`);
        for (const f of findings) out.write(`  ${f.path || '(template)'}: ${f.message}\n`);
      }
    }
  }
  return reports.every((r) => r.findings.length === 0) ? 0 : 1;
}
