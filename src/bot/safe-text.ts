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
 * or reorder what the reader sees. Markdown the model writes is mapped to Slack mrkdwn (mrkdwn.ts),
 * and every URL or domain that is not one of the allowed hosts is defanged (links.ts), inside code
 * too. Everything here is linear in the input: the text is model- or AWS-written, and the bot has
 * one event loop.
 */
import { AWS_LINKS, defangLinks, type LinkPolicy } from './links.js';
import { countOccurrences, markdownToMrkdwn } from './mrkdwn.js';

export { markdownToMrkdwn } from './mrkdwn.js';
export { AWS_LINKS, AWS_LINK_HOSTS, defangLinks, linkPolicy, type LinkPolicy } from './links.js';

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
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each listed code point is an invisible filler matched on its own, on purpose
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u3164\uFFA0]/gu;
/** Line and paragraph separators render as breaks in some clients and not others: make them plain. */
const SEPARATORS = /[\u2028\u2029]/g;
/** C0/C1 control characters except tab and newline. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** `@word` at the start of a word (so e-mail addresses stay intact): `@channel`, `@here`, `@alice`. */
const AT_WORD = /(^|[^\p{L}\p{N}_.+-])@(?=[\p{L}\p{N}_])/gu;

/**
 * Untrusted text is cut to this many characters before anything else looks at it: the model's
 * answers are bounded by its max_tokens (≈ 8 000 characters), so a longer one is runaway output
 * nobody reads — and sanitising stays cheap and the answer fits in a few messages.
 */
export const MAX_UNTRUSTED_CHARS = 12_000;

/**
 * Makes untrusted text safe to post as Slack mrkdwn. `links` is the process's link policy (AWS hosts
 * plus PLAINFRA_DOCS_URL's host); without it only AWS's own hosts stay links (fail closed).
 * Idempotence is not a goal: call it once, at posting time.
 */
export function safeSlackText(untrusted: string, links: LinkPolicy = AWS_LINKS): string {
  const cleaned = clean(cap(untrusted)).replace(/\r\n?/g, '\n').replace(SEPARATORS, '\n');
  return finish(markdownToMrkdwn(cleaned), links);
}

/**
 * Untrusted text shown as written (table cells, inline code, plain_text): no markdown mapping, line
 * breaks become spaces, and the same cleaning, link defanging, escaping and mention breaking.
 */
export function safePlainText(untrusted: string, links: LinkPolicy = AWS_LINKS): string {
  return finish(clean(cap(untrusted)).replace(/[\r\n\u2028\u2029]/g, ' '), links);
}

/** Control and invisible characters removed, line breaks kept: the first step of every path here. */
export function cleanUntrusted(text: string): string {
  return text.replace(CONTROL, '').replace(INVISIBLE, '');
}
const clean = cleanUntrusted;

function finish(text: string, links: LinkPolicy): string {
  return escapeSlack(defangLinks(text, links)).replace(AT_WORD, `$1@${ZWSP}`);
}

function cap(text: string): string {
  if (text.length <= MAX_UNTRUSTED_CHARS) return text;
  let cut = MAX_UNTRUSTED_CHARS;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // not inside a surrogate pair
  const head = text.slice(0, cut);
  // Close a code block the cut left open, so the note below is not shown as code.
  const close = countOccurrences(head, fence) % 2 === 1 ? `\n${fence}` : '';
  return `${head}…${close}\n_(cut at ${MAX_UNTRUSTED_CHARS.toLocaleString('en-US')} characters)_`;
}

const fence = '```';

/** Slack's hard limit is 40 000 characters; shorter messages read better and stay under section limits. */
export const MAX_MESSAGE_CHARS = 3500;

/**
 * Splits already-safe text into messages of at most `max` characters, at line boundaries where
 * possible (then at spaces, then anywhere but inside an `&amp;`-style entity). A ``` fence left open
 * at a cut is closed in that message and reopened in the next, so code blocks render in both.
 */
export function splitMessage(text: string, max = MAX_MESSAGE_CHARS): string[] {
  // Room for a closing "\n```" and an opening "```\n" when a cut lands inside a code block.
  const budget = max - 2 * (fence.length + 1);
  if (budget < 16) throw new Error(`splitMessage: max ${max} is too small`);
  const out: string[] = [];
  let rest = text;
  let reopen = false;
  let hardCut = false;
  while (rest.length > 0) {
    const prefix: string = reopen ? `${fence}\n` : '';
    if (prefix.length + rest.length <= max) {
      out.push(prefix + rest);
      break;
    }
    const { cut, hard } = cutPoint(rest, budget);
    hardCut ||= hard;
    // trimEnd, not /\s+$/: that regex is quadratic on a run of blanks followed by text.
    let chunk = rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).replace(/^\n+/, '');
    const open: boolean = countFences(prefix + chunk) % 2 === 1;
    if (open) chunk += `\n${fence}`;
    out.push(prefix + chunk);
    reopen = open;
  }
  const parts = out.filter((m) => m.trim().length > 0);
  // A cut inside a long word can leave the tail of an allowed link looking like a bare domain of
  // its own (`…/x.evil.example/login`): look at the parts again, trusting AWS's hosts only.
  return hardCut ? parts.map((p) => defangLinks(p, AWS_LINKS)) : parts;
}

function cutPoint(text: string, budget: number): { cut: number; hard: boolean } {
  const window = text.slice(0, budget + 1);
  const newline = window.lastIndexOf('\n');
  if (newline > budget / 2) return { cut: newline + 1, hard: false };
  const space = window.lastIndexOf(' ');
  if (space > budget / 2) return { cut: space + 1, hard: false };
  // Hard cut: do not split an entity such as &amp; / &lt; / &gt;.
  let cut = budget;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp > cut - 5 && /^&(amp|lt|gt);/.test(text.slice(amp, amp + 5)) && amp + text.slice(amp).indexOf(';') >= cut) cut = amp;
  // Nor a surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return { cut, hard: true };
}

function countFences(s: string): number {
  return countOccurrences(s, fence);
}
