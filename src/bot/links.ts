import { createRequire } from 'node:module';

/**
 * Links in the bot's voice. A link the model chose (or an AWS resource it quoted: a bucket website,
 * an API Gateway URL, a Marketplace product name) is a phishing vector with our name on it, so only
 * a handful of exact hosts stay clickable: the AWS console (and its region subdomains), the AWS docs,
 * aws.amazon.com, and the host of PLAINFRA_DOCS_URL. Every other URL of any scheme, bare domain or
 * e-mail domain is *defanged*: `https://evil.example/x` → `hxxps://evil[.]example/x`,
 * `www.evil.example` → `www[.]evil[.]example`, `mailto:` → `mailto[:]` — still readable and
 * copyable, never one click away. This runs on the whole text, inside code or not.
 *
 * Hand-written scanning, no regex over the text: every character is looked at a bounded number of
 * times, so a crafted answer cannot make the bot's one event loop backtrack.
 */

// The `tlds` package ships its list as JSON; createRequire keeps ESM (and Node 20) happy.
const TLDS: ReadonlySet<string> = new Set((createRequire(import.meta.url)('tlds') as string[]).map((t) => t.toLowerCase()));
/** Reserved or private names people use as if they were TLDs (RFC 2606, 6761, 6762, common LANs). */
const RESERVED_TLDS = new Set(['example', 'test', 'invalid', 'localhost', 'local', 'internal', 'onion', 'corp', 'home', 'lan', 'intranet']);

/** Hosts that are always links (AWS's own, on domains nobody else can publish on). */
export const AWS_LINK_HOSTS: readonly string[] = ['console.aws.amazon.com', 'docs.aws.amazon.com', 'aws.amazon.com'];
/** `us-east-1.console.aws.amazon.com` and the like. Only run on short host names (see allows). */
const REGION_CONSOLE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.console\.aws\.amazon\.com$/;

/** Which hosts are links. Build it once per process from the config; the default knows only AWS's. */
export interface LinkPolicy {
  readonly hosts: ReadonlySet<string>;
}

/** The policy for a process: AWS's hosts plus the host of `docsUrl` (PLAINFRA_DOCS_URL). */
export function linkPolicy(docsUrl?: string): LinkPolicy {
  const hosts = new Set(AWS_LINK_HOSTS);
  if (docsUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(docsUrl);
    } catch {
      throw new Error(
        `PLAINFRA_DOCS_URL is not a URL (${JSON.stringify(docsUrl)}); set it to the docs site, e.g. https://docs.aws.amazon.com`,
      );
    }
    hosts.add(url.host.toLowerCase());
  }
  return { hosts };
}

/** AWS's hosts only: what any caller that was not handed the process's policy gets (fail closed). */
export const AWS_LINKS: LinkPolicy = linkPolicy();

function allows(policy: LinkPolicy, host: string): boolean {
  const h = host.toLowerCase();
  return policy.hosts.has(h) || (h.length < 64 && REGION_CONSOLE.test(h));
}

/** Full-width and ideographic full stops, which URL parsers (and so link detectors) read as `.`. */
const FULL_STOPS = /[\u3002\uFF0E\uFF61]/g;

/** Only ASCII whitespace separates runs: any other character inside a URL makes it "not clean". */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Defangs every link-like thing in `text` except clean links to allowed hosts. Linear time. */
export function defangLinks(untrusted: string, policy: LinkPolicy = AWS_LINKS): string {
  const text = untrusted.replace(FULL_STOPS, '.');
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    let j = i;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    out += text.slice(i, j);
    i = j;
    while (j < n && !isSpace(text.charCodeAt(j))) j++;
    if (j > i) out += defangRun(text.slice(i, j), policy);
    i = j;
  }
  return out;
}

/** Wrapping punctuation a clean link may sit in: `(url)`, `*url*`, `` `url` ``, `url.` */
const LEADING = new Set(['(', '[', '"', "'", '*', '_', '~', '`']);
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '"', "'", '*', '_', '~', '`']);

function defangRun(run: string, policy: LinkPolicy): string {
  let a = 0;
  let b = run.length;
  while (a < b && LEADING.has(run[a]!)) a++;
  while (b > a && TRAILING.has(run[b - 1]!)) b--;
  if (b > a && isAllowedLink(run.slice(a, b), policy)) return run;
  const schemed = defangSchemes(run);
  // A run that carries a scheme is a URL (or several): no dot in it may survive, not even in the
  // path, where `/redirect/www.evil.example` would otherwise become a bare-domain link.
  if (schemed !== run) return schemed.split('.').join('[.]');
  return defangDomains(run, policy);
}

/** Characters a clean allowed link may contain (RFC 3986, minus `@`, `\` and quoting). */
function cleanUrlChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    '-._~%!$&()*+,;=:/?#[]'.includes(String.fromCharCode(c))
  );
}

