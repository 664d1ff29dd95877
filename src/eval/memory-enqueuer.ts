import { Enqueuer, QUEUES, type QueueName } from '../queues/index.js';

/**
 * The eval drives one question at a time in this process, so jobs are kept in memory instead of
 * Redis: the same payload validation and job ids as the real Enqueuer, no queue server needed.
 */
export class MemoryEnqueuer extends Enqueuer {
  readonly jobs: { name: QueueName; id: string; payload: any }[] = [];

  constructor() {
    // The base class only touches Redis when a queue is first used, which `add` below never does.
    super(undefined as never, 'plainfra-eval');
  }

  override async add(name: QueueName, payload: any): Promise<string> {
    const def = QUEUES[name];
    const data = def.schema.parse(payload);
    const id = (def.jobId as (p: unknown) => string)(data);
    // Same job id, same job: a second add is a no-op, as in BullMQ.
    if (!this.jobs.some((j) => j.name === name && j.id === id)) this.jobs.push({ name, id, payload: data });
    return id;
  }

  /** Takes the oldest job not yet taken. */
  next(): { name: QueueName; id: string; payload: any } | undefined {
    const i = this.jobs.findIndex((j) => !this.taken.has(`${j.name}:${j.id}`));
    if (i < 0) return undefined;
    const job = this.jobs[i]!;
    this.taken.add(`${job.name}:${job.id}`);
    return job;
  }
  private readonly taken = new Set<string>();
}
