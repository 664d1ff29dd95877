import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startEmfReporter } from '../src/metrics/index.js';
import { queueBacklogLine } from '../src/metrics/emf.js';
import { emfSettings } from '../src/workers/observability.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/**
 * ECS autoscaling follows a CloudWatch metric that hawk and the sentinel write as embedded-metric
 * JSON on stdout. These check the document CloudWatch would parse, against a real BullMQ queue.
 */
describe('queue backlog as CloudWatch embedded metrics', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let queue: Queue;
  const workers: Worker[] = [];

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue('hawk', { connection: redis, prefix });
    await queue.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'call', data: { i } })));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('reports backlog, connected workers and backlog per worker in EMF', async () => {
    const empty = JSON.parse(await queueBacklogLine(queue, 'plainfra/test', 1_700_000_000_000));
    expect(empty).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'plainfra/test',
            Dimensions: [['Queue']],
            Metrics: [
              { Name: 'Backlog', Unit: 'Count' },
              { Name: 'Workers', Unit: 'Count' },
              { Name: 'BacklogPerWorker', Unit: 'Count' },
            ],
          },
        ],
      },
      Queue: 'hawk',
      Backlog: 6,
      Workers: 0,
      BacklogPerWorker: 6,
    });
    // Two worker processes connected (paused: they take nothing) halve the backlog per worker.
    for (let i = 0; i < 2; i++) {
      const w = new Worker('hawk', async () => undefined, {
        connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
        prefix,
        autorun: false,
      });
      await w.waitUntilReady();
      workers.push(w);
    }
    const two = JSON.parse(await queueBacklogLine(queue, 'plainfra/test', Date.now()));
    expect([two.Backlog, two.Workers, two.BacklogPerWorker]).toEqual([6, 2, 3]);
  });

  it('writes one line per queue at once and then every interval, until stopped', async () => {
    const lines: string[] = [];
    const reporter = startEmfReporter({ namespace: 'plainfra/test', intervalSeconds: 10, queues: [queue], write: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 300));
    reporter.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0]).Queue).toBe('hawk');
  });

  it('is off unless PLAINFRA_EMF_METRICS_SECONDS is set, and refuses a namespace CloudWatch would reject', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', ANTHROPIC_API_KEY: 'k' };
    expect(emfSettings(loadConfig('sentinel', base))).toBeUndefined();
    expect(
      emfSettings(loadConfig('sentinel', { ...base, PLAINFRA_EMF_METRICS_SECONDS: '60', PLAINFRA_EMF_NAMESPACE: 'plainfra/prod' })),
    ).toEqual({
      namespace: 'plainfra/prod',
      intervalSeconds: 60,
    });
    expect(() => loadConfig('hawk', { DATABASE_URL: base.DATABASE_URL, PLAINFRA_EMF_NAMESPACE: 'no{braces}' })).toThrow(
      /PLAINFRA_EMF_NAMESPACE: a CloudWatch namespace/,
    );
    expect(() => loadConfig('hawk', { DATABASE_URL: base.DATABASE_URL, PLAINFRA_EMF_METRICS_SECONDS: '1' })).toThrow(
      /PLAINFRA_EMF_METRICS_SECONDS/,
    );
  });
});