/**
 * `https://HOST/...` or `HOST/...` with HOST allowed, exactly: one scheme at most, no userinfo, no
 * port other than the allowed host's own, no backslash, nothing Slack or a browser could read as a
 * different host.
 */
function isAllowedLink(s: string, policy: LinkPolicy): boolean {
  for (let k = 0; k < s.length; k++) if (!cleanUrlChar(s.charCodeAt(k))) return false;
  let rest = s;
  const sep = s.indexOf('://');
  if (sep >= 0) {
    const scheme = s.slice(0, sep).toLowerCase();
    if (scheme !== 'https' && scheme !== 'http') return false;
    rest = s.slice(sep + 3);
    if (rest.includes('://')) return false;
  } else if (s.includes('://')) return false;
  let end = 0;
  while (end < rest.length && !'/?#'.includes(rest[end]!)) end++;
  const host = rest.slice(0, end);
  if (sep < 0 && (host.includes(':') || rest.includes(':'))) return false;
  return host.length > 0 && allows(policy, host);
}

/** Schemes Slack clients or browsers act on without `//`. */
const COLON_SCHEMES = new Set([
  'mailto',
  'javascript',
  'vbscript',
  'data',
  'file',
  'tel',
  'sms',
  'callto',
  'skype',
  'slack',
  'magnet',
  'xmpp',
  'sip',
  'facetime',
  'intent',
  'blob',
]);

/**
 * `http(s):` → `hxxp(s):` (also when glued to a word: `xhttps://`), any other `scheme://` →
 * `scheme[://]`, `mailto:`-style → `mailto[:]`. One pass: the scheme word is the run of scheme
 * characters that ends at each `:`.
 */
function defangSchemes(run: string): string {
  let out = '';
  let copied = 0;
  let wordStart = 0;
  for (let k = 0; k < run.length; k++) {
    const c = run[k]!;
    if (c !== ':') {
      if (!SCHEME_CHAR.test(c)) wordStart = k + 1;
      continue;
    }
    const lower = run.slice(wordStart, k).toLowerCase();
    const http = lower.endsWith('https') ? 5 : lower.endsWith('http') ? 4 : 0;
    // `hxxps://` is already defanged and `[://]` has no scheme word: both stay (idempotent).
    const slashes = run.startsWith('//', k + 1) && lower.length > 0 && lower !== 'hxxp' && lower !== 'hxxps';
    if (http) {
      const at = k - http;
      out += run.slice(copied, at) + run[at] + (run[at] === 'H' ? 'XX' : 'xx') + run.slice(at + 3, k + 1);
      copied = k + 1;
    } else if (slashes || COLON_SCHEMES.has(lower)) {
      out += run.slice(copied, k) + (slashes ? '[://]' : '[:]');
      copied = k + (slashes ? 3 : 1);
      k = copied - 1;
    }
    wordStart = k + 1;
  }
  return copied === 0 ? run : out + run.slice(copied);
}
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

const LABEL_CHAR = /[\p{L}\p{N}\p{M}_-]/u;
function isLabelChar(c: string): boolean {
  return LABEL_CHAR.test(c);
}

/**
 * Bare domains in a run without a scheme: maximal `label.label…` sequences that look like a host —
 * the last label is a TLD (the `tlds` list, or a reserved name like `.example`), or the name starts
 * with `www.`, or a path follows (`name.thing/…`), or it is an e-mail domain. Instance types
 * (`m5.large`), versions and ARNs are not hosts by that rule and stay as written.
 */
function defangDomains(run: string, policy: LinkPolicy): string {
  let out = '';
  let copied = 0;
  let k = 0;
  const n = run.length;
  while (k < n) {
    if (!isLabelChar(run[k]!)) {
      k++;
      continue;
    }
    // A maximal sequence of labels joined by single dots.
    const start = k;
    let lastDot = -1;
    let end = k;
    while (end < n) {
      if (isLabelChar(run[end]!)) end++;
      else if (run[end] === '.' && end + 1 < n && isLabelChar(run[end + 1]!) && end > start) {
        lastDot = end;
        end++;
      } else break;
    }
    k = end;
    if (lastDot < 0) continue;
    const name = run.slice(start, end);
    if (!looksLikeHost(name, run[start - 1], run[end])) continue;
    if (run[start - 1] !== '@' && run[start - 1] !== '.' && allows(policy, name)) continue;
    out += run.slice(copied, start) + name.split('.').join('[.]');
    copied = end;
  }
  return copied === 0 ? run : out + run.slice(copied);
}

function looksLikeHost(name: string, before: string | undefined, after: string | undefined): boolean {
  const tld = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  if (!/\p{L}/u.test(tld)) return false; // 10.0.0.0/16, 1.5, v1.2.3
  if (TLDS.has(tld) || RESERVED_TLDS.has(tld) || tld.startsWith('xn--')) return true;
  if (name.slice(0, 4).toLowerCase() === 'www.') return true;
  return after === '/' || before === '@';
}
