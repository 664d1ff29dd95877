import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCases, type EvalCase } from '../src/eval/cases.js';
import { evalMain } from '../src/eval/main.js';
import { createReplayRunner } from '../src/eval/replay.js';
import { scoreAnswer } from '../src/eval/score.js';
import { estimateCostUsd } from '../src/eval/prices.js';
import { collectSources, extractFigures, groundText } from '../src/grounding/index.js';
import { dispatch } from '../src/cli/registry.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic.js';
import { ADMIN_DATABASE_URL } from './helpers/db.js';
import { requestFor, scriptedModel, type ScriptedKind } from './eval-scripted.js';

/** `plainfra eval`: bundled cases, replayed AWS data, figure scoring, and the command's exits. */

const CASES = loadCases();
/** What the fake Models API knows. */
const MODELS = { 'claude-sonnet-4-5': { lifecycle: 'deprecated' as const, retires_at: '2026-11-30T00:00:00Z' }, 'claude-haiku-4-5': {} };
const accountOf = (c: EvalCase) => ({
  accountName: c.accounts[0]!.name,
  roleArn: `arn:aws:iam::${c.accounts[0]!.accountId}:role/plainfra-readonly`,
  externalId: 'unused',
  regions: c.accounts[0]!.regions,
});
const ctx = { conversationId: 'eval', teamId: 'T', userId: 'U' };

describe('the bundled eval set', () => {
  it('has at least 30 valid cases covering the questions people ask', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    const topics = new Set(CASES.map((c) => c.topic));
    for (const t of [
      'cost by service',
      'cost by period',
      'cost by tag',
      'cost by account',
      'month-over-month',
      'forecast',
      'anomalies',
      'credits vs usage',
      'Security Hub by severity',
      'public S3 buckets',
      'open security groups',
      'untagged resources',
      'idle resources',
      'IAM users without MFA',
      'old access keys',
    ]) {
      expect(topics, t).toContain(t);
    }
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s: every recorded call replays through hawk, and the expected figures are in the shaped results',
    async (_name, c) => {
      const runner = createReplayRunner(c.recorded);
      const sources: { ref: string; data: unknown }[] = [];
      for (const call of c.recorded) {
        const outcome = await runner.run(accountOf(c), ctx, requestFor(call));
        expect(outcome.status, JSON.stringify(outcome)).toBe('ok');
        if (outcome.status === 'ok') sources.push({ ref: call.operation, data: outcome.result });
      }
      const answer = c.expect.join(', ');
      // Figures the grounding check checks must be supported by the data (directly or by its arithmetic);
      // the others are small counts (≤ 10) the reader counts from the listed items.
      expect(groundText(answer, collectSources(sources as never)).unverified.map((f) => f.text)).toEqual([]);
      const checked = new Set(extractFigures(answer).map((f) => f.start));
      let at = 0;
      for (const e of c.expect) {
        if (!checked.has(at)) expect(Number(e), `${e} is neither checked by grounding nor a small count`).toBeLessThanOrEqual(10);
        at += e.length + 2;
      }
    },
  );

  it('refuses a case file with a bad case, naming the file and the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plainfra-eval-'));
    writeFileSync(
      path.join(dir, 'bad.json'),
      JSON.stringify([
        {
          name: 'Bad Name',
          topic: 't',
          question: 'what did it cost?',
          recorded: [{ service: 'ce', operation: 'GetCostAndUsage' }],
          expect: ['no digits'],
        },
      ]),
    );
    expect(() => loadCases(dir)).toThrow(
      new RegExp(
        String.raw`bad\.json is invalid:[\s\S]*name: lower-case[\s\S]*recorded\.0: give exactly one of response, pages or error` +
          String.raw`[\s\S]*expect\.0: an expected figure must contain digits`,
      ),
    );
    writeFileSync(path.join(dir, 'bad.json'), '[{');
    expect(() => loadCases(dir)).toThrow(/bad\.json is not valid JSON/);
  });
});

describe('replaying recorded AWS data', () => {
  const c = CASES.find((x) => x.name === 'top-service-october')!;

  it('answers a request the case did not record with an error naming what was recorded', async () => {
    const out = await createReplayRunner(c.recorded).run(accountOf(c), ctx, { service: 'ec2', operation: 'DescribeInstances' });
    expect(out).toMatchObject({ status: 'error', retryable: false });
    expect(out.status === 'error' && out.message).toMatch(/no ec2:DescribeInstances response .*Recorded operations: ce:GetCostAndUsage/);
  });

  it('keeps hawk refusing writes and other accounts before any replay', async () => {
    const runner = createReplayRunner(c.recorded);
    expect(
      await runner.run(accountOf(c), ctx, { service: 'ec2', operation: 'TerminateInstances', params: { InstanceIds: ['i-1'] } }),
    ).toMatchObject({ status: 'refused' });
    const foreign = await runner.run(accountOf(c), ctx, {
      service: 'iam',
      operation: 'SimulatePrincipalPolicy',
      params: { PolicySourceArn: 'arn:aws:iam::999999999999:role/x', ActionNames: ['s3:GetObject'] },
    });
    expect(foreign).toMatchObject({ status: 'refused' });
    expect(runner.calls).toEqual([]);
  });
});

