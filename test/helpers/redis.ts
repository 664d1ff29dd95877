import { randomBytes } from 'node:crypto';

/** The Redis every test shares; isolation comes from a unique BullMQ prefix per test file. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh queue prefix (PLAINFRA_QUEUE_PREFIX), e.g. `t-3f9a1c2b7d`. */
export function uniquePrefix(): string {
  return `t-${randomBytes(5).toString('hex')}`;
}
