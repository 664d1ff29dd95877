/**
 * The LLM's tools, as far as the sentinel may see them: definitions, the allowlist as data, and
 * `aws_docs`. The AWS executor is in `./aws` and is imported by hawk only — never re-export it
 * here, or the sentinel's import graph would reach the AWS SDK (a test walks it).
 */
export { ALLOWED_OPERATIONS, findAllowedOperation, allowedIamActions, type AllowedOperation } from './allowlist.js';
export { toolDefinitions, AWS_QUERY, AWS_DOCS, type ToolDefinition } from './definitions.js';
export { fetchAwsDoc, docsUrlRefusal, htmlToText, type DocsOutcome, type DocsOptions } from './docs.js';
