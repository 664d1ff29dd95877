/**
 * The AWS SDK's default credential chain reads the process environment (and shared files and
 * instance metadata); a test that relies on the chain controls exactly what it can see.
 */

/** What the default chain (and the Bedrock SDK's bearer-token option) reads from the environment. */
const AWS_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_BEARER_TOKEN_BEDROCK',
];

export interface AwsChainEnv {
  /** Clears the chain's variables, then sets `values`; no shared files or instance metadata either way. */
  set(values: Record<string, string>): void;
  /** Puts back the variables as they were when this was created. */
  restore(): void;
}

/** Saves the chain's variables now; `set` them per test and `restore` them after the file. */
export function controlAwsChainEnv(): AwsChainEnv {
  const saved = Object.fromEntries(AWS_ENV.map((k) => [k, process.env[k]]));
  return {
    set(values) {
      for (const k of AWS_ENV) delete process.env[k];
      Object.assign(
        process.env,
        {
          AWS_CONFIG_FILE: '/nonexistent/config',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        values,
      );
    },
    restore() {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    },
  };
}
