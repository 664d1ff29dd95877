import { z } from 'zod';
import { BEDROCK_API_KEY_VAR, llmProviderFields, refineLlmProvider } from './llm-provider.js';

/**
 * Per-role environment schemas. Each process role reads only its own secrets and refuses to start
 * when handed another role's: a leaked Slack token in the AWS worker, or AWS keys in the LLM worker,
 * would undo the separation that makes plainfra safe by construction.
 */
export type Role = 'bot' | 'hawk' | 'sentinel' | 'admin';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

const common = {
  DATABASE_URL: z.string().url('DATABASE_URL must be a postgres:// URL, e.g. postgres://plainfra@127.0.0.1:5432/plainfra'),
  REDIS_URL: z.string().url('REDIS_URL must be a redis:// URL, e.g. redis://127.0.0.1:6379').default('redis://127.0.0.1:6379'),
  PLAINFRA_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'PLAINFRA_QUEUE_PREFIX: letters, digits, _ or -, at most 64')
    .default('plainfra'),
  LOG_LEVEL: logLevel,
  /**
   * Postgres connections per process. Each intake holds one for two short round trips; a burst of
   * mentions waits on free slots, so the bot needs more than a worker. @defaultValue 10
   */
  PLAINFRA_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Redis AUTH password, for a REDIS_URL without one (the ECS template injects it from Secrets
   * Manager, as PGPASSWORD is for Postgres, so the URL itself holds no secret).
   */
  REDIS_PASSWORD: z.string().min(1).optional(),
  /** How long a worker holds a job before another may take it over after a crash (BullMQ lock). */
  PLAINFRA_JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /**
   * After SIGTERM, how long a process may take to finish the jobs in hand and close its connections
   * before it exits anyway (jobs cut off are re-run by another worker). Below the orchestrator's
   * kill timeout (ECS stopTimeout, Kubernetes terminationGracePeriodSeconds: 30 s by default).
   * @defaultValue 25_000
   */
  PLAINFRA_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(25_000),
};

const docsUrl = z.string().url('PLAINFRA_DOCS_URL must be a URL, e.g. https://docs.aws.amazon.com').default('https://docs.aws.amazon.com');

export const botEnv = z.object({
  ...common,
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'SLACK_BOT_TOKEN must be the bot token (xoxb-…) from the Slack app page'),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'SLACK_APP_TOKEN must be an app-level token (xapp-…)').optional(),
  SLACK_API_URL: z.string().url().default('https://slack.com/api/'),
  /** Set to skip auth.test at start-up (tests, or when the ids are known). */
  SLACK_BOT_USER_ID: z.string().optional(),
  SLACK_BOT_ID: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /**
   * Not a secret: the bot reads it only to know which docs host may stay a link in what it posts
   * (the sentinel fetches from it). Must match the sentinel's value.
   */
  PLAINFRA_DOCS_URL: docsUrl,
});

/** hawk's and the sentinel's own health/metrics port and CloudWatch backlog metrics. */
const workerObservability = {
  /** Port for GET /healthz and GET /metrics (Prometheus); unset = no port at all. */
  PLAINFRA_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * Seconds between CloudWatch EMF lines with queue backlog on stdout (ECS autoscaling on queue
   * depth, docs/deploy-aws.md). @defaultValue off
   */
  PLAINFRA_EMF_METRICS_SECONDS: z.coerce.number().int().min(10).max(3600).optional(),
  /** CloudWatch namespace of those metrics. @defaultValue plainfra */
  PLAINFRA_EMF_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9 ._/#:-]{1,255}$/, 'PLAINFRA_EMF_NAMESPACE: a CloudWatch namespace, e.g. plainfra/prod')
    .default('plainfra'),
};

export const hawkEnv = z.object({
  ...common,
  AWS_REGION: z.string().default('us-east-1'),
  ...workerObservability,
  /** Parallel hawk jobs per process. */
  PLAINFRA_HAWK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Cost Explorer requests (each page is one, $0.01 each) one question may make; cache hits are free.
   * Counted in Redis across every hawk process. @defaultValue 20
   */
  PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION: z.coerce
    .number({ message: 'PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION must be a whole number of requests, e.g. 20' })
    .int('PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION must be a whole number of requests, e.g. 20')
    .min(4, 'PLAINFRA_MAX_CE_REQUESTS_PER_QUESTION must be at least 4: a digest reads 4 Cost Explorer results per account')
    .max(10_000)
    .default(20),
  /** Cost Explorer requests per Slack workspace per UTC day, all questions and digests together. @defaultValue 1000 */
  PLAINFRA_MAX_CE_REQUESTS_PER_DAY: z.coerce
    .number({ message: 'PLAINFRA_MAX_CE_REQUESTS_PER_DAY must be a whole number of requests, e.g. 1000' })
    .int('PLAINFRA_MAX_CE_REQUESTS_PER_DAY must be a whole number of requests, e.g. 1000')
    .min(1, 'PLAINFRA_MAX_CE_REQUESTS_PER_DAY must be at least 1')
    .max(10_000_000)
    .default(1000),
});

