import { describe, expect, it } from 'vitest';
import { awsQueryInput } from '../src/queues/index.js';
import { toolDefinitions } from '../src/tools/index.js';

/** The model's tool schemas are generated from the zod schemas that validate its tool input. */
describe('tool definitions', () => {
  const [query, docs] = toolDefinitions('https://docs.aws.amazon.com');

  it('describes aws_query with exactly the fields, limits and descriptions the validator enforces', () => {
    expect(query!.input_schema).toEqual({
      type: 'object',
      properties: {
        account: { type: 'string', maxLength: 128, description: expect.stringContaining('Account name') },
        region: { type: 'string', maxLength: 32, description: expect.stringContaining('AWS region') },
        service: { type: 'string', minLength: 1, maxLength: 64, description: expect.stringContaining('IAM service prefix') },
        operation: { type: 'string', minLength: 1, maxLength: 128, description: expect.stringContaining('API operation name') },
        params: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {}, description: 'API request parameters.' },
      },
      required: ['service', 'operation'],
      additionalProperties: false,
    });
    // What the schema promises, the validator accepts; what it forbids, the validator refuses.
    expect(awsQueryInput.safeParse({ service: 'ce', operation: 'GetCostAndUsage', params: { Granularity: 'MONTHLY' } }).success).toBe(true);
    expect(awsQueryInput.safeParse({ service: 'ce' }).success).toBe(false);
    expect(awsQueryInput.safeParse({ service: 'x'.repeat(65), operation: 'A' }).success).toBe(false);
  });

  it('describes aws_docs with the docs host in the url field', () => {
    expect(docs!.input_schema).toMatchObject({
      type: 'object',
      required: ['url'],
      properties: { url: { type: 'string', description: 'Full URL under https://docs.aws.amazon.com' } },
    });
    expect(JSON.stringify([query, docs])).not.toContain('$schema');
  });
});
