import type { CommonConfig } from '../config/index.js';
import { closeDb, connectDb, type Db } from '../db/index.js';
import { createRedis, Enqueuer, waitReady } from '../queues/index.js';

export interface Connections {
  db: Db;
  enqueuer: Enqueuer;
  close(): Promise<void>;
}

/** What every worker process needs: Postgres for the audit trail and a producer for the next step. */
export async function openConnections(config: CommonConfig): Promise<Connections> {
  const db = connectDb(config.DATABASE_URL, config.PLAINFRA_DB_POOL_SIZE);
  const producer = createRedis(config.REDIS_URL, 'producer');
  await waitReady(producer);
  const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
  return {
    db,
    enqueuer,
    async close() {
      await enqueuer.close();
      producer.disconnect();
      await closeDb(db);
    },
  };
}
