import type { Queue } from 'bullmq';

/**
 * Queue backlog as CloudWatch embedded-metric-format (EMF) lines on stdout. On ECS the awslogs
 * driver ships stdout to CloudWatch Logs with the *execution* role, and CloudWatch turns EMF lines
 * into metrics: autoscaling gets a queue-depth metric without giving hawk's or the sentinel's task
 * role cloudwatch:PutMetricData (hawk's may only assume the read-only roles; the sentinel has none).
 *
 * BacklogPerWorker is waiting jobs divided by the worker processes connected to the queue (BullMQ
 * names its worker connections, so Redis can count them): a target-tracking policy on it adds tasks
 * until each holds about the target backlog, whatever the number of replicas.
 */
export interface EmfOptions {
  readonly namespace: string;
  readonly intervalSeconds: number;
  readonly queues: Queue[];
  /** Where lines go; stdout by default (one JSON object per line, as CloudWatch Logs expects). */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
}

/** One EMF document for one queue: backlog (waiting + prioritized), workers, backlog per worker. */
export async function queueBacklogLine(queue: Queue, namespace: string, timestamp: number): Promise<string> {
  const counts = await queue.getJobCounts('waiting', 'prioritized');
  const backlog = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  // CLIENT LIST may be refused by a managed Redis; scale on the whole backlog then (one worker).
  const workers = await queue.getWorkersCount().catch(() => 0);
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['Queue']],
          Metrics: [
            { Name: 'Backlog', Unit: 'Count' },
            { Name: 'Workers', Unit: 'Count' },
            { Name: 'BacklogPerWorker', Unit: 'Count' },
          ],
        },
      ],
    },
    Queue: queue.name,
    Backlog: backlog,
    Workers: workers,
    BacklogPerWorker: backlog / Math.max(1, workers),
  });
}

/** Writes the backlog lines every interval until stopped. The first line goes out at once. */
export function startEmfReporter(opts: EmfOptions): { stop(): void } {
  const write = opts.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = opts.now ?? Date.now;
  const report = async () => {
    for (const queue of opts.queues) {
      try {
        write(await queueBacklogLine(queue, opts.namespace, now()));
      } catch (err) {
        opts.onError?.(err);
      }
    }
  };
  void report();
  const timer = setInterval(() => void report(), opts.intervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
