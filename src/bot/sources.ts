import { isKind, toolInputOf, turnIdOf, type AuditEvent } from '../audit/index.js';
import { AWS_LINKS, safePlainText, type LinkPolicy } from './safe-text.js';

/**
 * The Sources button on every answer and the modal it opens: for that answer's turn, each AWS call
 * (account, region, service, operation, the parameters that matter, cache hit, when), each docs page
 * fetched, the figures each call supplied (from the grounding row) and the `plainfra audit` line.
 * Built from the audit trail alone: no AWS request, no LLM call. Every string that came from the
 * model or AWS is made inert (no mentions, no links) and cut to Slack's limits.
 */

export const SOURCES_ACTION = 'plainfra_sources';

/** Slack's modal limits: 100 blocks, 3 000 characters per text, a 24-character title. */
const MAX_BLOCKS = 100;
const MAX_TEXT = 3_000;

export interface SourcesRef {
  conversationId: string;
  turnId: string;
}

/** The actions block an answer carries; its value names the turn (Slack signs it back to us). */
export function sourcesButton(ref: SourcesRef): Record<string, unknown> {
  return {
    type: 'actions',
    block_id: 'plainfra_sources_block',
    elements: [
      {
        type: 'button',
        action_id: SOURCES_ACTION,
        text: { type: 'plain_text', text: 'Sources', emoji: false },
        value: JSON.stringify({ c: ref.conversationId, t: ref.turnId }),
      },
    ],
  };
}

export function parseSourcesValue(value: unknown): SourcesRef | undefined {
  if (typeof value !== 'string' || value.length > 200) return undefined;
  try {
    const v = JSON.parse(value) as { c?: unknown; t?: unknown };
    if (typeof v.c === 'string' && /^[0-9a-f-]{36}$/.test(v.c) && typeof v.t === 'string' && /^\d{1,18}$/.test(v.t))
      return { conversationId: v.c, turnId: v.t };
  } catch {
    /* not ours */
  }
  return undefined;
}

/** Parameters worth showing: time period, granularity, metrics, group-by, filters, region-ish keys. */
const KEY_PARAMS = [
  'TimePeriod',
  'DateInterval',
  'Granularity',
  'Metrics',
  'Metric',
  'GroupBy',
  'Filter',
  'Filters',
  'InstanceIds',
  'MaxResults',
  'Dimension',
  'SearchString',
];

function keyParams(p: Record<string, unknown> | undefined): string {
  if (!p) return '';
  const parts: string[] = [];
  for (const k of KEY_PARAMS) {
    if (p[k] === undefined) continue;
    const v = p[k];
    if (k === 'TimePeriod' || k === 'DateInterval') {
      const t: Record<string, unknown> = v !== null && typeof v === 'object' ? { ...v } : {};
      parts.push(`${k} ${String(t.Start ?? t.StartDate ?? '?')} → ${String(t.End ?? t.EndDate ?? '…')} (end exclusive)`);
    } else parts.push(`${k} ${JSON.stringify(v)}`);
  }
  const others = Object.keys(p).filter((k) => !KEY_PARAMS.includes(k));
  if (others.length) parts.push(`also ${others.join(', ')}`);
  return parts.join('; ');
}

const cut = (s: string, max = MAX_TEXT) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function section(text: string) {
  return { type: 'section', text: { type: 'mrkdwn', text: cut(text) } };
}
function context(text: string) {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: cut(text) }] };
}

function modal(blocks: object[]) {
  return {
    type: 'modal',
    callback_id: 'plainfra_sources_view',
    title: { type: 'plain_text', text: 'Sources', emoji: false },
    close: { type: 'plain_text', text: 'Close', emoji: false },
    blocks,
  };
}

/** One AWS call's outcome as the modal states it. */
function callOutcome(res: AuditEvent<'tool_result' | 'refused'> | undefined): string {
  if (!res) return 'no result recorded';
  if (res.kind === 'refused') return `refused: ${res.payload.reason}`;
  if (res.payload.status !== 'ok') return `error: ${res.payload.message ?? ''}`;
  return res.payload.cache === 'hit' ? 'ok, from the Cost Explorer cache' : 'ok';
}

export interface SourcesThread {
  channel: string;
  threadTs: string;
}

/** Blocks kept after the entries for the two closing notes (no calls used; the operators' audit command). */
const CLOSING_ROOM = 2;

const PRUNED_TEXT =
  'The audit records behind this answer are no longer kept (plainfra deletes a conversation’s trail after its ' +
  'retention period), so its sources cannot be shown.';

/**
 * The modal for one turn. `trail` is the conversation's trail as read now; an empty turn means
 * retention pruned it (or it never existed), and the modal says so.
 */
