import { z } from 'zod';
import { AUDIT_ACTORS, type AuditActor } from '../db/index.js';

/**
 * The audit trail's event catalogue: one payload schema per `kind`, each field named once. The
 * trail is the conversation's state (the sentinel rebuilds its transcript from it, the sweep and
 * retention query it), so a field renamed here is a compile error in every reader, not a silent
 * `undefined` in one of them.
 *
 * Schemas are loose objects: a writer may add a field (token counts, hashes) without touching the
 * readers, and rows written by an older version still parse. Fields are required only where the
 * loop cannot do without them (which turn a row belongs to, which tool call a result answers).
 */

const turnId = z.string();
const step = z.number().int();
const nullableString = z.string().nullable();

/** A Messages API content block as the model sent it (text, tool_use, …); replayed verbatim. */
export const contentBlockSchema = z.looseObject({ type: z.string() });
export type ContentBlock = z.infer<typeof contentBlockSchema>;

export const messageInPayload = z.looseObject({
  text: z.string(),
  user: z.string().optional(),
  channel: z.string().optional(),
  team: z.string().optional(),
  ts: nullableString.optional(),
  thread_ts: nullableString.optional(),
  event_id: nullableString.optional(),
  trigger_id: nullableString.optional(),
  source: z.string().optional(),
  command: nullableString.optional(),
  /** The weekly digest rather than a free question; retention keeps these longer. */
  report: z.boolean().optional(),
  externally_shared: z.boolean().optional(),
  /** The accounts the channel could query when the question came in (a digest uses exactly these). */
  accounts: z.array(z.string()).optional(),
  /** A report's scope and period (`/plainfra-report cost 30d`); absent on older rows = all, 7d. */
  report_request: z
    .looseObject({
      what: z.enum(['cost', 'security', 'all']),
      period: z.enum(['7d', '30d', 'mtd', 'last-month']),
      account: z.string().optional(),
    })
    .optional(),
});

export const llmRequestPayload = z.looseObject({
  turnId,
  step,
  attempt: z.number().int().optional(),
  model: z.string().optional(),
  toolChoice: z.string().optional(),
  messageCount: z.number().int().optional(),
  lastMessage: z.unknown().optional(),
  purpose: z.string().optional(),
});

/**
 * Token usage of one Messages call as the API reports it. Cache reads and writes are billed apart
 * from plain input (reads at a tenth of the price), so all four are kept; `plainfra audit` totals them.
 */
export const llmUsageSchema = z.looseObject({
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  cache_read_input_tokens: z.number().int().nonnegative().nullable().optional(),
  cache_creation_input_tokens: z.number().int().nonnegative().nullable().optional(),
});
export type LlmUsage = z.infer<typeof llmUsageSchema>;

export const llmResponsePayload = z.looseObject({
  turnId,
  step,
  id: z.string().optional(),
  model: z.string().optional(),
  stopReason: nullableString.optional(),
  usage: llmUsageSchema.optional(),
  content: z.array(contentBlockSchema),
});

/**
 * A tool call's input as the model wrote it. The row keeps it verbatim (a malformed call is still
 * recorded and refused), so readers see it through this view: a field of the wrong type reads as
 * absent instead of being cast.
 */
export const toolInputView = z.looseObject({
  service: z.string().optional().catch(undefined),
  operation: z.string().optional().catch(undefined),
  region: z.string().optional().catch(undefined),
  params: z.record(z.string(), z.unknown()).optional().catch(undefined),
  url: z.string().optional().catch(undefined),
});
export type ToolInput = z.infer<typeof toolInputView>;

/** The fields of a tool call's input that readers use; `{}` when the input is not an object. */
export function toolInputOf(input: unknown): ToolInput {
  const parsed = toolInputView.safeParse(input ?? {});
  return parsed.success ? parsed.data : {};
}

export const toolCallPayload = z.looseObject({
  turnId,
  step: step.optional(),
  toolUseId: z.string(),
  tool: z.string().optional(),
  input: z.unknown().optional(),
  account: z.string().optional(),
  roleArn: z.string().optional(),
});

