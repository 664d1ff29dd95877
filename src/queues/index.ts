/** Queues: the job catalogue, producers and workers (BullMQ over Redis). */
export * from './catalog.js';
export { createRedis, waitReady } from './connection.js';
export { Enqueuer, startWorker, closeWorker, isFinalAttempt, workerOptions } from './queues.js';
export type { PayloadOf } from './queues.js';
export { Permanent, RetryAfter } from './errors.js';
