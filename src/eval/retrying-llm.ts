import { LlmError, type Llm } from '../agents/index.js';

/**
 * The sentinel's client makes one HTTP attempt per call: a failed step is re-run by the queue
 * (BullMQ attempts). The eval runs each step once, as the final attempt, so an overloaded API (429,
 * 529) would fail the question; these retries stand in for the queue's. A refusal (400, 401, 403,
 * 404) fails at once, as it would on the queue.
 */
export function withRetries(llm: Llm, retries = 2, firstDelayMs = 1_000): Llm {
  return {
    ...llm,
    async create(req) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await llm.create(req);
        } catch (err) {
          if (!(err instanceof LlmError) || !err.retryable || attempt >= retries) throw err;
          await new Promise((resolve) => setTimeout(resolve, firstDelayMs * 2 ** attempt));
        }
      }
    },
  };
}
