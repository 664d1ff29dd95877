import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, TranscriptMessage } from './transcript.js';
import type { ToolDefinition } from '../tools/index.js';

/** What the loop needs from a model: one Messages call. An interface so tests can swap the transport. */
export interface LlmRequest {
  model: string;
  maxTokens: number;
  system: string;
  tools: ToolDefinition[];
  messages: TranscriptMessage[];
  toolChoice: 'auto' | 'none';
}
export interface LlmResponse {
  id: string;
  model: string;
  content: ContentBlock[];
  stopReason: string | null;
  usage: Record<string, unknown>;
}
export interface Llm {
  create(req: LlmRequest): Promise<LlmResponse>;
}

/** An LLM failure with what the loop should do about it. */
export class LlmError extends Error {
  override readonly name = 'LlmError';
  constructor(
    message: string,
    readonly status: number | undefined,
    /** false for requests that will fail the same way again (bad request, bad key). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The part of an SDK client the loop uses: Anthropic's, or AnthropicBedrock's (same Messages API, other transport). */
export type MessagesClient = { messages: Pick<Anthropic['messages'], 'create'> };

export function createAnthropicLlm(
  opts: { apiKey: string; baseURL?: string; maxRetries?: number; timeoutMs?: number } | { client: MessagesClient },
): Llm {
  // The SDK retries 429/5xx/529 itself, honouring retry-after; BullMQ's attempts sit on top of that.
  const client: MessagesClient =
    'client' in opts
      ? opts.client
      : new Anthropic({
          apiKey: opts.apiKey,
          baseURL: opts.baseURL,
          maxRetries: opts.maxRetries ?? 2,
          timeout: opts.timeoutMs ?? 120_000,
        });
  return {
    async create(req) {
      const tools = req.tools.map((t, i) =>
        // One cache breakpoint after the (static) tool list and one on the system prompt.
        i === req.tools.length - 1 ? { ...t, cache_control: { type: 'ephemeral' as const } } : t,
      );
      try {
        const msg = await client.messages.create({
          model: req.model,
          max_tokens: req.maxTokens,
          system: [{ type: 'text', text: req.system, cache_control: { type: 'ephemeral' } }],
          // A call without tools (the digest narrative) sends neither tools nor tool_choice.
          ...(tools.length > 0 && { tools: tools as Anthropic.Tool[], tool_choice: { type: req.toolChoice } }),
          messages: req.messages as unknown as Anthropic.MessageParam[],
        });
        return {
          id: msg.id,
          model: msg.model,
          content: msg.content as unknown as ContentBlock[],
          stopReason: msg.stop_reason,
          usage: msg.usage as unknown as Record<string, unknown>,
        };
      } catch (err) {
        if (err instanceof Anthropic.APIError) {
          const status = err.status;
          const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
          throw new LlmError(`language model API error${status ? ` (HTTP ${status})` : ''}: ${err.message}`, status, retryable);
        }
        throw new LlmError(`language model unreachable: ${(err as Error).message}`, undefined, true);
      }
    },
  };
}
