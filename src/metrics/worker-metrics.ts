import type { Job, Queue, Worker } from 'bullmq';
import { CallbackGauge, Counter, Histogram, renderAll, type Metric } from './registry.js';

/** Queue states reported as depth (completed/failed jobs are history, not depth). */
const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized'] as const;

/**
 * What hawk and the sentinel expose on their metrics port. Each role registers only what it does:
 * hawk the AWS calls, Cost Explorer requests and refusals; the sentinel the LLM requests and tokens.
 * Queue depth is read from Redis at scrape time, so it is the same whichever replica is scraped —
 * the number to autoscale on.
 */
export class WorkerMetrics {
  readonly jobDuration = new Histogram({
    name: 'plainfra_job_duration_seconds',
    help: 'Time from a worker taking a job to finishing it, by queue and outcome (completed, failed).',
  });
  readonly llmRequests = new Counter({
    name: 'plainfra_llm_requests_total',
    help: 'LLM Messages calls made by the sentinel, by outcome (ok, error).',
  });
  readonly llmTokens = new Counter({
    name: 'plainfra_llm_tokens_total',
    help: 'LLM tokens by type (input, output, cache_read, cache_creation), from the API usage of each response.',
  });
  readonly awsCalls = new Counter({
    name: 'plainfra_hawk_aws_calls_total',
    help: 'aws_query calls run by hawk, by service, operation and status (ok, refused, error).',
  });
  readonly ceRequests = new Counter({
    name: 'plainfra_hawk_cost_explorer_requests_total',
    help: 'Billable Cost Explorer requests (every page counts; cache hits are free and not counted).',
  });
  readonly ceCacheHits = new Counter({
    name: 'plainfra_hawk_cost_explorer_cache_hits_total',
    help: 'Cost Explorer calls answered from the Redis cache.',
  });
  readonly refusals = new Counter({
    name: 'plainfra_refusals_total',
    help: 'aws_query calls refused before or instead of an AWS request, by stage (input, allowlist, scope, budget, runner).',
  });
  private readonly metrics: Metric[];

  constructor(
    readonly role: 'hawk' | 'sentinel',
    queues: Queue[],
  ) {
    const depth = new CallbackGauge(
      { name: 'plainfra_queue_jobs', help: 'Jobs in a queue by state (waiting, active, delayed, prioritized), read from Redis.' },
      async () => {
        const rows = await Promise.all(
          queues.map(async (q) => {
            const counts = await q.getJobCounts(...DEPTH_STATES);
            return DEPTH_STATES.map((state) => ({ labels: { queue: q.name, state }, value: counts[state] ?? 0 }));
          }),
        );
        return rows.flat();
      },
    );
    this.metrics =
      role === 'hawk'
        ? [depth, this.jobDuration, this.awsCalls, this.ceRequests, this.ceCacheHits, this.refusals]
        : [depth, this.jobDuration, this.llmRequests, this.llmTokens];
  }

  /** Times every job the worker finishes. */
  watch(worker: Worker, queue: string): void {
    const done = (outcome: 'completed' | 'failed') => (job: Job | undefined) => {
      if (job?.processedOn && job.finishedOn) this.jobDuration.observe({ queue, outcome }, (job.finishedOn - job.processedOn) / 1000);
    };
    worker.on('completed', done('completed'));
    worker.on('failed', done('failed'));
  }

  /** Counts one LLM response's usage (the Messages API's field names). */
  llmUsage(usage: Record<string, unknown>): void {
    const n = (k: string) => (typeof usage[k] === 'number' ? (usage[k] as number) : 0);
    this.llmTokens.inc({ type: 'input' }, n('input_tokens'));
    this.llmTokens.inc({ type: 'output' }, n('output_tokens'));
    this.llmTokens.inc({ type: 'cache_read' }, n('cache_read_input_tokens'));
    this.llmTokens.inc({ type: 'cache_creation' }, n('cache_creation_input_tokens'));
  }

  render(): Promise<string> {
    return renderAll(this.metrics);
  }
}
