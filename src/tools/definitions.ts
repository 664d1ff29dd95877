import { z } from 'zod';
// The catalogue's file (zod only), not the queues door: the door loads BullMQ and ioredis.
import { awsQueryInput } from '../queues/catalog.js';
import { ALLOWED_OPERATIONS } from './allowlist.js';

/**
 * The LLM's two tools, as Anthropic tool definitions (plain JSON, so this file imports no SDK).
 * The descriptions list the allowlist so the model asks for what will run instead of guessing.
 * Input schemas are generated from the zod schemas that validate the model's tool input, so what
 * the model is told and what is checked cannot drift apart.
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

/** The `aws_docs` tool's input. */
export const awsDocsInput = (docsBaseUrl: string) => z.object({ url: z.string().describe(`Full URL under ${docsBaseUrl}`) });

/** A tool's JSON schema from its zod schema (without the `$schema` marker the Messages API does not need). */
export function inputSchemaOf(schema: z.ZodObject): ToolDefinition['input_schema'] {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  return json as ToolDefinition['input_schema'];
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
      input_schema: inputSchemaOf(awsQueryInput),
    },
    {
      name: AWS_DOCS,
      description: `Fetch one page of public AWS documentation as text (only URLs under ${docsBaseUrl}).`,
      input_schema: inputSchemaOf(awsDocsInput(docsBaseUrl)),
    },
  ];
}
