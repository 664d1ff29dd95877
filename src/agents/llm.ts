import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import type { LlmUsage } from '../audit/index.js';
import type { ContentBlock, TranscriptMessage } from './transcript.js';
import type { ToolDefinition } from '../tools/index.js';
import { checkModel, type ModelCheck } from './model-check.js';

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
  /** Input, output, cache-read and cache-creation tokens, as the API reports them. */
  usage: LlmUsage;
}
export interface Llm {
  create(req: LlmRequest): Promise<LlmResponse>;
  /** The Models API's view of a model (exists for this key, lifecycle); transports without one skip the start check. */
  checkModel?(model: string): Promise<ModelCheck>;
}

/** An LLM failure with what the loop should do about it. */
export class LlmError extends Error {
  override readonly name = 'LlmError';
  constructor(
    message: string,
    readonly status: number | undefined,
    /** false for requests that will fail the same way again (bad request, bad key). */
    readonly retryable: boolean,
    /** The API's own error message (`error.message` of its JSON body), when it sent one. */
    readonly apiMessage?: string,
  ) {
    super(message);
  }
}

const EPHEMERAL = { type: 'ephemeral' as const };

/**
 * Marks the last block of the last message as a cache breakpoint (with the tools' and the system
 * prompt's, three of the four the API allows): the next step's request starts with this one's
 * messages, so from the second step on most of its input is a cache read.
 */
export function withConversationBreakpoint(messages: TranscriptMessage[]): TranscriptMessage[] {
  const last = messages[messages.length - 1];
  if (!last || last.content.length === 0) return messages;
  const blocks = last.content.map((b, i) => (i === last.content.length - 1 ? { ...b, cache_control: EPHEMERAL } : b));
  return [...messages.slice(0, -1), { ...last, content: blocks }];
}

/** The SDK's own log lines (retries, warnings) into the process's pino log. */
function sdkLogger(logger: Logger) {
  const child = logger.child({ component: 'anthropic-sdk' });
  const at =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, ...rest: unknown[]) =>
      child[level](rest.length ? { details: rest } : {}, String(message));
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/**
 * `messages.create` prints a deprecation warning for models listed in the SDK's
 * `internal/data/deprecated-models.js` with `console.warn`, not through its `logger` option. The
 * warning is emitted synchronously inside `create`, before the request is sent, so swapping
 * `console.warn` for that synchronous span (no other code runs in between) moves exactly that line
 * into the pino log, once per distinct text, and leaves stderr to the process.
 */
function capturingConsoleWarn<T>(onWarn: (text: string) => void, call: () => T): T {
  const original = console.warn;
  console.warn = (...args: unknown[]) => onWarn(args.map(String).join(' '));
  try {
    return call();
  } finally {
    console.warn = original;
  }
}

/** The part of an SDK client the loop uses: Anthropic's, or AnthropicBedrock's (same Messages API, other transport). */
export type MessagesClient = { messages: Pick<Anthropic['messages'], 'create'> };

/** How createAnthropicLlm reaches the model: its own SDK client (a key), or a client it is given. */
export type AnthropicLlmOptions = {
  maxRetries?: number;
  timeoutMs?: number;
  logger?: Logger;
  /** The breakpoint on each step's last message (default on; off only to measure what it saves, bench/llm-steps.ts). */
  conversationBreakpoint?: boolean;
} & (
  | { apiKey: string; baseURL?: string }
  /** Another transport of the same Messages API (AnthropicBedrock, bedrock-llm.ts); no Models API check. */
  | { client: MessagesClient }
);

export function createAnthropicLlm(opts: AnthropicLlmOptions): Llm {
  const anthropic = 'client' in opts ? undefined : anthropicClient(opts);
  const client: MessagesClient = 'client' in opts ? opts.client : anthropic!;
  const onWarn = warnOnce(opts.logger);
  return {
    ...(anthropic && { checkModel: (model: string) => checkModel(anthropic, model) }),
    async create(req) {
      try {
        const msg = await capturingConsoleWarn(onWarn, () =>
          client.messages.create(messagesParams(req, opts.conversationBreakpoint !== false)),
        );
        return llmResponseOf(msg);
      } catch (err) {
        throw llmErrorOf(err);
      }
    },
  };
}

function anthropicClient(opts: AnthropicLlmOptions & { apiKey: string; baseURL?: string }): Anthropic {
  // No SDK retries: every HTTP attempt is a BullMQ attempt of the step, and each writes its own
  // llm_request row (attempt number included), so the audit trail counts every call the model got.
  // BullMQ's exponential backoff (queues/catalog.ts) does the waiting between attempts.
  return new Anthropic({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    maxRetries: opts.maxRetries ?? 0,
    timeout: opts.timeoutMs ?? 120_000,
    ...(opts.logger && { logger: sdkLogger(opts.logger) }),
  });
}

/** The SDK's console warnings into the log, each distinct text once per client. */
function warnOnce(logger: Logger | undefined): (text: string) => void {
  const warned = new Set<string>();
  return (text) => {
    if (warned.has(text)) return;
    warned.add(text);
    logger?.warn({ component: 'anthropic-sdk' }, text);
  };
}

/** The Messages API body of one request, with its cache breakpoints. */
function messagesParams(req: LlmRequest, conversationBreakpoint: boolean): Anthropic.MessageCreateParamsNonStreaming {
  const tools = req.tools.map((t, i) =>
    // One cache breakpoint after the (static) tool list and one on the system prompt.
    i === req.tools.length - 1 ? { ...t, cache_control: EPHEMERAL } : t,
  );
  return {
    model: req.model,
    max_tokens: req.maxTokens,
    system: [{ type: 'text', text: req.system, cache_control: EPHEMERAL }],
    // A call without tools (the digest narrative) sends neither tools nor tool_choice.
    ...(tools.length > 0 && { tools: tools as Anthropic.Tool[], tool_choice: { type: req.toolChoice } }),
    messages: (conversationBreakpoint ? withConversationBreakpoint(req.messages) : req.messages) as unknown as Anthropic.MessageParam[],
  };
}

function llmResponseOf(msg: Anthropic.Message): LlmResponse {
  return {
    id: msg.id,
    model: msg.model,
    content: msg.content as unknown as ContentBlock[],
    stopReason: msg.stop_reason,
    usage: {
      input_tokens: msg.usage.input_tokens,
      output_tokens: msg.usage.output_tokens,
      cache_read_input_tokens: msg.usage.cache_read_input_tokens ?? 0,
      cache_creation_input_tokens: msg.usage.cache_creation_input_tokens ?? 0,
    },
  };
}

/** What the loop should do about a failed call: an API error retried by its status, anything else (no answer) retried. */
function llmErrorOf(err: unknown): LlmError {
  if (err instanceof Anthropic.APIError) {
    const status = err.status;
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    const apiMessage = (err.error as { error?: { message?: unknown } } | undefined)?.error?.message;
    return new LlmError(
      `language model API error${status ? ` (HTTP ${status})` : ''}: ${err.message}`,
      status,
      retryable,
      typeof apiMessage === 'string' ? apiMessage : undefined,
    );
  }
  return new LlmError(`language model unreachable: ${(err as Error).message}`, undefined, true);
}
