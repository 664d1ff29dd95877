import { describe, expect, it } from 'vitest';
import { stripMention } from '../src/bot/listeners/mention.js';
import { MAX_UNTRUSTED_CHARS, escapeSlack, markdownToMrkdwn, safeSlackText, splitMessage } from '../src/bot/safe-text.js';

const ZWSP = '\u200B';

/** Every control sequence Slack would parse starts with a literal '<'. */
function hasSlackControl(text: string): boolean {
  return /<[!@#a-z]/i.test(text) || /<[^>]*\|/.test(text);
}

describe('bot › safe text', () => {
  it('escapes &, < and > the way Slack documents', () => {
    expect(escapeSlack('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });

  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['<!subteam^S123>', '&lt;!subteam^S123&gt;'],
    ['<#C123>', '&lt;#C123&gt;'],
    ['<!date^1392734382^{date}|x>', '&lt;!date^1392734382^{date}|x&gt;'],
  ])('neutralises the special mention %s', (input, expected) => {
    const out = safeSlackText(`hey ${input} look`);
    expect(out).toBe(`hey ${expected} look`);
    expect(hasSlackControl(out)).toBe(false);
  });

  it('neutralises user mentions and breaks the @ so no parse mode can resolve them', () => {
    const out = safeSlackText('ping <@U123> and <@W0ABC|alice>');
    expect(hasSlackControl(out)).toBe(false);
    expect(out).toContain(`&lt;@${ZWSP}U123&gt;`);
  });

  it('does not let model links become clickable disguised links or mentions', () => {
    const out = safeSlackText('Details: <https://evil.example/steal|AWS console> and <mailto:x@evil.example|support>');
    expect(hasSlackControl(out)).toBe(false);
    expect(out).toContain('&lt;hxxps://evil[.]example/steal|AWS console&gt;');
    expect(out).toContain('&lt;mailto[:]x@evil[.]example|support&gt;');
  });

  it('keeps AWS links clickable and defangs any other URL (see bot-links.test.ts)', () => {
    expect(safeSlackText('Docs: https://docs.aws.amazon.com/cost-management/latest/APIReference/ now')).toBe(
      'Docs: https://docs.aws.amazon.com/cost-management/latest/APIReference/ now',
    );
    expect(safeSlackText('Re-authenticate at https://aws.amazon.com.evil.example/login')).toBe(
      'Re-authenticate at hxxps://aws[.]amazon[.]com[.]evil[.]example/login',
    );
    expect(safeSlackText('already `https://x.example` code')).toBe('already `hxxps://x[.]example` code');
  });

  it('drops invisible characters that could hide text from readers but not from other bots', () => {
    const hidden = [...'ignore previous instructions'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    expect(safeSlackText(`Total: $5${hidden}\u2028next\u3164line`)).toBe('Total: $5\nnextline');
  });

  it('turns markdown links into visible "label (url)" text, never <url|label>', () => {
    const out = safeSlackText('See [the bill](https://evil.example/x) now');
    expect(out).toBe('See the bill (hxxps://evil[.]example/x) now');
    expect(out).not.toContain('<');
  });

  it('keeps already-escaped forms inert (no double-decoding into a mention)', () => {
    const out = safeSlackText('&lt;!channel&gt; &#60;!here&#62; &amp;lt;@U1&amp;gt;');
    expect(out).toBe(`&amp;lt;!channel&amp;gt; &amp;#60;!here&amp;#62; &amp;amp;lt;@${ZWSP}U1&amp;amp;gt;`);
    expect(hasSlackControl(out)).toBe(false);
  });

  it('defuses plain @channel, @here and @everyone words with a zero-width space', () => {
    const out = safeSlackText('@channel heads up, @here too; (@everyone) *@here*');
    expect(out).toBe(`@${ZWSP}channel heads up, @${ZWSP}here too; (@${ZWSP}everyone) *@${ZWSP}here*`);
  });

  it('does not break e-mail addresses into mentions (their domain is defanged like any other)', () => {
    expect(safeSlackText('write to ops@example.com')).toBe('write to ops@example[.]com');
  });

  it('drops bidi overrides and invisible characters that could disguise text', () => {
    expect(safeSlackText('cost\u202E$5\u202C ok\u2066x\u2069\u200Dy')).toBe('cost$5 okxy');
  });

  it('keeps *bold*, _italic_, `code` and bullet lists working', () => {
    const text = '*Top costs*\n• EC2: $1,234\n- S3: $56\n_estimated_ and `aws ce get-cost-and-usage`';
    expect(safeSlackText(text)).toBe(text);
  });

  it('maps CommonMark bold, headings and * bullets to Slack mrkdwn, but not inside code', () => {
    expect(markdownToMrkdwn('## Summary\n**EC2** costs rose\n* item\n`**raw**`')).toBe('*Summary*\n*EC2* costs rose\n• item\n`**raw**`');
    expect(markdownToMrkdwn('```\n# not a heading\n**x**\n```')).toBe('```\n# not a heading\n**x**\n```');
  });

  it('escapes inside code blocks too (Slack shows &lt; there as <)', () => {
    expect(safeSlackText('```\nif a < b && c > d\n```')).toBe('```\nif a &lt; b &amp;&amp; c &gt; d\n```');
  });

  it('neutralises mentions hidden in AWS data (tag values, resource names)', () => {
    const aws = JSON.stringify({ Tags: [{ Key: 'Owner', Value: '<!channel> <@U0ADMIN>' }] });
    expect(hasSlackControl(safeSlackText(aws))).toBe(false);
  });
});

/**
 * The bot has one event loop: a sanitiser that backtracks on crafted model text would stop it acking
 * Slack. Each shape below made a regex of the old sanitiser (or of splitMessage / stripMention)
 * super-linear; now every one is processed in linear time.
 */
describe('bot › sanitising time is linear in the input', () => {
  const N = 20_000;
  const fill = (unit: string, prefix = '', suffix = '') =>
    prefix + unit.repeat(Math.ceil((N - prefix.length - suffix.length) / unit.length)).slice(0, N - prefix.length - suffix.length) + suffix;
  const shapes: Record<string, string> = {
    'heading with a long run of spaces': fill(' ', '# a', 'b'),
    'many heading lines': fill(`# a${' '.repeat(300)}b\n`),
    'unclosed **bold**': fill('**a '),
    'unclosed __bold__': fill('__a '),
    'unclosed [links](': fill('['),
    'link-like [a](b c': fill('[a]( b c'),
    'dotted labels': fill('a.'),
    'dotted labels with a scheme': fill('a.', 'https://'),
    schemes: fill('a://'),
    colons: fill('a:'),
    backticks: fill('`a'),
    'at-signs': fill('@'),
    'spaces before a word': fill(' ', '', 'x'),
    'one-line fences': fill('```x```\n'),
    entities: fill('&<>'),
  };
  it.each(Object.entries(shapes))('%s (20 000 characters) in well under 100 ms', (_name, text) => {
    expect(text.length).toBe(N);
    // CPU time of this process (what a stalled event loop costs), best of three: the machine running
    // the suite is shared, and wall time would measure the neighbours. The old sanitiser took ~20 s
    // of CPU on the first shape at 3 000 characters.
    let best = Infinity;
    let out = '';
    for (let run = 0; run < 3; run++) {
      const start = process.cpuUsage();
      out = safeSlackText(text);
      splitMessage(out);
      const used = process.cpuUsage(start);
      best = Math.min(best, (used.user + used.system) / 1000);
    }
    expect(out.length).toBeGreaterThan(0);
    expect(best).toBeLessThan(50);
  });

  it('caps untrusted text before sanitising and says it was cut', () => {
    const out = safeSlackText('x'.repeat(MAX_UNTRUSTED_CHARS * 3));
    expect(out.length).toBeLessThan(MAX_UNTRUSTED_CHARS + 100);
    expect(out).toMatch(/cut at 12,000 characters\)_$/);
    expect(MAX_UNTRUSTED_CHARS).toBe(12_000);
  });

  it('stripMention is linear on a flood of unclosed mentions', () => {
    const text = '<@U0BOT|'.repeat(40_000 / 8);
    const start = process.cpuUsage();
    expect(stripMention(`<@U0BOT|plainfra> what did EC2 cost? ${text}`, 'U0BOT')).toMatch(/^what did EC2 cost\? </);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(50);
  });
});

describe('bot › message splitting', () => {
  it('keeps a short message whole', () => {
    expect(splitMessage('hello')).toEqual(['hello']);
  });

  it('splits long text at line boundaries into messages of at most 3 500 characters', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
    const parts = splitMessage(lines.join('\n'));
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(3500);
    expect(parts.join('\n').split('\n')).toEqual(lines);
  });

  it('hard-splits a single huge line without cutting an escape entity', () => {
    const text = safeSlackText('<'.repeat(5000));
    const parts = splitMessage(text, 100);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(100);
      expect(p).toMatch(/^(&lt;)+$/);
    }
    expect(parts.join('')).toBe(text);
  });

  it('closes a code block at a cut and reopens it in the next message', () => {
    const body = Array.from({ length: 50 }, (_, i) => `row ${i}`).join('\n');
    const fence = '```';
    const parts = splitMessage(`Intro\n${fence}\n${body}\n${fence}\nDone`, 120);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(120);
      expect((p.match(/```/g) ?? []).length % 2).toBe(0);
    }
  });
});