export const sentinelEnv = z
  .object({
    ...common,
    /** PLAINFRA_LLM_PROVIDER, ANTHROPIC_API_KEY, AWS_REGION… (src/config/llm-provider.ts). */
    ...llmProviderFields,
    PLAINFRA_MODEL: z.string().min(1).default('claude-sonnet-5-5'),
    PLAINFRA_DOCS_URL: docsUrl,
    /** LLM calls per question before the loop stops with an explanation. */
    PLAINFRA_MAX_STEPS: z.coerce.number().int().min(1).max(50).default(8),
    PLAINFRA_SENTINEL_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    ...workerObservability,
    /** aws_docs pages one question may fetch; counted from the audit trail. @defaultValue 10 */
    PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION: z.coerce
      .number({ message: 'PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION must be a whole number, e.g. 10' })
      .int('PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION must be a whole number, e.g. 10')
      .min(0, 'PLAINFRA_MAX_DOCS_FETCHES_PER_QUESTION must be 0 (no docs) or more')
      .max(100)
      .default(10),
    /**
     * Estimated tokens (characters / 4) of the thread replayed to the model at each step, beyond the
     * newest step's tool results and the current question. @defaultValue 16000
     */
    PLAINFRA_TRANSCRIPT_TOKEN_BUDGET: z.coerce
      .number({ message: 'PLAINFRA_TRANSCRIPT_TOKEN_BUDGET must be a whole number of tokens, e.g. 16000' })
      .int()
      .min(2_000, 'PLAINFRA_TRANSCRIPT_TOKEN_BUDGET must be at least 2000 tokens')
      .max(150_000, "PLAINFRA_TRANSCRIPT_TOKEN_BUDGET must be at most 150000 tokens (the model's context is 200000)")
      .default(16_000),
  })
  .superRefine(refineLlmProvider);

const rolePassword = z.string().min(12, 'must be at least 12 characters').optional();

export const adminEnv = z.object({
  ...common,
  /** `plainfra migrate` names the process logins `<prefix>bot`, `<prefix>hawk`, `<prefix>sentinel`. */
  PLAINFRA_DB_ROLE_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'PLAINFRA_DB_ROLE_PREFIX: lower-case letters, digits or _, starting with a letter or _')
    .default('plainfra_'),
  /** Passwords `plainfra migrate` sets on the process logins; unset leaves a login's password as it is. */
  PLAINFRA_DB_PASSWORD_BOT: rolePassword,
  PLAINFRA_DB_PASSWORD_HAWK: rolePassword,
  PLAINFRA_DB_PASSWORD_SENTINEL: rolePassword,
});

export type BotConfig = z.infer<typeof botEnv>;
export type HawkConfig = z.infer<typeof hawkEnv>;
export type SentinelConfig = z.infer<typeof sentinelEnv>;
export type AdminConfig = z.infer<typeof adminEnv>;
export type CommonConfig = z.infer<z.ZodObject<typeof common>>;

export const AWS_CREDENTIAL_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  // Files the default chain reads credentials from: as good as the keys themselves.
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
];
export const SLACK_SECRET_VARS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'];
/** The Anthropic SDK authenticates with either; the Bedrock SDK with a Bedrock API key. */
export const LLM_SECRET_VARS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', BEDROCK_API_KEY_VAR];

/**
 * Variables each role must NOT be given (the GUIDE's "refuses" column). The sentinel's list is the
 * one of the default anthropic provider; loadConfig asks forbiddenForSentinel for the bedrock one.
 */
export const FORBIDDEN: Record<Role, readonly string[]> = {
  bot: [...AWS_CREDENTIAL_VARS, ...LLM_SECRET_VARS],
  hawk: [...LLM_SECRET_VARS, ...SLACK_SECRET_VARS],
  sentinel: [...AWS_CREDENTIAL_VARS, ...SLACK_SECRET_VARS, BEDROCK_API_KEY_VAR],
  admin: [],
};
