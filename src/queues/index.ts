/** Queues: the job catalogue, producers and workers (BullMQ over Redis). */
export * from './catalog.js';
export { createRedis, waitReady } from './connection.js';
export { Enqueuer, startWorker, closeWorker, isFinalAttempt, type WorkerOptions } from './queues.js';
