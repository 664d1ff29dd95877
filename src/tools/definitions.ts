import { ALLOWED_OPERATIONS } from './allowlist.js';

/**
 * The LLM's two tools, as Anthropic tool definitions (plain JSON, so this file imports no SDK).
 * The descriptions list the allowlist so the model asks for what will run instead of guessing.
 */

export const AWS_QUERY = 'aws_query';
export const AWS_DOCS = 'aws_docs';

function operationsByService(): string {
  const groups = new Map<string, string[]>();
  for (const o of ALLOWED_OPERATIONS) groups.set(o.service, [...(groups.get(o.service) ?? []), o.operation]);
  return [...groups].map(([s, ops]) => `${s}: ${ops.join(', ')}`).join('\n');
}

export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
}

export function toolDefinitions(docsBaseUrl: string): ToolDefinition[] {
  return [
    {
      name: AWS_QUERY,
      description:
        'Run ONE read-only AWS API call in the customer account bound to this Slack channel and get a ' +
        'shaped, size-capped result (lists are summarised with counts and top items). Only these ' +
        'operations are allowed; anything else is refused:\n' +
        operationsByService() +
        '\nParameters use the AWS API field names (e.g. ce GetCostAndUsage: {"TimePeriod":{"Start":"2026-11-01","End":"2026-11-25"},' +
        '"Granularity":"MONTHLY","Metrics":["UnblendedCost"],"GroupBy":[{"Type":"DIMENSION","Key":"SERVICE"}]}). ' +
        'Cost Explorer is billed per request: ask for what you need in one call.',
      input_schema: {
        type: 'object',
        properties: {
          account: { type: 'string', description: 'Account name as listed in the system prompt; omit when only one is bound.' },
          region: { type: 'string', description: 'AWS region, e.g. eu-west-1; omit to use the account regions.' },
          service: { type: 'string', description: 'IAM service prefix, e.g. ec2, ce, securityhub, s3, iam.' },
          operation: { type: 'string', description: 'API operation name, e.g. DescribeInstances.' },
          params: { type: 'object', description: 'API request parameters.' },
        },
        required: ['service', 'operation'],
      },
    },
    {
      name: AWS_DOCS,
      description: `Fetch one page of public AWS documentation as text (only URLs under ${docsBaseUrl}).`,
      input_schema: {
        type: 'object',
        properties: { url: { type: 'string', description: `Full URL under ${docsBaseUrl}` } },
        required: ['url'],
      },
    },
  ];
}
