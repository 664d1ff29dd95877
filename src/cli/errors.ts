import { ConfigError } from '../config/index.js';
import { UsageError } from './command.js';

/**
 * Errors whose message is written for the operator: printed as it is, without a stack. Matched by
 * their stable `code`, so the CLI need not load the module that throws them to recognise them.
 */
const OPERATOR_ERROR_CODES = new Set(['accounts', 'policy_input', 'migrate_roles']);

function codeOf(err: unknown): string | undefined {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** What the CLI prints for an error, and its exit code: 2 for a usage or configuration problem, else 1. */
export function reportError(err: unknown, usage: string): { message: string; exitCode: number } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ConfigError) return { message, exitCode: 2 };
  if (err instanceof UsageError || codeOf(err)?.startsWith('ERR_PARSE_ARGS'))
    return { message: `plainfra: ${message}\n\n${usage}`, exitCode: err instanceof UsageError ? 2 : 1 };
  if (OPERATOR_ERROR_CODES.has(codeOf(err) ?? '')) return { message: `plainfra: ${message}`, exitCode: 1 };
  return { message: `plainfra: ${err instanceof Error ? (err.stack ?? message) : message}`, exitCode: 1 };
}