export const toolResultPayload = z.looseObject({
  turnId,
  step: step.optional(),
  toolUseId: z.string(),
  tool: z.string().optional(),
  account: z.string().optional(),
  /** `ok`, or `error` with `message` (and `kind`: the AWS error class, e.g. `trust`). */
  status: z.string().optional(),
  /** `hit` when hawk answered from the Cost Explorer cache. */
  cache: z.string().optional(),
  /** hawk's successful result, stored once as JSON; the transcript serialises it for the model. */
  result: z.unknown().optional(),
  /** The text the model reads, when it is not `result` as JSON. */
  forModel: z.string().optional(),
  isError: z.boolean().optional(),
  kind: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
});

/** hawk refused a Cost Explorer call because a spend budget (per question or per workspace-day) is used up. */
export const budgetRefusalSchema = z.object({
  kind: z.literal('ce'),
  which: z.enum(['question', 'day']),
  limit: z.number(),
  /** Pages of the refused call already requested before the budget ran out (mid-pagination). */
  pagesSpent: z.number().int().optional(),
});

/**
 * A refusal: of a whole question by the bot (no bound account; `reason` is the refusal code and
 * there is no turnId), or of one tool call (`toolUseId`, with `forModel` for the model to read).
 */
export const refusedPayload = z.looseObject({
  reason: z.string(),
  message: z.string().optional(),
  turnId: turnId.optional(),
  step: step.optional(),
  toolUseId: z.string().optional(),
  tool: z.string().optional(),
  input: z.unknown().optional(),
  forModel: z.string().optional(),
  isError: z.boolean().optional(),
  channel: z.string().optional(),
  team: z.string().optional(),
  /**
   * Which budget refused the call: hawk's Cost Explorer budget (an object), or `docs` when the
   * sentinel refused an aws_docs fetch over the question's page budget (`limit` pages).
   */
  budget: z.union([budgetRefusalSchema, z.literal('docs')]).optional(),
  limit: z.number().int().optional(),
});

export const messageOutPayload = z.looseObject({
  turnId,
  channel: z.string().optional(),
  thread_ts: nullableString.optional(),
  ts: nullableString.optional(),
  ts_all: z.array(z.string()).optional(),
  text: z.string().optional(),
  outcome: z.string().optional(),
  /** A report's computed tables, as posted (`plainfra ask --json` prints them). */
  reports: z.array(z.unknown()).optional(),
});

/** Failures worth keeping: an LLM call, a turn ended early (`outcome`), a reply Slack refused (`stage`). */
export const errorPayload = z.looseObject({
  turnId: turnId.optional(),
  step: step.optional(),
  attempt: z.number().int().optional(),
  where: z.string().optional(),
  status: z.number().int().nullable().optional(),
  message: z.string().optional(),
  outcome: z.string().optional(),
  toolUseId: z.string().optional(),
  tool: z.string().optional(),
  kind: z.string().optional(),
  willRetry: z.boolean().optional(),
  stage: z.string().optional(),
  slack_error: z.string().optional(),
  channel: z.string().optional(),
  thread_ts: nullableString.optional(),
  posted: z.array(z.string()).optional(),
});

/**
 * What an operator changed with the admin CLI (actor `admin`, owner login only: the chain trigger
 * holds every process login to its own actor). Admin rows live in one chain per workspace
 * (`adminConversationId`, src/audit/admin.ts), never in a question's conversation, and retention
 * keeps them. They never carry an ExternalId: every process role can read the trail.
 */
