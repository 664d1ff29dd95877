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
  const inTurn = trail.filter((r) => turnIdOf(r) === turnId);
  const question = trail.find((r) => r.kind === 'message_in' && String(r.id) === turnId);
  if (!question) {
    return modal([
      section(
        'The audit records behind this answer are no longer kept (plainfra deletes a conversation’s trail after its retention period), so its sources cannot be shown.',
      ),
      ...(auditLine ? [context(auditLine)] : []),
    ]);
  }
  const results = new Map<string, AuditEvent<'tool_result' | 'refused'>>();
  for (const r of inTurn.filter(isKind('tool_result', 'refused'))) if (r.payload.toolUseId) results.set(r.payload.toolUseId, r);
  const supplied = new Map<string, string[]>();
  const grounding = inTurn.filter(isKind('grounding')).at(-1);
  for (const f of grounding?.payload.figures ?? []) {
    if (!f.verified) continue;
    for (const ref of f.refs ?? []) supplied.set(ref, [...(supplied.get(ref) ?? []), f.text]);
  }

  const blocks: object[] = [];
  const calls = inTurn.filter(isKind('tool_call'));
  const aws = calls.filter((c) => c.payload.tool !== 'aws_docs');
  const docs = calls.filter((c) => c.payload.tool === 'aws_docs');
  blocks.push(section(`*AWS calls behind this answer: ${aws.length}*${docs.length ? ` · docs pages: ${docs.length}` : ''}`));
  const entries: object[] = [];
  for (const c of aws) {
    const input = toolInputOf(c.payload.input);
    const outcome = callOutcome(results.get(c.payload.toolUseId));
    const lines = [
      `*${safe(`${input.service ?? '?'} ${input.operation ?? '?'}`)}* — account ${safe(c.payload.account ?? '?')}, region ${safe(input.region ?? (input.service === 'ce' ? 'us-east-1 (global)' : 'the account’s regions'))}`,
      keyParams(input.params) ? safe(cut(keyParams(input.params), 1_200)) : '',
      `${safe(outcome.slice(0, 300))} · ${c.createdAt.toISOString().replace('T', ' ').slice(0, 19)} UTC`,
      supplied.has(c.payload.toolUseId)
        ? `Figures from this call: ${safe(supplied.get(c.payload.toolUseId)!.join(', ').slice(0, 600))}`
        : '',
    ].filter(Boolean);
    entries.push(section(lines.join('\n')));
  }
  for (const d of docs) {
    const url = toolInputOf(d.payload.input).url ?? '?';
    const res = results.get(d.payload.toolUseId);
    entries.push(
      section(
        `*Docs page* ${safe(url)} — ${res?.kind === 'tool_result' && res.payload.status === 'ok' ? 'fetched' : 'not fetched'} · ${d.createdAt.toISOString().replace('T', ' ').slice(0, 19)} UTC`,
      ),
    );
  }
  const fromQuestion = supplied.get('question');
  if (fromQuestion) entries.push(context(`Figures from your question: ${safe(fromQuestion.join(', ').slice(0, 600))}`));
  if (!grounding) entries.push(context('No figure check was recorded for this answer.'));
  else if (grounding.payload.verdict === 'removed')
    entries.push(
      context(
        `${grounding.payload.figures.filter((f) => !f.verified).length} figure(s) the AWS data did not support were removed from the answer.`,
      ),
    );
  // Room for the heading and the two closing blocks.
  const room = MAX_BLOCKS - blocks.length - 2;
  if (entries.length > room) {
    blocks.push(...entries.slice(0, room - 1), context(`…and ${entries.length - room + 1} more; the whole list is in the audit trail.`));
  } else blocks.push(...entries);
  if (aws.length === 0 && docs.length === 0) blocks.push(context('This answer used no AWS call and no docs page.'));
  if (auditLine) blocks.push(context(auditLine));
  return modal(blocks.slice(0, MAX_BLOCKS));
}
