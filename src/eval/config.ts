import { ConfigError, forbiddenForSentinel, LLM_SECRET_VARS, sentinelEnv, type SentinelConfig } from '../config/index.js';

/**
 * What `plainfra eval` reads: the sentinel's own settings, parsed by the sentinel's schema (provider,
 * model, region, endpoint, with the same cross-field rules and messages), so the eval judges exactly
 * what the sentinel would run; DATABASE_URL serves its temporary database. The sentinel's other
 * settings (queues, metrics) are validated and unused. The AWS data is recorded and nothing is posted.
 */
export type EvalConfig = SentinelConfig;

/**
 * The sentinel's settings from `env`, with `model` (--model) standing for PLAINFRA_MODEL so it is
 * checked against the provider as the sentinel would check it. Refused as the sentinel refuses a
 * model credential beside its provider (an Anthropic API key with bedrock, a Bedrock API key with
 * either); AWS and Slack credentials are not refused, as the eval reaches neither.
 */
export function loadEvalConfig(env: NodeJS.ProcessEnv = process.env, model?: string): EvalConfig {
  // docker compose passes `VAR: ${VAR:-}` as an empty string; empty means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  if (model) present.PLAINFRA_MODEL = model;
  const problems = forbiddenModelCredentials(present);
  const parsed = sentinelEnv.safeParse(present);
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues.map((issue) => {
        const path = issue.path.join('.');
        const variable = path === 'PLAINFRA_MODEL' && model ? '--model' : path || '(environment)';
        const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
        return missing ? `${variable} is required: set it.` : `${variable}: ${issue.message}`;
      }),
    );
  }
  if (problems.length || !parsed.success) throw new ConfigError(`plainfra eval: configuration refused\n  - ${problems.join('\n  - ')}`);
  return parsed.data;
}

function forbiddenModelCredentials(env: NodeJS.ProcessEnv): string[] {
  const forbidden = forbiddenForSentinel(env, { anthropic: [], slack: [], llmSecrets: LLM_SECRET_VARS });
  return forbidden.names
    .filter((name) => env[name] !== undefined)
    .map(
      (name) =>
        `${name} is set, but the sentinel must not hold it, and the eval runs the model as the sentinel would: ` +
        `${forbidden.why} Unset ${name} for plainfra eval.`,
    );
}
