import type { z } from 'zod';
import { adminEnv, botEnv, FORBIDDEN, hawkEnv, LLM_SECRET_VARS, sentinelEnv, SLACK_SECRET_VARS, type Role } from './env.js';
import { forbiddenForSentinel } from './llm-provider.js';

/** A start-up configuration problem; the CLI prints `message` and exits non-zero. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const schemas = { bot: botEnv, hawk: hawkEnv, sentinel: sentinelEnv, admin: adminEnv } as const;
type Schemas = typeof schemas;
export type ConfigFor<R extends Role> = z.infer<Schemas[R]>;

/**
 * Validates the environment for one process role. Throws ConfigError whose message lists every
 * problem and says what to set or unset, so an operator fixes them all in one go.
 */
export function loadConfig<R extends Role>(role: R, env: NodeJS.ProcessEnv = process.env): ConfigFor<R> {
  const problems: string[] = [];
  const forbidden =
    role === 'sentinel'
      ? forbiddenForSentinel(env, { anthropic: FORBIDDEN.sentinel, slack: SLACK_SECRET_VARS, llmSecrets: LLM_SECRET_VARS })
      : { names: FORBIDDEN[role], why: explainSeparation(role) };
  for (const name of forbidden.names) {
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name} is set, but the ${role} process must not hold it: ${forbidden.why} Unset ${name} for this process.`);
    }
  }
  if (role === 'bot' && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    problems.push('set SLACK_SIGNING_SECRET (HTTP events) or SLACK_APP_TOKEN (Socket Mode).');
  }
  // docker compose passes `VAR: ${VAR:-}` as an empty string; empty means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schemas[role].safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = issue.path.join('.') || '(environment)';
      const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
      problems.push(missing ? `${variable} is required: set it.` : `${variable}: ${issue.message}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`plainfra ${role}: configuration refused\n  - ${problems.join('\n  - ')}`);
  }
  return parsed.data as ConfigFor<R>;
}

function explainSeparation(role: Role): string {
  switch (role) {
    case 'bot':
      return 'the bot holds Slack tokens only, never AWS or LLM credentials.';
    case 'hawk':
      return 'hawk holds AWS credentials only; it must not be able to talk to Slack or the LLM.';
    default:
      return '';
  }
}
