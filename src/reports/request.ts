/**
 * What a report covers: `[cost|security|all] [7d|30d|mtd|last-month] [account NAME]`. One parser for
 * the three ways to ask — `/plainfra-report` text, `plainfra digest --what --period` and a schedule's
 * `channels bind … --what --period` — so the same words mean the same report everywhere. Pure: no
 * I/O, so the bot can answer a bad command within Slack's 3 s without touching AWS or the model.
 */

export const REPORT_WHATS = ['cost', 'security', 'all'] as const;
export type ReportWhat = (typeof REPORT_WHATS)[number];

export const REPORT_PERIODS = ['7d', '30d', 'mtd', 'last-month'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

export interface ReportRequest {
  what: ReportWhat;
  period: ReportPeriod;
  /** One bound account by name; absent = every account bound to the channel. */
  account?: string;
}

export const DEFAULT_REPORT_REQUEST: ReportRequest = { what: 'all', period: '7d' };

/** Account names as `plainfra accounts add` accepts them. */
const ACCOUNT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export type ParsedReportRequest = { ok: true; request: ReportRequest } | { ok: false; help: boolean; problem?: string };

const isWhat = (w: string): w is ReportWhat => (REPORT_WHATS as readonly string[]).includes(w);
const isPeriod = (w: string): w is ReportPeriod => (REPORT_PERIODS as readonly string[]).includes(w);

/** Slack shows at most this much of an unknown word back to the user. */
const ECHO_MAX = 40;
const echo = (w: string) => `"${w.length > ECHO_MAX ? `${w.slice(0, ECHO_MAX - 1)}…` : w}"`;

/**
 * Parses the words of a report request, in any order. Keywords are case-insensitive; an account
 * name is kept as written. `help` (or `-h`/`--help`) asks for the usage; anything else unknown, a
 * second scope or period, or `account` without a valid name is a problem the usage explains.
 */
export function parseReportWords(words: readonly string[]): ParsedReportRequest {
  let what: ReportWhat | undefined;
  let period: ReportPeriod | undefined;
  let account: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const raw = words[i]!;
    const w = raw.toLowerCase();
    if (w === 'help' || w === '-h' || w === '--help' || w === '?') return { ok: false, help: true };
    if (isWhat(w)) {
      if (what !== undefined && what !== w)
        return { ok: false, help: false, problem: `choose one of cost, security or all (got both "${what}" and "${w}")` };
      what = w;
    } else if (isPeriod(w)) {
      if (period !== undefined && period !== w)
        return { ok: false, help: false, problem: `choose one period (got both "${period}" and "${w}")` };
      period = w;
    } else if (w === 'account') {
      const name = words[i + 1];
      if (name === undefined) return { ok: false, help: false, problem: '"account" needs the name of a bound account after it' };
      if (!ACCOUNT_NAME.test(name))
        return { ok: false, help: false, problem: `${echo(name)} is not an account name (letters, digits, "_", "." and "-")` };
      if (account !== undefined && account !== name)
        return { ok: false, help: false, problem: `name one account (got "${account}" and "${name}")` };
      account = name;
      i++;
    } else {
      return { ok: false, help: false, problem: `I don't know the word ${echo(raw)}` };
    }
  }
  return {
    ok: true,
    request: { what: what ?? DEFAULT_REPORT_REQUEST.what, period: period ?? DEFAULT_REPORT_REQUEST.period, ...(account && { account }) },
  };
}

/** `/plainfra-report` text: words separated by spaces (Slack sends the text after the command). */
export function parseReportText(text: string): ParsedReportRequest {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return parseReportWords(words);
}

/**
 * `--what X --period Y [--account NAME]` flags, checked by the same parser; each flag only takes
 * words of its own kind (`--what 30d` is refused, not read as a period).
 */
export function parseReportFlags(flags: { what?: string; period?: string; account?: string }): ParsedReportRequest {
  if (flags.what !== undefined && !isWhat(flags.what.toLowerCase()))
    return { ok: false, help: false, problem: `--what must be one of ${REPORT_WHATS.join(', ')} (got ${echo(flags.what)})` };
  if (flags.period !== undefined && !isPeriod(flags.period.toLowerCase()))
    return { ok: false, help: false, problem: `--period must be one of ${REPORT_PERIODS.join(', ')} (got ${echo(flags.period)})` };
  const words = [flags.what, flags.period, ...(flags.account !== undefined ? ['account', flags.account] : [])].filter(
    (w): w is string => w !== undefined,
  );
  return parseReportWords(words);
}

/** The usage message, naming every valid word (`problem` first when there was one). */
export function reportUsage(problem?: string): string {
  return [
    ...(problem ? [`Sorry, ${problem}.`, ''] : []),
    '*Usage:* `/plainfra-report [cost|security|all] [7d|30d|mtd|last-month] [account NAME]`, words in any order.',
    '• `cost` — cost by service, daily cost, forecast and anomalies; `security` — Security Hub findings; `all` (default) — both.',
    '• `7d` (default) — the last 7 full days vs the 7 before; `30d` — the last 30 days vs the 30 before; ' +
      '`mtd` — this month to yesterday vs the same days of last month; `last-month` — last calendar month vs the month before.',
    '• `account NAME` — only that account (it must be bound to this channel); default every bound account.',
    '• `help` — this message.',
    'Example: `/plainfra-report cost 30d account prod`',
  ].join('\n');
}

/** The request as words again (for logs, the audit row and the question text). */
export function describeReportRequest(r: ReportRequest): string {
  return [r.what, r.period, ...(r.account ? ['account', r.account] : [])].join(' ');
}
