/**
 * A cost + security report (the weekly digest, or `/plainfra-report`) as a Slack message: Block
 * Kit plus a plain fallback. Every figure comes from
 * the computed report (formatted exactly as the model saw it); every piece of text from AWS or the
 * model passes through safeSlackText/safePlainText here, at posting time (escaped, mentions broken,
 * links other than AWS's and the docs host's defanged — a Marketplace product name or a finding's
 * title is as untrusted as the model).
 */
import {
  SEVERITIES,
  costTableLines,
  formatDelta,
  formatMoney,
  formatPct,
  formatSpan,
  periodLabels,
  type Report,
} from '../reports/index.js';
import { AWS_LINKS, cleanUntrusted, defangLinks, escapeSlack, safePlainText, safeSlackText, type LinkPolicy } from './safe-text.js';

/** Slack's limits: 50 blocks a message, 3 000 characters a section, 150 a header. */
export const MAX_BLOCKS = 50;
export const MAX_SECTION_CHARS = 3000;
const MAX_HEADER_CHARS = 150;
const MAX_CONTEXT_CHARS = 2000;
const NEW_CRITICAL_SHOWN = 5;
const ANOMALIES_SHOWN = 3;
const SEVERITY_NAMES: Record<(typeof SEVERITIES)[number], string> = {
  CRITICAL: 'Critical',
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
  INFORMATIONAL: 'Informational',
};

/** One line of untrusted text, cut, made safe for mrkdwn. */
function safeLine(s: string, links: LinkPolicy, max = 200): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return safeSlackText(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat, links);
}

/** Untrusted text shown as inline code (no backticks can close it early). */
function safeCode(s: string, links: LinkPolicy, max = 160): string {
  const flat = s.replace(/[`\s]+/g, ' ').trim();
  return `\`${safePlainText(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat, links)}\``;
}

/**
 * Cuts already-safe text to `max` characters: never inside an `&amp;`-style entity, and a ``` fence
 * left open by the cut is closed.
 */
export function clip(text: string, max = MAX_SECTION_CHARS): string {
  if (text.length <= max) return text;
  const room = max - 5; // "…" + "\n```"
  let cut = room;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && cut - amp < 6 && !text.slice(amp, cut).includes(';')) cut = amp;
  let out = `${text.slice(0, cut)}…`;
  if ((out.match(/```/g) ?? []).length % 2 === 1) out += '\n```';
  return out;
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text) } });
const context = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, MAX_CONTEXT_CHARS) }] });
const divider = () => ({ type: 'divider' });

function costBlocks(report: Report, links: LinkPolicy): object[] {
  const cost = report.cost;
  const labels = periodLabels(report.periodKind);
  if (!cost) return [section(`*Cost by service*: not available ${labels.inCurrent} (see below).`)];
  // Cells are defanged before the columns are aligned (`[.]` is wider than `.`), then each line is
  // escaped: Slack shows `&amp;` as one character.
  const cell = (s: string) => defangLinks(cleanUntrusted(s.length > 40 ? `${s.slice(0, 39)}…` : s).replace(/\s+/g, ' '), links);
  const lines = costTableLines(report, cell).map(escapeSlack);
  const total = `*${formatMoney(cost.totalThis, report.currency)}* ${labels.inCurrent}`;
  const change = `${formatDelta(cost.delta)} (${formatPct(cost.deltaPct)}) ${labels.vsPrevious}`;
  const head = `*Cost by service* (${escapeSlack(report.currency)}, unblended): ${total}, ${change}`;
  return [
    section(`${head}\n\`\`\`\n${lines.join('\n')}\n\`\`\``),
    context('Charts in the thread: cost by service for both periods, and cost per day by service.'),
  ];
}

function forecastBlock(report: Report): object {
  const f = report.forecast;
  if (!f) return section('*Forecast*: not available.');
  return section(`*Forecast* for the rest of the month (${formatSpan(f)}): ${formatMoney(f.amount, report.currency)}`);
}

function anomalyBlock(report: Report, links: LinkPolicy): object {
  const a = report.anomalies;
  if (!a) return section('*Cost anomalies*: not available.');
  const when = periodLabels(report.periodKind).inCurrent;
  if (a.count === 0) return section(`*Cost anomalies* ${when}: none detected.`);
  const lines = a.top
    .slice(0, ANOMALIES_SHOWN)
    .map((x) => `• ${safeLine(x.description, links)} — impact ${formatMoney(x.impact, report.currency)}`);
  const more = a.count - Math.min(ANOMALIES_SHOWN, a.top.length);
  if (more > 0) lines.push(`_…and ${more} more_`);
  return section([`*Cost anomalies* ${when}: ${a.count}`, ...lines].join('\n'));
}

