import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageClosure, reachableFrom, violations } from './helpers/import-graph.js';

const AWS = /^@aws-sdk\/|^@smithy\//;
const LLM = /^@anthropic-ai\//;
const SLACK = /^@slack\//;

/**
 * The GUIDE's separation of secrets, as import rules: what each process must not even load.
 *
 * The sentinel may call Amazon Bedrock (PLAINFRA_LLM_PROVIDER=bedrock) through
 * @anthropic-ai/bedrock-sdk, which signs with AWS code of its own. How the rules tell that apart
 * from hawk's AWS access: our code reachable from the sentinel still imports no @aws-sdk/* or
 * @smithy/* package and no file of src/tools/aws/ (hawk's clients, allowlist and session policy);
 * the Bedrock SDK is the one AWS-speaking package allowed, only behind a dynamic import (a sentinel
 * on the Anthropic API never loads it), and its installed dependency closure holds no AWS service
 * client but Bedrock Runtime's — none of those hawk imports. The IAM policy of
 * deploy/aws/plainfra-sentinel-bedrock.yaml is what confines the identity it signs with.
 */
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

  it("the sentinel reaches no file of hawk's AWS clients (src/tools/aws/)", () => {
    const hawkAws = path.resolve('src/tools/aws') + path.sep;
    expect([...reachableFrom('src/workers/sentinel.ts').files].filter((f) => f.startsWith(hawkAws))).toEqual([]);
    // …while hawk does reach them: the check is not vacuous.
    expect([...reachableFrom('src/workers/hawk.ts').files].some((f) => f.startsWith(hawkAws))).toBe(true);
  });

  it('the sentinel loads the Bedrock SDK only lazily, and it brings none of the AWS clients hawk uses', () => {
    expect(reachableFrom('src/workers/sentinel.ts').packages.has('@anthropic-ai/bedrock-sdk')).toBe(true);
    expect(reachableFrom('src/workers/sentinel.ts', { followDynamic: false }).packages.has('@anthropic-ai/bedrock-sdk')).toBe(false);
    const hawkClients = [...reachableFrom('src/workers/hawk.ts').packages.keys()].filter((p) => p.startsWith('@aws-sdk/client-'));
    expect(hawkClients.length).toBeGreaterThan(5);
    const bedrockClosure = packageClosure('@anthropic-ai/bedrock-sdk');
    expect(hawkClients.filter((c) => bedrockClosure.has(c))).toEqual([]);
    expect([...bedrockClosure].filter((p) => p.startsWith('@aws-sdk/client-'))).toEqual(['@aws-sdk/client-bedrock-runtime']);
  });

  // The CLI commands that record questions without the bot process (`plainfra digest --now`, `plainfra
  // ask`) take intake from src/bot/intake.ts, not the bot's door, which loads Bolt.
  for (const entry of ['src/cli/commands/digest.ts', 'src/cli/commands/ask.ts', 'src/cli/ask.ts']) {
    it(`${entry} reaches no Slack package, lazy imports included`, () => {
      expect(violations(entry, [SLACK])).toEqual([]);
    });
  }

  it('…while the bot door does load Bolt (the checks above are not vacuous)', () => {
    expect(reachableFrom('src/bot/index.ts').packages.has('@slack/bolt')).toBe(true);
    expect([...reachableFrom('src/cli/commands/digest.ts').files]).toContain(path.resolve('src/bot/intake.ts'));
  });

  it('the CLI loads role code lazily: its static imports reach no SDK', () => {
    expect(violations('src/cli.ts', [AWS, LLM, SLACK], { followDynamic: false })).toEqual([]);
  });

  it('fails on a deliberate violation, naming the chain that reaches the SDK', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plainfra-graph-'));
    mkdirSync(path.join(dir, 'tools'));
    writeFileSync(path.join(dir, 'sentinel.ts'), "import { helper } from './tools/index.js';\nexport const x = helper;\n");
    writeFileSync(path.join(dir, 'tools', 'index.ts'), "export { helper } from './sneaky.js';\n");
    writeFileSync(
      path.join(dir, 'tools', 'sneaky.ts'),
      "import type { STSClient } from '@aws-sdk/client-sts';\nexport const helper = 1 as unknown as STSClient;\n",
    );
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
