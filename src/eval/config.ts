import { ConfigError } from '../config/load.js';
import { z } from 'zod';
import { sentinelEnv } from '../config/env.js';

/**
 * What `plainfra eval` reads: the sentinel's model settings (same names, same validation, so the
 * eval judges exactly what the sentinel would run) and DATABASE_URL for its temporary database.
 * No AWS or Slack settings: the AWS data is recorded and nothing is posted.
 */
const sentinel = sentinelEnv.shape;
export const evalEnv = z.object({
  DATABASE_URL: sentinel.DATABASE_URL,
  // The sentinel may run on Bedrock without it; the eval talks to the Anthropic API only (so far).
  ANTHROPIC_API_KEY: z.string().min(1, 'ANTHROPIC_API_KEY is required for plainfra eval (it runs against the Anthropic API)'),
  ANTHROPIC_BASE_URL: sentinel.ANTHROPIC_BASE_URL,
  PLAINFRA_MODEL: sentinel.PLAINFRA_MODEL,
  PLAINFRA_MAX_STEPS: sentinel.PLAINFRA_MAX_STEPS,
  PLAINFRA_DOCS_URL: sentinel.PLAINFRA_DOCS_URL,
  PLAINFRA_TRANSCRIPT_TOKEN_BUDGET: sentinel.PLAINFRA_TRANSCRIPT_TOKEN_BUDGET,
  LOG_LEVEL: sentinel.LOG_LEVEL,
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