describe('scoring by figures', () => {
  it('matches values after normalising currency and thousands separators, exactly', () => {
    expect(scoreAnswer('EC2 cost 4182.37 USD in October.', ['$4,182.37']).missing).toEqual([]);
    expect(scoreAnswer('EC2 cost about $4,182.4.', ['$4,182.37']).missing).toEqual(['$4,182.37']);
    expect(scoreAnswer('Up 12.5 from last month.', ['12.5%']).missing).toEqual(['12.5%']);
    expect(scoreAnswer('Up 12.5 % from last month; three users have no MFA.', ['12.5%', '3']).score).toBe(1);
  });

  it('prices tokens for known models and says n/a (undefined) for others', () => {
    expect(
      estimateCostUsd('claude-sonnet-4-5-20250929', { input: 1_000_000, output: 0, cacheRead: 1_000_000, cacheCreation: 0 }),
    ).toBeCloseTo(3.3);
    expect(estimateCostUsd('some-other-model', { input: 1, output: 1, cacheRead: 0, cacheCreation: 0 })).toBeUndefined();
  });
});

describe('plainfra eval against the Messages API (fake) with a scripted model', () => {
  const fakes: FakeAnthropic[] = [];
  const servers: Partial<Record<ScriptedKind, FakeAnthropic>> = {};
  // Another test run on the same server may have eval databases of its own: check this run's by name.
  const databaseExists = async (name: string) => {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await client.connect();
    try {
      return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    } finally {
      await client.end();
    }
  };
  const databaseNamed = (text: string) => /temporary database (plainfra_eval_[0-9a-f]+)/.exec(text)?.[1];

  beforeAll(async () => {
    for (const kind of ['right', 'wrong'] as const) {
      const fake = await startFakeAnthropic({ apiKey: 'sk-eval', script: scriptedModel(CASES, kind), simulateCache: true, models: MODELS });
      fakes.push(fake);
      servers[kind] = fake;
    }
  });
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
  });

  const env = (kind: ScriptedKind) => ({
    DATABASE_URL: ADMIN_DATABASE_URL,
    ANTHROPIC_API_KEY: 'sk-eval',
    ANTHROPIC_BASE_URL: servers[kind]!.url,
    PLAINFRA_MODEL: 'claude-sonnet-4-5',
    LOG_LEVEL: 'silent',
  });
  async function run(kind: ScriptedKind, opts: { only?: string; json?: boolean; minScore?: number; model?: string } = {}) {
    const out: string[] = [];
    const progress: string[] = [];
    const code = await evalMain({
      json: false,
      minScore: 0.9,
      ...opts,
      env: env(kind),
      out: (t) => out.push(t),
      progress: (t) => progress.push(t),
    });
    return { code, out: out.join('\n'), progress };
  }

  it('scores 100 % for a model that states the right figures, with tokens and cost per question', async () => {
    const r = await run('right', { json: true });
    const report = JSON.parse(r.out);
    expect(r.code).toBe(0);
    expect(report.cases).toHaveLength(CASES.length);
    expect(
      report.cases
        .filter((c: { pass: boolean }) => !c.pass)
        .map((c: { name: string; missing: string[]; error?: string }) => [c.name, c.missing, c.error]),
    ).toEqual([]);
    expect(report.score).toBe(1);
    for (const c of report.cases) {
      expect(c.steps).toBeGreaterThanOrEqual(2);
      expect(c.tokens.input + c.tokens.cacheRead + c.tokens.cacheCreation).toBeGreaterThan(0);
      expect(c.costUsd).toBeGreaterThan(0);
      expect(c.awsCalls.every((a: { recorded: boolean }) => a.recorded)).toBe(true);
    }
  }, 180_000);

  it('scores 0 % for a model that states wrong figures: they are sent back, then removed, and the exit code is 1', async () => {
    const r = await run('wrong');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`model claude-sonnet-4-5: 0/${CASES.length} passed \\(0 %; required 90 %\\)`));
    // sonnet-4-5 is deprecated (in the SDK's list and the fake Models API): measured anyway, with a warning.
    expect(r.progress.slice(0, 2)).toEqual([
      expect.stringMatching(/claude-sonnet-4-5 is deprecated in the installed Anthropic SDK \(end of life/),
      'plainfra eval: claude-sonnet-4-5 is deprecated and retires 2026-11-30',
    ]);
    // The temporary database is named on stderr, and gone afterwards.
    const name = databaseNamed(r.progress[2]!);
    expect(name).toBeDefined();
    expect(await databaseExists(name!)).toBe(false);
    expect(r.progress.slice(3)).toHaveLength(CASES.length);
    expect(r.progress[3]).toMatch(/^\[1\/\d+\] FAIL total-bill-october \(\d steps\)$/);
    expect(r.out).toMatch(
      new RegExp(
        String.raw`FAIL {2}total-bill-october {2}\(cost by period\) {2}steps \d+ {2}` +
          String.raw`tokens in \d+ \/ out \d+ \/ cache read \d+ \/ cache write \d+ {2}cost \$\d`,
      ),
    );
    expect(r.out).toMatch(/missing figures: \$18,432\.17/);
    expect(r.out).toMatch(/unverified figures \(grounding\): \$184,328\.70 — 1 removed from the answer/);
  }, 180_000);

  it('--only runs the named cases; --json gives the machine-readable report', async () => {
    const r = await run('right', { only: 'forecast-november,public-s3-buckets', json: true, model: 'claude-haiku-4-5' });
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ model: 'claude-haiku-4-5', passed: 2, score: 1, minScore: 0.9 });
    expect(Object.keys(report).sort()).toEqual([
      'cases',
      'costUsd',
      'minScore',
      'model',
      'passed',
      'score',
      'seconds',
      'startedAt',
      'tokens',
    ]);
    expect(report.cases.map((c: { name: string }) => c.name)).toEqual(['forecast-november', 'public-s3-buckets']);
    expect(Object.keys(report.cases[0]).sort()).toEqual(
      [
        'answer',
        'awsCalls',
        'costUsd',
        'error',
        'expected',
        'missing',
        'name',
        'outcome',
        'pass',
        'question',
        'removed',
        'score',
        'steps',
        'tokens',
        'topic',
        'unverified',
      ].filter((k) => k !== 'error'),
    );
    expect(report.cases[1].awsCalls.filter((a: { operation: string }) => a.operation === 's3:GetBucketPolicyStatus')).toHaveLength(7);
    expect(r.progress).toEqual([]); // haiku-4-5 is active: no warning, and --json prints no progress
  }, 60_000);

  it('--min-score decides the exit code', async () => {
    expect((await run('wrong', { only: 'forecast-november', minScore: 0 })).code).toBe(0);
    expect((await run('right', { only: 'forecast-november', minScore: 1 })).code).toBe(0);
    expect((await run('wrong', { only: 'forecast-november', minScore: 0.01 })).code).toBe(1);
  }, 60_000);

  it('rejects an unknown case, a bad --min-score and missing settings with what to do', async () => {
    await expect(run('right', { only: 'no-such-case' })).rejects.toThrow(
      /--only: no eval case named no-such-case; cases: total-bill-october/,
    );
    await expect(dispatch(['eval', '--min-score', '2'])).rejects.toThrow(/--min-score must be a number from 0 to 1/);
    await expect(evalMain({ json: false, minScore: 0.9, env: { DATABASE_URL: ADMIN_DATABASE_URL } })).rejects.toThrow(
      /plainfra eval: configuration refused\n {2}- ANTHROPIC_API_KEY/,
    );
    await expect(run('right', { model: 'claude-nope-9' })).rejects.toThrow(
      /the Anthropic API does not know model "claude-nope-9" for this key: pass --model/,
    );
    await expect(
      evalMain({ json: false, minScore: 0.9, env: { ...env('right'), ANTHROPIC_API_KEY: 'sk-wrong' }, progress: () => undefined }),
    ).rejects.toThrow(/refused ANTHROPIC_API_KEY \(HTTP 401\)/);
    const badDb = { ...env('right'), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' };
    await expect(
      evalMain({ json: false, minScore: 0.9, env: badDb, only: 'forecast-november', progress: () => undefined }),
    ).rejects.toThrow(/could not create its temporary database .*CREATEDB/);
  }, 30_000);

  it('drops its temporary database when interrupted (Ctrl-C) mid-run', async () => {
    const slow = await startFakeAnthropic({
      apiKey: 'sk-eval',
      script: () => ({ text: 'still thinking', delayMs: 20_000 }),
      models: MODELS,
    });
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'eval', '--only', 'forecast-november'], {
        env: { ...process.env, ...env('right'), ANTHROPIC_BASE_URL: slow.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await slow.waitForRequests(1, 20_000);
      const name = databaseNamed(stderr);
      expect(name).toBeDefined();
      expect(await databaseExists(name!)).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/plainfra eval: SIGINT, dropping the temporary database plainfra_eval_[0-9a-f]+/);
      expect(await databaseExists(name!)).toBe(false);
    } finally {
      await slow.close();
    }
  }, 60_000);
});
