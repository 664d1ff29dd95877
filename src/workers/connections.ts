import type { CommonConfig } from '../config/index.js';
import { closeDb, connectDb, type Db } from '../db/index.js';
import { createRedis, Enqueuer, waitReady } from '../queues/index.js';
import type { Lifecycle } from './lifecycle.js';

export interface Connections {
  db: Db;
  enqueuer: Enqueuer;
}

/**
 * What every worker process needs: Postgres for the audit trail and a producer for the next step.
 * Each is registered with the lifecycle as soon as it exists, so a Redis that never answers still
 * leaves no Postgres pool open.
 */
export async function openConnections(config: CommonConfig, lifecycle: Lifecycle): Promise<Connections> {
  const db = connectDb(config.DATABASE_URL, config.PLAINFRA_DB_POOL_SIZE);
  lifecycle.defer('postgres', () => closeDb(db));
  const producer = createRedis(config.REDIS_URL, 'producer');
  lifecycle.defer('redis producer', () => producer.disconnect());
  await waitReady(producer);
  const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
  lifecycle.defer('queues', () => enqueuer.close());
  return { db, enqueuer };
}
