import { ConfigError } from '../config/load.js';
import { sentinelEnv } from '../config/env.js';

/**
 * What `plainfra eval` reads: the sentinel's model settings (same names, same validation, so the
 * eval judges exactly what the sentinel would run) and DATABASE_URL for its temporary database.
 * No AWS or Slack settings: the AWS data is recorded and nothing is posted.
 */
export const evalEnv = sentinelEnv.pick({
  DATABASE_URL: true,
  ANTHROPIC_API_KEY: true,
  ANTHROPIC_BASE_URL: true,
  PLAINFRA_MODEL: true,
  PLAINFRA_MAX_STEPS: true,
  PLAINFRA_DOCS_URL: true,
  PLAINFRA_TRANSCRIPT_TOKEN_BUDGET: true,
  LOG_LEVEL: true,
});
export type EvalConfig = ReturnType<typeof evalEnv.parse>;

export function loadEvalConfig(env: NodeJS.ProcessEnv = process.env): EvalConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = evalEnv.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
    return missing ? `${variable} is required: set it.` : `${variable}: ${issue.message}`;
  });
  throw new ConfigError(`plainfra eval: configuration refused\n  - ${problems.join('\n  - ')}`);
}