function findingsBlock(report: Report): object {
  const f = report.findings;
  if (!f) return section('*Security Hub*: not available.');
  const counts = SEVERITIES.map((s) => `${SEVERITY_NAMES[s]} ${f.bySeverity[s]}`).join(' · ');
  return section(`*Security Hub* open findings (new or notified): ${f.total}\n${counts}`);
}

function newCriticalBlock(report: Report, links: LinkPolicy): object {
  const list = report.newCritical;
  if (!list) return section('*New critical findings*: not available.');
  const count = Math.max(report.newCriticalCount ?? 0, list.length);
  const when = periodLabels(report.periodKind).inCurrent;
  if (count === 0) return section(`*New critical findings* ${when}: none.`);
  const lines = list
    .slice(0, NEW_CRITICAL_SHOWN)
    .map((f) => `• ${safeLine(f.title, links)}${f.resource ? ` — ${safeCode(f.resource, links)}` : ''}`);
  const shown = Math.min(NEW_CRITICAL_SHOWN, list.length);
  if (count > shown) lines.push(`_…and ${count - shown} more_`);
  return section([`:rotating_light: *New critical findings* ${when}: ${count}`, ...lines].join('\n'));
}

function problemsBlock(report: Report, links: LinkPolicy): object | undefined {
  if (report.problems.length === 0) return undefined;
  const lines = report.problems.slice(0, 10).map((p) => `• ${safeLine(p, links, 300)}`);
  if (report.problems.length > 10) lines.push(`_…and ${report.problems.length - 10} more_`);
  return section([':warning: *Some data is missing or incomplete*', ...lines].join('\n'));
}

function fallbackText(report: Report, links: LinkPolicy): string {
  const parts: string[] = [];
  const labels = periodLabels(report.periodKind);
  if (report.cost) {
    const change = `${formatPct(report.cost.deltaPct)} ${labels.vsPrevious}`;
    parts.push(`cost ${formatMoney(report.cost.totalThis, report.currency)} ${labels.inCurrent} (${change})`);
  }
  if (report.findings) parts.push(`${report.findings.bySeverity.CRITICAL} critical / ${report.findings.total} open Security Hub findings`);
  if (report.newCritical) parts.push(`${Math.max(report.newCriticalCount ?? 0, report.newCritical.length)} new critical`);
  if (report.problems.length > 0) parts.push('some data missing');
  const head = `${labels.title} — ${report.account}`;
  return safePlainText(parts.length > 0 ? `${head}: ${parts.join('; ')}.` : `${head}.`, links);
}

function sources(report: Report): string {
  return report.what === 'cost'
    ? 'AWS Cost Explorer'
    : report.what === 'security'
      ? 'AWS Security Hub'
      : 'AWS Cost Explorer and Security Hub';
}

/** `links`: the process's link policy (AWS hosts plus PLAINFRA_DOCS_URL's); AWS's only when absent. */
export function reportMessage(report: Report, narrative: string, links: LinkPolicy = AWS_LINKS): { text: string; blocks: object[] } {
  const labels = periodLabels(report.periodKind);
  const headerText = `${labels.title} — ${report.account.replace(/\s+/g, ' ')}`;
  const shown = defangLinks(cleanUntrusted(headerText), links);
  const header = shown.length > MAX_HEADER_CHARS ? `${shown.slice(0, MAX_HEADER_CHARS - 1)}…` : shown;
  const blocks: object[] = [{ type: 'header', text: { type: 'plain_text', text: escapeSlack(header), emoji: false } }];
  const story = narrative.trim();
  if (story) blocks.push(section(safeSlackText(story, links)));
  // Only the sections asked for (`/plainfra-report cost` shows no Security Hub section at all).
  if (report.what !== 'security') blocks.push(divider(), ...costBlocks(report, links), forecastBlock(report), anomalyBlock(report, links));
  if (report.what !== 'cost') blocks.push(divider(), findingsBlock(report), newCriticalBlock(report, links));
  const problems = problemsBlock(report, links);
  if (problems) blocks.push(problems);
  const { current, previous } = report.period;
  const periods = `${labels.current} ${formatSpan(current)} · ${labels.previous.toLowerCase()} ${formatSpan(previous)} (UTC)`;
  blocks.push(context(`${periods} · numbers computed by plainfra from ${sources(report)}`));
  return { text: fallbackText(report, links), blocks: blocks.slice(0, MAX_BLOCKS) };
}
