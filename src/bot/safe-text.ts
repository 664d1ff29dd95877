/**
 * Making untrusted text (anything written by the model or read from AWS) safe to post to Slack.
 *
 * Slack parses three kinds of control sequences out of message text: `<!channel>`-style special
 * mentions, `<@U…>` / `<#C…>` / `<!subteam^S…>` references and `<url|label>` links. They can only
 * form from a literal `<`, so escaping `&`, `<` and `>` (Slack's own rule) makes every one of them
 * inert, including pre-escaped attempts: `&lt;!channel&gt;` becomes `&amp;lt;!channel&amp;gt;`, which
 * Slack shows as the harmless text "&lt;!channel&gt;". On top of that, plain `@channel`/`@here`/
 * `@name` words get a zero-width space after the `@` so no parse mode (`link_names`) can turn them
 * into notifications, and bidi/invisible formatting characters are dropped so a message cannot hide
 * or reorder what the reader sees. Markdown the model writes is mapped to Slack mrkdwn
 * (`**bold**` → `*bold*`, `# Heading` → `*Heading*`, `[label](url)` → `label (url)` — never a
 * disguised `<url|label>` link); `code`, *bold*, _italic_ and bullet lists pass through unchanged.
 */

/** Slack's documented escapes; `&` first so the other two are not double-escaped. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ZWSP = '\u200B';

/**
 * Every invisible formatting character (Unicode "Cf": bidi overrides, zero-width joiners, the tag
 * block that can smuggle hidden text to other bots reading the channel) and the blank "filler"
 * letters, which could reorder or hide text. Newlines and tabs stay.
 */
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u3164\uFFA0]/gu;
/** Line and paragraph separators render as breaks in some clients and not others: make them plain. */
const SEPARATORS = /[\u2028\u2029]/g;
/** C0/C1 control characters except tab and newline. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** `@word` at the start of a word (so e-mail addresses stay intact): `@channel`, `@here`, `@alice`. */
const AT_WORD = /(^|[^\p{L}\p{N}_.+-])@(?=[\p{L}\p{N}_])/gu;

/** Makes untrusted text safe to post as Slack mrkdwn. Idempotence is not a goal: call it once, at posting time. */
export function safeSlackText(untrusted: string): string {
  const cleaned = untrusted.replace(/\r\n?/g, '\n').replace(SEPARATORS, '\n').replace(CONTROL, '').replace(INVISIBLE, '');
  const mrkdwn = markdownToMrkdwn(cleaned);
  return escapeSlack(mrkdwn).replace(AT_WORD, `$1@${ZWSP}`);
}

/**
 * CommonMark-isms models like to write, mapped to Slack mrkdwn outside code. Runs before escaping,
 * so it only ever produces `*`, `(`, `)` and text — never `<`.
 */
export function markdownToMrkdwn(text: string): string {
  const lines = text.split('\n');
  let inFence = false;
  return lines
    .map((line) => {
      if (/^\s*```/.test(line)) {
        inFence = !inFence;
        return line;
      }
      if (inFence) return line;
      const heading = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
      if (heading) return `*${stripBold(heading[1]!)}*`;
      return outsideInlineCode(line, (s) =>
        s
          .replace(/\*\*(\S(?:.*?\S)?)\*\*/g, '*$1*')
          .replace(/__(\S(?:.*?\S)?)__/g, '*$1*')
          .replace(/!?\[([^\]\n]*)\]\(\s*([^)\s]+)\s*\)/g, (_m, label: string, url: string) =>
            label.trim() && label.trim() !== url ? `${label} (${url})` : url,
          )
          .replace(/^(\s*)[*+] (?=\S)/, '$1• ')
          .replace(BARE_URL, (url) => (isTrustedLinkHost(url) ? url : `\`${url}\``)),
      );
    })
    .join('\n');
}

/**
 * Slack turns bare URLs into links. A link the model (or an AWS resource it quotes) chose is a
 * phishing vector, so only AWS's own hosts stay clickable; other URLs are shown as code, readable
 * and copyable but not one click away.
 */
const BARE_URL = /\bhttps?:\/\/[^\s()<>`|]+/gi;
const TRUSTED_LINK_HOST = /(^|\.)(aws\.amazon\.com|amazonaws\.com|awsstatic\.com)$/i;

function isTrustedLinkHost(url: string): boolean {
  try {
    return TRUSTED_LINK_HOST.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

function stripBold(s: string): string {
  return s.replace(/\*\*/g, '').replace(/^\*(.*)\*$/, '$1');
}

/** Applies `fn` to the parts of a line that are not inside `inline code`. */
function outsideInlineCode(line: string, fn: (s: string) => string): string {
  const parts = line.split(/(`[^`\n]*`)/);
  return parts.map((p, i) => (i % 2 === 1 ? p : fn(p))).join('');
}

/** Slack's hard limit is 40 000 characters; shorter messages read better and stay under section limits. */
export const MAX_MESSAGE_CHARS = 3500;

/**
 * Splits already-safe text into messages of at most `max` characters, at line boundaries where
 * possible (then at spaces, then anywhere but inside an `&amp;`-style entity). A ``` fence left open
 * at a cut is closed in that message and reopened in the next, so code blocks render in both.
 */
export function splitMessage(text: string, max = MAX_MESSAGE_CHARS): string[] {
  const fence = '```';
  // Room for a closing "\n```" and an opening "```\n" when a cut lands inside a code block.
  const budget = max - 2 * (fence.length + 1);
  if (budget < 16) throw new Error(`splitMessage: max ${max} is too small`);
  const out: string[] = [];
  let rest = text;
  let reopen = false;
  while (rest.length > 0) {
    const prefix: string = reopen ? `${fence}\n` : '';
    if (prefix.length + rest.length <= max) {
      out.push(prefix + rest);
      break;
    }
    const cut = cutPoint(rest, budget);
    let chunk = rest.slice(0, cut).replace(/\s+$/, '');
    rest = rest.slice(cut).replace(/^\n+/, '');
    const open: boolean = countFences(prefix + chunk) % 2 === 1;
    if (open) chunk += `\n${fence}`;
    out.push(prefix + chunk);
    reopen = open;
  }
  return out.filter((m) => m.trim().length > 0);
}

function cutPoint(text: string, budget: number): number {
  const window = text.slice(0, budget + 1);
  const newline = window.lastIndexOf('\n');
  if (newline > budget / 2) return newline + 1;
  const space = window.lastIndexOf(' ');
  if (space > budget / 2) return space + 1;
  // Hard cut: do not split an entity such as &amp; / &lt; / &gt;.
  let cut = budget;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp > cut - 5 && /^&(amp|lt|gt);/.test(text.slice(amp, amp + 5)) && amp + text.slice(amp).indexOf(';') >= cut)
    cut = amp;
  // Nor a surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}

function countFences(s: string): number {
  return (s.match(/```/g) ?? []).length;
}
