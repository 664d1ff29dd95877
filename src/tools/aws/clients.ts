/**
 * SDK clients, one per (service, account, region, credentials session): they live inside the
 * session that owns their credentials and are destroyed with it. Endpoints are left to the SDK,
 * which honours `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` itself (tests point it at the
 * fake AWS server that way; hawk adds no endpoint settings of its own).
 */
import type { Session } from './session.js';
import type { OperationSpec, SdkClient } from './spec.js';
import type { RateLimiter } from './rate-limit.js';

export interface ClientOptions {
  maxAttempts: number;
  /** Per-attempt wait, applied to services with a tight request quota (Security Hub). */
  rateLimiter?: RateLimiter;
}

/** Per-request socket limits; the run as a whole is bounded by Limits.timeoutMs through an AbortSignal. */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 30_000 };

export function clientFor(session: Session, spec: OperationSpec, region: string, opts: ClientOptions): SdkClient {
  const key = `${spec.client.name}|${region}`;
  const existing = session.clients.get(key);
  if (existing) return existing;
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = session.credentials;
  const client = new spec.client({
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken, expiration },
    // Adaptive mode adds client-side rate limiting on top of backoff when AWS starts throttling.
    retryMode: 'adaptive',
    maxAttempts: opts.maxAttempts,
    requestHandler: REQUEST_HANDLER,
    // Bucket configuration calls go to the bucket's own region; let the SDK follow S3's redirect.
    ...(spec.service === 's3' && { followRegionRedirects: true }),
  });
  const limiter = opts.rateLimiter;
  if (limiter) {
    // finalizeRequest/low runs inside the retry middleware, so retries wait for a token too.
    client.middlewareStack.add(
      (next) => async (args) => {
        await limiter.take();
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'hawkRateLimit' },
    );
  }
  session.clients.set(key, client);
  return client;
}