export const ADMIN_ACTIONS = [
  'account_added',
  'account_verify',
  'external_id_rotation_started',
  'external_id_rotation_cancelled',
  'external_id_rotated',
  'external_id_shown',
  'account_removed',
  'channel_bound',
  'channel_unbound',
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export const adminPayload = z.looseObject({
  action: z.enum(ADMIN_ACTIONS),
  team: z.string(),
  /** Who ran the command, as the machine running the CLI knows them (OS user @ host). */
  operator: z.string().optional(),
  account: z.string().optional(),
  /** `aws_accounts.id`: stays meaningful after the account is removed and its name reused. */
  accountId: z.number().int().optional(),
  roleArn: z.string().optional(),
  channel: z.string().optional(),
  /** `accounts verify`: whether every check passed. */
  ok: z.boolean().optional(),
});

/** One figure of a checked answer: as written, whether the AWS data supports it, by which rule, from which calls. */
export const groundedFigureSchema = z.looseObject({
  text: z.string(),
  value: z.number(),
  kind: z.string(),
  verified: z.boolean(),
  rule: z.string().optional(),
  /** tool_use ids (or `question`) whose values supplied the figure. */
  refs: z.array(z.string()).optional(),
});

/**
 * The sentinel's check of an answer's figures (src/grounding) before it leaves: `grounded` (every
 * figure supported), `sent_back` (the draft went back to the model once; `forModel` is what it
 * read) or `removed` (figures still unsupported were replaced in the reply).
 */
export const groundingPayload = z.looseObject({
  turnId,
  step,
  verdict: z.enum(['grounded', 'sent_back', 'removed']),
  figures: z.array(groundedFigureSchema),
  forModel: z.string().optional(),
  purpose: z.string().optional(),
});

export const auditPayloadSchemas = {
  message_in: messageInPayload,
  llm_request: llmRequestPayload,
  llm_response: llmResponsePayload,
  tool_call: toolCallPayload,
  tool_result: toolResultPayload,
  refused: refusedPayload,
  message_out: messageOutPayload,
  error: errorPayload,
  grounding: groundingPayload,
  admin: adminPayload,
} as const;

export type AuditKind = keyof typeof auditPayloadSchemas;
export type AuditPayload<K extends AuditKind> = z.infer<(typeof auditPayloadSchemas)[K]>;

/** The kind and payload of every event, discriminated by `kind`. */
export const auditEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message_in'), payload: messageInPayload }),
  z.object({ kind: z.literal('llm_request'), payload: llmRequestPayload }),
  z.object({ kind: z.literal('llm_response'), payload: llmResponsePayload }),
  z.object({ kind: z.literal('tool_call'), payload: toolCallPayload }),
  z.object({ kind: z.literal('tool_result'), payload: toolResultPayload }),
  z.object({ kind: z.literal('refused'), payload: refusedPayload }),
  z.object({ kind: z.literal('message_out'), payload: messageOutPayload }),
  z.object({ kind: z.literal('error'), payload: errorPayload }),
  z.object({ kind: z.literal('grounding'), payload: groundingPayload }),
  z.object({ kind: z.literal('admin'), payload: adminPayload }),
]);

/** Columns every row has, whatever its kind. */
export interface AuditEnvelope {
  id: number;
  createdAt: Date;
  conversationId: string;
  actor: AuditActor;
  stepKey: string | null;
}

/** One parsed row of the trail; narrow on `kind` to read its payload. */
export type AuditEvent<K extends AuditKind = AuditKind> = K extends AuditKind
  ? AuditEnvelope & { kind: K; payload: AuditPayload<K> }
  : never;

/** What a writer hands `recordAudit`: the payload as its schema accepts it. */
export type AuditEventInput<K extends AuditKind = AuditKind> = K extends AuditKind
  ? { conversationId: string; actor: AuditActor; kind: K; payload: z.input<(typeof auditPayloadSchemas)[K]>; stepKey?: string }
  : never;

/** A stored row as Postgres returns it, before parsing (what `plainfra audit` prints). */
export interface AuditRow {
  id: number;
  createdAt: Date;
  conversationId: string;
  actor: string;
  kind: string;
  stepKey: string | null;
  payload: unknown;
}

/** A stored row that does not match the catalogue: reported to the caller, never cast. */
export interface InvalidAuditRow {
  id: number;
  conversationId: string;
  kind: string;
  problems: string;
}

export type ParsedAuditRow = { ok: true; event: AuditEvent } | { ok: false; invalid: InvalidAuditRow };

export function parseAuditRow(row: AuditRow): ParsedAuditRow {
  const actor = AUDIT_ACTORS.find((a) => a === row.actor);
  const parsed = auditEventSchema.safeParse({ kind: row.kind, payload: row.payload });
  if (!parsed.success || !actor) {
    const problems = parsed.success ? `unknown actor ${row.actor}` : describeIssues(parsed.error);
    return { ok: false, invalid: { id: row.id, conversationId: row.conversationId, kind: row.kind, problems } };
  }
  const envelope: AuditEnvelope = { id: row.id, createdAt: row.createdAt, conversationId: row.conversationId, actor, stepKey: row.stepKey };
  // Spreading a discriminated union member keeps its kind/payload pairing.
  return { ok: true, event: { ...envelope, ...parsed.data } };
}

