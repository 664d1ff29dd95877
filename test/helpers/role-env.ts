import { REDIS_URL } from './redis.js';

/**
 * The environment a spawned role process gets in tests: only its own secrets, as in production
 * (see roleEnvironments in processes.ts for the whole stack at once).
 */

/** Hawk's AWS access: static test keys, one region, every AWS call sent to the fake AWS at `awsUrl`. */
export function hawkAwsEnv(awsUrl: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'AKIDHAWKEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'hawk-secret',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: awsUrl,
  };
}

/** A lone `plainfra hawk` on the test Redis under `prefix`, logged in with `databaseUrl`, against the fake AWS. */
export function hawkProcessEnv(o: { databaseUrl: string; prefix: string; awsUrl: string }): Record<string, string> {
  return { DATABASE_URL: o.databaseUrl, REDIS_URL, PLAINFRA_QUEUE_PREFIX: o.prefix, ...hawkAwsEnv(o.awsUrl) };
}
