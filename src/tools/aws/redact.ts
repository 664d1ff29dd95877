/**
 * Last line of defence: a scan of the already-shaped result for strings that look like secrets.
 * Shaping decides which fields leave hawk; this catches secrets people put where they don't belong
 * (an access key in a tag, a password in an instance description, a token in an alarm name).
 * It replaces the secret part with `[REDACTED:<kind>]` and counts, so the audit log can show it.
 */

interface Rule {
  kind: string;
  pattern: RegExp;
  /** Index of the capture group holding the secret; 0 (default) replaces the whole match. */
  group?: number;
}

/** Order matters: specific rules first, so an AWS secret key is reported as such and not as "secret". */
const RULES: Rule[] = [
  { kind: 'private-key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[\s\S]*$)/g },
  // Long-term (AKIA) and temporary (ASIA) access key ids. AIDA/AROA ids are principal ids, not credentials.
  { kind: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g },
  {
    kind: 'aws-secret-access-key',
    pattern: /\b(?:aws_?)?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
  { kind: 'bearer-token', pattern: /\bbearer\s+([A-Za-z0-9\-._~+/]{16,}=*)/gi, group: 1 },
  { kind: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'slack-token', pattern: /\bxapp-\d-[A-Za-z0-9-]{10,}/g },
  { kind: 'slack-webhook', pattern: /hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g },
  { kind: 'github-token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/g },
  { kind: 'url-credentials', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi, group: 1 },
  {
    kind: 'password',
    pattern: /\b(?:password|passwd|pwd)["']?\s*[:=]\s*("[^"]{3,}"|'[^']{3,}'|[^\s,;&"'}{]{3,})/gi,
    group: 1,
  },
  {
    kind: 'secret',
    pattern: /\b(?:secret|client_?secret|api_?key|apikey|access_?token|auth_?token|token)["']?\s*[:=]\s*("[^"]{3,}"|'[^']{3,}'|[^\s,;&"'}{]{3,})/gi,
    group: 1,
  },
];

const MARKER = /^\[REDACTED:[a-z-]+\]$/;

/**
 * A value whose *name* says it is a secret (a tag `{Key: 'db_password', Value: '…'}` or a map entry
 * `API_TOKEN: '…'`) is redacted whatever it looks like. Anchored at the end so `PasswordLastUsed`
 * or `password_enabled` (report columns) are not caught.
 */
const SECRET_NAME = /(?:^|[_\-.\s])(?:password|passwd|pass|pwd|secret|secret[_-]?key|api[_-]?key|apikey|token|access[_-]?token|auth[_-]?token|private[_-]?key|credentials?)$|^(?:password|secret|token|apikey)$/i;
/** Names that end like a secret but are pagination cursors. */
const NOT_SECRET_NAME = /(?:next|pagination|continuation)[_-]?token$/i;

/** `dbPassword` and `GithubToken` name secrets as much as `db_password`: split camelCase first. */
function looksLikeSecretName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return SECRET_NAME.test(words) && !NOT_SECRET_NAME.test(name);
}

function namedSecret(name: string, value: string, counts: Map<string, number>): string {
  if (!looksLikeSecretName(name) || value.length === 0 || MARKER.test(value)) return value;
  counts.set('named-secret', (counts.get('named-secret') ?? 0) + 1);
  return '[REDACTED:named-secret]';
}

/** Redacts one string; returns it unchanged (same reference) when nothing matched. */
export function redactString(input: string, counts: Map<string, number>): string {
  let s = input;
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0;
    s = s.replace(rule.pattern, (match: string, ...groups: unknown[]) => {
      const marker = `[REDACTED:${rule.kind}]`;
      const secret = rule.group ? String(groups[rule.group - 1] ?? '') : match;
      // Don't re-redact an earlier rule's marker (e.g. `secret=[REDACTED:aws-access-key-id]`).
      if (!secret || MARKER.test(secret.replace(/^["']|["']$/g, ''))) return match;
      counts.set(rule.kind, (counts.get(rule.kind) ?? 0) + 1);
      return rule.group ? match.replace(secret, marker) : marker;
    });
  }
  return s;
}

export interface Redacted<T> {
  value: T;
  /** Total replacements. */
  count: number;
  /** Replacements per kind, for the audit log. */
  kinds: Record<string, number>;
}

/** Deep-redacts a JSON value: every string and every object key. */
export function redact<T>(value: T): Redacted<T> {
  const counts = new Map<string, number>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactString(v, counts);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      const rec = v as Record<string, unknown>;
      const tagKey = typeof rec.Key === 'string' ? rec.Key : undefined;
      for (const [k, x] of Object.entries(rec)) {
        let y = walk(x);
        if (typeof y === 'string') {
          // Tag pairs name the secret in `Key`; maps name it in the property itself.
          y = k === 'Value' && tagKey !== undefined ? namedSecret(tagKey, y, counts) : namedSecret(k, y, counts);
        }
        out[redactString(k, counts)] = y;
      }
      return out;
    }
    return v;
  };
  const out = walk(value) as T;
  let count = 0;
  for (const n of counts.values()) count += n;
  return { value: out, count, kinds: Object.fromEntries(counts) };
}