/** Validates a payload before it is written, so a malformed event fails at its writer. */
export function parseAuditInput<E extends AuditEventInput>(input: E): { kind: E['kind']; payload: AuditPayload<E['kind']> } {
  const parsed = auditEventSchema.safeParse({ kind: input.kind, payload: input.payload });
  if (!parsed.success) {
    throw new Error(`audit event ${input.kind} does not match its schema: ${describeIssues(parsed.error)}`);
  }
  return parsed.data as { kind: E['kind']; payload: AuditPayload<E['kind']> };
}

/** `field: problem; …`, with paths relative to the payload (where almost every problem is). */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${(i.path[0] === 'payload' ? i.path.slice(1) : i.path).join('.')}: ${i.message}`).join('; ');
}

/** The turn an event belongs to; undefined for a question (message_in: its id is the turn) and admin rows. */
export function turnIdOf(e: AuditEvent): string | undefined {
  return e.kind === 'message_in' || e.kind === 'admin' ? undefined : e.payload.turnId;
}

/** The stored rows that parse, as typed events (what readers of raw rows, e.g. `plainfra audit`, total). */
export function parsedEvents(rows: AuditRow[]): AuditEvent[] {
  return rows.flatMap((r) => {
    const parsed = parseAuditRow(r);
    return parsed.ok ? [parsed.event] : [];
  });
}

/** Narrows an event to one kind (for `find`/`filter`). */
export function isKind<K extends AuditKind>(...kinds: K[]): (e: AuditEvent) => e is AuditEvent<K> {
  return (e): e is AuditEvent<K> => (kinds as AuditKind[]).includes(e.kind);
}

/**
 * The step-key grammar, spelled in one place. A step key makes one write idempotent within its
 * conversation: a retried job finds the row its earlier attempt wrote instead of doing the work twice.
 */
export const stepKey = {
  /** A question accepted from one Slack delivery (event id, `trigger:…` or `digest:…`). */
  in: (deliveryKey: string) => `in:${deliveryKey}`,
  /** The model's response at one step of a turn. */
  llm: (turn: string | number, stepNo: number) => `llm:${turn}:${stepNo}`,
  /** A tool call about to run. */
  call: (turn: string | number, toolUseId: string) => `call:${turn}:${toolUseId}`,
  /** The result (or refusal) of one tool call. */
  result: (turn: string | number, toolUseId: string) => `result:${turn}:${toolUseId}`,
  /** The figure check of the answer drafted at one step. */
  grounding: (turn: string | number, stepNo: number) => `grounding:${turn}:${stepNo}`,
  /** A turn ended without an answer (step cap, LLM failure, abandoned). */
  end: (turn: string | number) => `end:${turn}`,
  /** The turn's reply was posted. */
  out: (turn: string | number) => `out:${turn}`,
  /**
   * One file of the reply (a chart), claimed before it is uploaded: a retried or concurrent reply
   * job finds the claim and does not upload it again.
   */
  upload: (turn: string | number, part: number) => `upload:${turn}:${part}`,
  /** Slack refused the reply for good. */
  outError: (turn: string | number) => `out-error:${turn}`,
  /** The sentinel refused a turn at one step: its thread may no longer query any account. */
  refusedAt: (turn: string | number, stepNo: number) => `refused:${turn}:${stepNo}`,
  /** The question was refused (no bound account). */
  refused: (turn: string | number) => `refused:${turn}`,
} as const;

/**
 * The prefix of a per-turn step key, for SQL that matches keys by turn (`prefix || m.id`): built by
 * the same function as the key, so the SQL cannot drift from the code that writes it.
 */
export function stepKeyPrefix(kind: 'end' | 'out' | 'outError' | 'refused'): string {
  return stepKey[kind]('');
}

/**
 * A payload field's name, checked against the catalogue: for SQL such as `payload->>'report'`.
 * Checked against the schema's declared shape, not the payload type: loose objects accept any key,
 * so `keyof` the payload would let a renamed field through.
 */
export function payloadField<K extends AuditKind, F extends keyof (typeof auditPayloadSchemas)[K]['shape'] & string>(
  _kind: K,
  field: F,
): F {
  return field;
}
