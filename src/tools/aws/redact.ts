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
  /** Extra check on the secret, for formats whose prefix alone is too common (`Basic <word>`). */
  check?: (secret: string) => boolean;
}

/**
 * Every pattern here runs over AWS-written text (descriptions, CloudTrail parameters, tag values), so
 * each must be linear: a match can only start where a run of its characters starts (a lookbehind
 * for "not one of mine"), repeats are bounded, and no two quantifiers compete for the same
 * characters. `test/hawk-secrets.test.ts` feeds 100 000-character pathological strings.
 *
 * The token formats follow the vendors' documented prefixes (the same list gitleaks and secretlint
 * keep; see docs/hawk.md for why hawk does not depend on either package).
 */
const RULES: Rule[] = [
  {
    kind: 'private-key',
    pattern:
      /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g,
  },
  // Long-term (AKIA) and temporary (ASIA) access key ids. AIDA/AROA ids are principal ids, not credentials.
  { kind: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g },
  {
    kind: 'aws-secret-access-key',
    pattern: /\b(?:aws_?)?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  { kind: 'jwt', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
  { kind: 'bearer-token', pattern: /\bbearer\s{1,10}([A-Za-z0-9\-._~+/]{16,}=*)/gi, group: 1 },
  {
    kind: 'basic-auth',
    pattern: /\bbasic\s{1,10}([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/gi,
    group: 1,
    // "Basic Authentication" is a word, not a credential: only base64 of `user:password` counts.
    check: (b64) => /^[\x20-\x7e]*:[\x20-\x7e]*$/.test(Buffer.from(b64, 'base64').toString('latin1')),
  },
  { kind: 'slack-token', pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  { kind: 'slack-token', pattern: /\bxapp-\d-[A-Za-z0-9-]{10,}/g },
  { kind: 'slack-webhook', pattern: /hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g },
  { kind: 'github-token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/g },
  { kind: 'github-token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g },
  { kind: 'gitlab-token', pattern: /\bgl(?:pat|dt|rt|ptt|cbt|soat)-[A-Za-z0-9_-]{20,}/g },
  { kind: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  { kind: 'stripe-key', pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{16,}/g },
  { kind: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai-key', pattern: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}/g },
  { kind: 'azure-storage-key', pattern: /\b(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{20,}={0,2})/gi, group: 1 },
  // scheme://user:password@ — the scheme is bounded and must start a word, so `a.a.a.a…` costs linear time.
  { kind: 'url-credentials', pattern: /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@]{1,256}:([^\s@/]{1,256})@/gi, group: 1 },
  {
    kind: 'password',
    pattern: /\b(?:password|passwd|pwd|pass)["']?\s{0,10}[:=]\s{0,10}("[^"]{3,}"|'[^']{3,}'|[^\s,;&"'}{]{3,})/gi,
    group: 1,
  },
  {
    kind: 'secret',
    pattern: new RegExp(
      String.raw`\b(?:secret|client_?secret|api_?key|apikey|access_?token|auth_?token|token)` +
        String.raw`["']?\s{0,10}[:=]\s{0,10}("[^"]{3,}"|'[^']{3,}'|[^\s,;&"'}{]{3,})`,
      'gi',
    ),
    group: 1,
  },
];

const MARKER = /^\[REDACTED:[a-z-]+\]$/;

/**
 * A value whose *name* says it is a secret (a tag `{Key: 'db_password', Value: '…'}` or a map entry
 * `API_TOKEN: '…'`) is redacted whatever it looks like. Anchored at the end so `PasswordLastUsed`
 * or `password_enabled` (report columns) are not caught.
 */
const SECRET_NAME = new RegExp(
  String.raw`(?:^|[_\-.\s])(?:password|passwd|pass|pwd|secret|secret[_-]?key|api[_-]?key|apikey|token|access[_-]?token|auth[_-]?token` +
    '|private[_-]?key|credentials?)$|^(?:password|secret|token|apikey)$',
  'i',
);
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
      if (!secret || MARKER.test(unquote(secret))) return match;
      if (rule.check && !rule.check(secret)) return match;
      counts.set(rule.kind, (counts.get(rule.kind) ?? 0) + 1);
      return rule.group ? match.replace(secret, marker) : marker;
    });
  }
  return tagGroupKeys(s, counts);
}

function unquote(s: string): string {
  const a = s[0] === '"' || s[0] === "'" ? 1 : 0;
  const b = s.length > a && (s[s.length - 1] === '"' || s[s.length - 1] === "'") ? s.length - 1 : s.length;
  return s.slice(a, b);
}

/** Cost Explorer joins several group keys of one row with this (see ops/cost.ts). */
const GROUP_SEPARATOR = ' | ';

/**
 * Cost Explorer `GroupBy TAG` keys come back as `tagkey$value` (`db_password$Hunter2`), and cost
 * categories as `name$value`: the same secret-name rule as a tag pair applies to the part before `$`.
 */
function tagGroupKeys(s: string, counts: Map<string, number>): string {
  if (!s.includes('$')) return s;
  const parts = s.split(GROUP_SEPARATOR);
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const dollar = part.indexOf('$');
    if (dollar <= 0 || dollar > 256 || dollar === part.length - 1) continue;
    const value = part.slice(dollar + 1);
    const redacted = namedSecret(part.slice(0, dollar), value, counts);
    if (redacted !== value) {
      parts[i] = `${part.slice(0, dollar + 1)}${redacted}`;
      changed = true;
    }
  }
  return changed ? parts.join(GROUP_SEPARATOR) : s;
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
