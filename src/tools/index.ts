/**
 * The LLM's tools, as far as the sentinel may see them: definitions, the allowlist as data, and
 * `aws_docs`. The AWS executor is in `./aws` and is imported by hawk only — never re-export it
 * here, or the sentinel's import graph would reach the AWS SDK (a test walks it).
 */

export { toolDefinitions, AWS_QUERY, AWS_DOCS, type ToolDefinition } from './definitions.js';
export { fetchAwsDoc } from './docs.js';
export { ALLOWED_OPERATIONS, type AllowedOperation } from './allowlist.js';
