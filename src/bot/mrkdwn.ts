/**
 * CommonMark-isms models like to write, mapped to Slack mrkdwn outside code: `**b**`/`__b__` → `*b*`,
 * `# Heading` → `*Heading*`, `* item` → `• item`, `[label](url)` → `label (url)` (never a disguised
 * `<url|label>` link). Purely cosmetic — links, escaping and mentions are handled on the whole text
 * afterwards, inside code too — so a mistake here can cost formatting, never safety.
 *
 * Every function is a hand-written scan that looks at each character a bounded number of times: this
 * runs on model text, and a backtracking regex there (the old heading pattern took seconds on
 * `# a` + 3 000 spaces + `b`) would stall the bot's event loop.
 */

const FENCE = '```';

export function markdownToMrkdwn(text: string): string {
  const lines = text.split('\n');
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fences = countOccurrences(line, FENCE);
    if (fences > 0) {
      // "```x```" opens and closes on one line: only an odd count changes the state.
      if (fences % 2 === 1) inFence = !inFence;
      continue;
    }
    if (inFence) continue;
    const heading = headingText(line);
    lines[i] = heading !== undefined ? `*${stripBold(heading)}*` : outsideInlineCode(line, inlineMarkdown);
  }
  return lines.join('\n');
}

export function countOccurrences(s: string, needle: string): number {
  let count = 0;
  for (let at = s.indexOf(needle); at >= 0; at = s.indexOf(needle, at + needle.length)) count++;
  return count;
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/** ATX heading (`# Title`, up to 3 spaces of indent, optional closing `#`s): its text, else undefined. */
function headingText(line: string): string | undefined {
  let k = 0;
  while (k < 3 && line[k] === ' ') k++;
  let hashes = 0;
  while (line[k + hashes] === '#') hashes++;
  if (hashes < 1 || hashes > 6 || !isBlank(line[k + hashes])) return undefined;
  let text = line.slice(k + hashes).trim();
  // A closing sequence counts only after a blank (`# C#` keeps its `#`).
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end === 0) text = '';
  else if (end < text.length && isBlank(text[end - 1])) text = text.slice(0, end).trimEnd();
  return text.length > 0 ? text : undefined;
}

function stripBold(s: string): string {
  const t = s.split('**').join('');
  return t.length > 2 && t.startsWith('*') && t.endsWith('*') ? t.slice(1, -1) : t;
}

/** Applies `fn` to the parts of a line that are not inside `inline code`. */
function outsideInlineCode(line: string, fn: (s: string) => string): string {
  const parts = line.split('`');
  // An odd number of parts means every backtick is paired; else the last one is literal text.
  const paired = parts.length % 2 === 1 ? parts.length : parts.length - 1;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out += '`';
    out += i % 2 === 1 && i < paired ? parts[i] : fn(parts[i]!);
  }
  return out;
}

function inlineMarkdown(s: string): string {
  return bullet(links(emphasis(emphasis(s, '**'), '__')));
}

/**
 * `**x**` → `*x*`: an opener is a delimiter followed by a non-blank, the next delimiter preceded by
 * a non-blank closes it. Unpaired delimiters stay as written.
 */
function emphasis(s: string, delim: string): string {
  const parts = s.split(delim);
  if (parts.length < 3) return s;
  let out = parts[0]!;
  let i = 1;
  while (i < parts.length) {
    const inner = parts[i]!;
    const closes = i + 1 < parts.length && inner.length > 0 && !isBlank(inner[0]) && !isBlank(inner[inner.length - 1]);
    if (closes) {
      out += `*${inner}*${parts[i + 1]}`;
      i += 2;
    } else {
      out += delim + inner;
      i += 1;
    }
  }
  return out;
}

/**
 * `[label](url)` and `![alt](url)` → `label (url)` (or just `url` when the label is empty or the URL
 * itself). The label ends at the first `]`; the URL is one word inside `( … )`. Each `]` is examined
 * once, so a flood of `[` costs linear time.
 */
function links(s: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  while (from < s.length) {
    const open = s.indexOf('[', from);
    if (open < 0) break;
    const close = s.indexOf(']', open + 1);
    if (close < 0) break;
    // Any `[` before this `]` shares it: the earliest one is the label's start (as CommonMark reads
    // `[a [b](u)` loosely enough for a chat message), and the others need no second look.
    const paren = s[close + 1] === '(' ? s.indexOf(')', close + 2) : -1;
    const url = paren >= 0 ? s.slice(close + 2, paren).trim() : '';
    if (url && !/\s/.test(url)) {
      const start = open > 0 && s[open - 1] === '!' ? open - 1 : open;
      const label = s.slice(open + 1, close).trim();
      out += s.slice(copied, start) + (label && label !== url ? `${s.slice(open + 1, close)} (${url})` : url);
      copied = paren + 1;
      from = paren + 1;
    } else {
      from = close + 1;
    }
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/** `* item` / `+ item` at the start of a line → `• item`. */
function bullet(s: string): string {
  let k = 0;
  while (isBlank(s[k])) k++;
  if ((s[k] === '*' || s[k] === '+') && s[k + 1] === ' ' && s[k + 2] !== undefined && !/\s/.test(s[k + 2]!)) {
    return `${s.slice(0, k)}• ${s.slice(k + 2)}`;
  }
  return s;
}