export function buildSourcesView(
  trail: AuditEvent[],
  turnId: string,
  thread: SourcesThread | undefined,
  links: LinkPolicy = AWS_LINKS,
): Record<string, unknown> {
  const safe = (s: string) => safePlainText(s, links);
  const auditLine = thread ? `Operators: \`plainfra audit --thread ${safe(thread.channel)}:${safe(thread.threadTs)}\`` : '';
  const closing = auditLine ? [context(auditLine)] : [];
  if (!trail.some((r) => r.kind === 'message_in' && String(r.id) === turnId)) return modal([section(PRUNED_TEXT), ...closing]);

  const turn = readTurn(trail, turnId);
  const heading = section(
    `*AWS calls behind this answer: ${turn.aws.length}*${turn.docs.length ? ` · docs pages: ${turn.docs.length}` : ''}`,
  );
  const entries = [
    ...turn.aws.map((c) => section(awsCallLines(c, turn, safe).join('\n'))),
    ...turn.docs.map((d) => section(docsPageLine(d, turn, safe))),
    ...groundingNotes(turn, safe),
  ];
  if (turn.aws.length === 0 && turn.docs.length === 0) closing.unshift(context('This answer used no AWS call and no docs page.'));
  return modal([heading, ...fitEntries(entries, MAX_BLOCKS - 1 - CLOSING_ROOM), ...closing].slice(0, MAX_BLOCKS));
}

/** One turn's calls, their results by tool_use id, its last figure check and the figures each call supplied. */
interface TurnSources {
  aws: AuditEvent<'tool_call'>[];
  docs: AuditEvent<'tool_call'>[];
  results: Map<string, AuditEvent<'tool_result' | 'refused'>>;
  grounding: AuditEvent<'grounding'> | undefined;
  supplied: Map<string, string[]>;
}

function readTurn(trail: AuditEvent[], turnId: string): TurnSources {
  const inTurn = trail.filter((r) => turnIdOf(r) === turnId);
  const results = new Map<string, AuditEvent<'tool_result' | 'refused'>>();
  for (const r of inTurn.filter(isKind('tool_result', 'refused'))) if (r.payload.toolUseId) results.set(r.payload.toolUseId, r);
  const grounding = inTurn.filter(isKind('grounding')).at(-1);
  const supplied = new Map<string, string[]>();
  for (const f of grounding?.payload.figures ?? []) {
    if (!f.verified) continue;
    for (const ref of f.refs ?? []) supplied.set(ref, [...(supplied.get(ref) ?? []), f.text]);
  }
  const calls = inTurn.filter(isKind('tool_call'));
  return {
    aws: calls.filter((c) => c.payload.tool !== 'aws_docs'),
    docs: calls.filter((c) => c.payload.tool === 'aws_docs'),
    results,
    grounding,
    supplied,
  };
}

const when = (e: AuditEvent) => `${e.createdAt.toISOString().replace('T', ' ').slice(0, 19)} UTC`;

/** What was asked of AWS, where, with which key parameters, how it went, and which figures it supplied. */
function awsCallLines(c: AuditEvent<'tool_call'>, turn: TurnSources, safe: (s: string) => string): string[] {
  const input = toolInputOf(c.payload.input);
  const region = input.region ?? (input.service === 'ce' ? 'us-east-1 (global)' : 'the account’s regions');
  const params = keyParams(input.params);
  const figures = turn.supplied.get(c.payload.toolUseId);
  return [
    `*${safe(`${input.service ?? '?'} ${input.operation ?? '?'}`)}* — account ${safe(c.payload.account ?? '?')}, region ${safe(region)}`,
    params ? safe(cut(params, 1_200)) : '',
    `${safe(callOutcome(turn.results.get(c.payload.toolUseId)).slice(0, 300))} · ${when(c)}`,
    figures ? `Figures from this call: ${safe(figures.join(', ').slice(0, 600))}` : '',
  ].filter(Boolean);
}

function docsPageLine(d: AuditEvent<'tool_call'>, turn: TurnSources, safe: (s: string) => string): string {
  const res = turn.results.get(d.payload.toolUseId);
  const fetched = res?.kind === 'tool_result' && res.payload.status === 'ok';
  return `*Docs page* ${safe(toolInputOf(d.payload.input).url ?? '?')} — ${fetched ? 'fetched' : 'not fetched'} · ${when(d)}`;
}

/** Figures taken from the question itself, and what the figure check did (or that none was recorded). */
function groundingNotes(turn: TurnSources, safe: (s: string) => string): object[] {
  const notes: object[] = [];
  const fromQuestion = turn.supplied.get('question');
  if (fromQuestion) notes.push(context(`Figures from your question: ${safe(fromQuestion.join(', ').slice(0, 600))}`));
  if (!turn.grounding) notes.push(context('No figure check was recorded for this answer.'));
  else if (turn.grounding.payload.verdict === 'removed') {
    const removed = turn.grounding.payload.figures.filter((f) => !f.verified).length;
    notes.push(context(`${removed} figure(s) the AWS data did not support were removed from the answer.`));
  }
  return notes;
}

/** At most `room` blocks: past that, the last one says how many more the audit trail holds. */
function fitEntries(entries: object[], room: number): object[] {
  if (entries.length <= room) return entries;
  return [...entries.slice(0, room - 1), context(`…and ${entries.length - room + 1} more; the whole list is in the audit trail.`)];
}
