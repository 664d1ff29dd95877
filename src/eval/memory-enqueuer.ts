import { Enqueuer, QUEUES, type PayloadOf, type QueueName } from '../queues/index.js';

/** One queued job; narrowing on `name` gives the payload its queue's type. */
export type MemoryJob = { [N in QueueName]: { name: N; id: string; payload: PayloadOf<N> } }[QueueName];

/**
 * The eval drives one question at a time in this process, so jobs are kept in memory instead of
 * Redis: the same payload validation and job ids as the real Enqueuer, no queue server needed.
 */
export class MemoryEnqueuer extends Enqueuer {
  readonly jobs: MemoryJob[] = [];

  constructor() {
    // The base class only touches Redis when a queue is first used, which `add` below never does.
    super(undefined as never, 'plainfra-eval');
  }

  override async add<N extends QueueName>(name: N, payload: PayloadOf<N>): Promise<string> {
    const def = QUEUES[name];
    const data = def.schema.parse(payload);
    const id = (def.jobId as (p: unknown) => string)(data);
    // Queue N's schema parsed the payload, as in Enqueuer.add; TypeScript cannot follow N through QUEUES[N].
    const job = { name, id, payload: data } as MemoryJob;
    // Same job id, same job: a second add is a no-op, as in BullMQ.
    if (!this.jobs.some((j) => j.name === name && j.id === id)) this.jobs.push(job);
    return id;
  }

  /** Takes the oldest job not yet taken. */
  next(): MemoryJob | undefined {
    const i = this.jobs.findIndex((j) => !this.taken.has(`${j.name}:${j.id}`));
    if (i < 0) return undefined;
    const job = this.jobs[i]!;
    this.taken.add(`${job.name}:${job.id}`);
    return job;
  }
  private readonly taken = new Set<string>();
}
