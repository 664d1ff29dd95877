/**
 * `aws_docs`: fetch a page of public AWS documentation. Only URLs with the docs host's origin are
 * fetched, redirects included (a redirect off the host is refused, not followed), so the model
 * cannot use this tool to reach anything else.
 */

export interface DocsOptions {
  docsBaseUrl: string;
  maxChars?: number;
  timeoutMs?: number;
  maxRedirects?: number;
}

export type DocsOutcome =
  | { status: 'ok'; url: string; text: string; truncated: boolean }
  | { status: 'refused' | 'error'; message: string };

export function docsUrlRefusal(raw: unknown, docsBaseUrl: string): string | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) return 'url must be a string of at most 2048 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw.slice(0, 200)}" is not a URL`;
  }
  const base = new URL(docsBaseUrl);
  if (url.origin !== base.origin) return `only ${base.origin} documentation pages can be fetched, not ${url.origin}`;
  if (url.username || url.password) return 'URLs with credentials are not fetched';
  return undefined;
}

export async function fetchAwsDoc(rawUrl: unknown, opts: DocsOptions): Promise<DocsOutcome> {
  // A page or a redirect the parser chokes on is a tool error the model can read, never a crash.
  try {
    return await fetchDoc(rawUrl, opts);
  } catch (err) {
    return { status: 'error', message: `could not read ${String(rawUrl).slice(0, 200)}: ${(err as Error).message}` };
  }
}

async function fetchDoc(rawUrl: unknown, opts: DocsOptions): Promise<DocsOutcome> {
  const maxChars = opts.maxChars ?? 20_000;
  let current = String(rawUrl);
  for (let hop = 0; hop <= (opts.maxRedirects ?? 3); hop++) {
    const refusal = docsUrlRefusal(current, opts.docsBaseUrl);
    if (refusal) return { status: 'refused', message: refusal };
    let res: Response;
    try {
      res = await fetch(current, { redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000) });
    } catch (err) {
      return { status: 'error', message: `could not fetch ${current}: ${(err as Error).message}` };
    }
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      if (!location) return { status: 'error', message: `redirect without location from ${current}` };
      current = new URL(location, current).toString();
      continue;
    }
    if (!res.ok) return { status: 'error', message: `${current} answered HTTP ${res.status}` };
    const body = await readCapped(res, maxChars * 8);
    const type = res.headers.get('content-type') ?? '';
    const text = type.includes('html') ? htmlToText(body) : body;
    return { status: 'ok', url: current, text: text.slice(0, maxChars), truncated: text.length > maxChars };
  }
  return { status: 'error', message: 'too many redirects' };
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Good enough for documentation pages: drop scripts, styles and navigation, keep text and line breaks. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|noscript|nav|header|footer)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<(br|\/p|\/div|\/h\d|\/li|\/tr)[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1]?.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n\n')
    .trim();
}
