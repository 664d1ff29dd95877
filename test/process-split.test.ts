import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachableFrom, violations } from './helpers/import-graph.js';

const AWS = /^@aws-sdk\/|^@smithy\//;
const LLM = /^@anthropic-ai\//;
const SLACK = /^@slack\//;

/** The GUIDE's separation of secrets, as import rules: what each process must not even load. */
const RULES = {
  'src/workers/sentinel.ts': [AWS, SLACK],
  'src/workers/hawk.ts': [LLM, SLACK],
  'src/workers/bot.ts': [AWS, LLM],
} as const;

describe('process split', () => {
  for (const [entry, forbidden] of Object.entries(RULES)) {
    it(`nothing reachable from ${entry} imports ${forbidden.map((r) => r.source).join(' or ')}`, () => {
      expect(violations(entry, [...forbidden])).toEqual([]);
    });
  }

  it('each entry really reaches its own SDK (the walk is not vacuous)', () => {
    expect(reachableFrom('src/workers/sentinel.ts').packages.has('@anthropic-ai/sdk')).toBe(true);
    expect([...reachableFrom('src/workers/hawk.ts').packages.keys()].some((p) => p.startsWith('@aws-sdk/'))).toBe(true);
    expect(reachableFrom('src/workers/bot.ts').packages.has('@slack/bolt')).toBe(true);
  });

  it('the CLI loads role code lazily: its static imports reach no SDK', () => {
    expect(violations('src/cli.ts', [AWS, LLM, SLACK], { followDynamic: false })).toEqual([]);
  });

  it('fails on a deliberate violation, naming the chain that reaches the SDK', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plainfra-graph-'));
    mkdirSync(path.join(dir, 'tools'));
    writeFileSync(path.join(dir, 'sentinel.ts'), "import { helper } from './tools/index.js';\nexport const x = helper;\n");
    writeFileSync(path.join(dir, 'tools', 'index.ts'), "export { helper } from './sneaky.js';\n");
    writeFileSync(path.join(dir, 'tools', 'sneaky.ts'), "import type { STSClient } from '@aws-sdk/client-sts';\nexport const helper = 1 as unknown as STSClient;\n");
    const found = violations(path.join(dir, 'sentinel.ts'), [AWS]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^@aws-sdk\/client-sts via .*sentinel\.ts → .*tools\/index\.ts → .*tools\/sneaky\.ts$/);
  });

  it('follows dynamic import() too, so a lazy import cannot smuggle an SDK in', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plainfra-graph-'));
    writeFileSync(path.join(dir, 'bot.ts'), "export async function f() { return import('@anthropic-ai/sdk'); }\n");
    expect(violations(path.join(dir, 'bot.ts'), [LLM])).toHaveLength(1);
  });
});
