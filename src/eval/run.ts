/**
 * Runs the eval set: each question through the real sentinel loop (runTurnStep: transcript,
 * prompt, tools, grounding, audit) against the configured model, with hawk's real job code
 * (runHawkJob: allowlist, account scope, audit) over a replay runner instead of AWS. Jobs go
 * through an in-memory queue, one step at a time, as the workers would take them.
 */
import type { Logger } from 'pino';
import { addAccount, bindChannel } from '../accounts/index.js';
import { isKind, readTrail, recordAudit } from '../audit/index.js';
import { conversations, type Db } from '../db/index.js';
import { runTurnStep, type Llm } from '../agents/index.js';
// hawk's job handler itself (workers/ is process entry points, with no door): the eval runs it in-process.
import { runHawkJob } from '../workers/hawk-job.js';
import type { EvalCase } from './cases.js';
import { MemoryEnqueuer } from './memory-enqueuer.js';
import { estimateCostUsd, type TokenCounts } from './prices.js';
import { createReplayRunner, type ReplayedCall } from './replay.js';
import { scoreAnswer } from './score.js';

export interface EvalOptions {
  db: Db;
  llm: Llm;
  model: string;
  logger: Logger;
  maxSteps: number;
  docsBaseUrl: string;
  transcriptBudgetTokens?: number;
  /** Called after each case (progress on stderr). */
  onCase?: (r: CaseResult, index: number, total: number) => void;
}

export interface CaseResult {
  name: string;
  topic: string;
  question: string;
  pass: boolean;
  /** Share of expected figures the answer states, 0..1. */
  score: number;
  expected: string[];
  missing: string[];
  /** Figures the grounding check could not match to the AWS data (before they were removed). */
  unverified: string[];
  /** Figures removed from the posted answer. */
  removed: number;
  /** How the turn ended: answer, step_cap, error … */
  outcome: string;
  answer: string;
  steps: number;
  tokens: TokenCounts;
  costUsd: number | null;
  awsCalls: ReplayedCall[];
  error?: string;
}

export interface EvalReport {
  model: string;
  cases: CaseResult[];
  passed: number;
  /** Passed / total, 0..1: what --min-score compares. */
  score: number;
  tokens: TokenCounts;
  costUsd: number | null;
  startedAt: string;
  seconds: number;
}

const TEAM_PREFIX = 'T0EVAL';

export async function runEval(cases: EvalCase[], opts: EvalOptions): Promise<EvalReport> {
  const started = Date.now();
  const results: CaseResult[] = [];
  for (const [i, c] of cases.entries()) {
    const r = await runCase(c, i, opts).catch((err: Error) => failedCase(c, err));
    results.push(r);
    opts.onCase?.(r, i, cases.length);
  }
  const tokens = sumTokens(results.map((r) => r.tokens));
  const costs = results.map((r) => r.costUsd);
  const passed = results.filter((r) => r.pass).length;
  return {
    model: opts.model,
    cases: results,
    passed,
    score: results.length ? passed / results.length : 0,
    tokens,
    costUsd: costs.every((c) => c !== null) ? costs.reduce((a, b) => a + b!, 0) : null,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
  };
}

async function runCase(c: EvalCase, index: number, opts: EvalOptions): Promise<CaseResult> {
  const turn = await seedCase(opts.db, c, index);
  const { reply, awsCalls } = await playTurn(c, opts, turn);
  const trail = await measureTrail(opts.db, turn);
  const scored = scoreAnswer(reply.text, c.expect);
  const cost = estimateCostUsd(opts.model, trail.tokens);
  return {
    name: c.name,
    topic: c.topic,
    question: c.question,
    pass: scored.missing.length === 0 && trail.removed === 0 && reply.outcome === 'answer',
    score: scored.score,
    expected: c.expect,
    missing: scored.missing,
    unverified: trail.unverified,
    removed: trail.removed,
    outcome: reply.outcome,
    answer: reply.text,
    steps: trail.steps,
    tokens: trail.tokens,
    costUsd: cost ?? null,
    awsCalls,
  };
}

interface CaseTurn {
  readonly conversationId: string;
  readonly turnId: string;
}

/** A team of its own per case: the case's accounts bound to one channel, and the question asked there. */
async function seedCase(db: Db, c: EvalCase, index: number): Promise<CaseTurn> {
  const teamId = `${TEAM_PREFIX}${String(index).padStart(3, '0')}${Date.now().toString(36).toUpperCase()}`;
  const channelId = 'C0EVAL001';
  for (const a of c.accounts) {
    await addAccount(db, { teamId, name: a.name, roleArn: `arn:aws:iam::${a.accountId}:role/plainfra-readonly`, regions: a.regions });
    await bindChannel(db, { teamId, channelId, accountName: a.name });
  }
  const [conv] = await db
    .insert(conversations)
    .values({ teamId, channelId, threadTs: `1764000000.${String(index).padStart(6, '0')}`, startedBy: 'U0EVAL' })
    .returning();
  const { row } = await recordAudit(db, {
    conversationId: conv!.id,
    actor: 'bot',
    kind: 'message_in',
    payload: { text: c.question, user: 'U0EVAL' },
  });
  return { conversationId: conv!.id, turnId: String(row.id) };
}

/** Runs the turn's jobs one at a time, as the workers would, until the reply job; AWS is the case's recording. */
async function playTurn(
  c: EvalCase,
  opts: EvalOptions,
  { conversationId, turnId }: CaseTurn,
): Promise<{ reply: { text: string; outcome: string }; awsCalls: ReplayedCall[] }> {
  const { db, logger } = opts;
  const enqueuer = new MemoryEnqueuer();
  const runner = createReplayRunner(c.recorded);
  const sentinel = {
    db,
    enqueuer,
    llm: opts.llm,
    logger,
    model: opts.model,
    maxSteps: opts.maxSteps,
    docsBaseUrl: opts.docsBaseUrl,
    transcriptBudgetTokens: opts.transcriptBudgetTokens,
  };
  const hawk = { db, enqueuer, runner, logger };
  await enqueuer.add('sentinel', { conversationId, turnId, step: 0 });
  let reply: { text: string; outcome: string } | undefined;
  // Each step is one job; the step cap ends the turn long before this bound.
  for (let n = 0; n < opts.maxSteps * 3 + 3 && !reply; n++) {
    const job = enqueuer.next();
    if (!job) throw new Error('the turn stopped without a reply (no job left to run)');
    if (job.name === 'sentinel') await runTurnStep(sentinel, job.payload, { number: 1, isFinal: true });
    else if (job.name === 'hawk') await runHawkJob(hawk, job.payload, { isFinal: true });
    else if (job.name === 'replies') reply = { text: job.payload.text, outcome: job.payload.outcome ?? 'answer' };
    else throw new Error(`unexpected ${job.name} job`);
  }
  if (!reply) throw new Error('the turn did not finish within the step bound');
  return { reply, awsCalls: runner.calls };
}

/** What the turn's audit trail says: tokens and steps from the LLM responses, figures from grounding. */
async function measureTrail(
  db: Db,
  { conversationId, turnId }: CaseTurn,
): Promise<{ tokens: TokenCounts; steps: number; unverified: string[]; removed: number }> {
  const trail = await readTrail(db, conversationId);
  const responses = trail.filter(isKind('llm_response')).filter((r) => r.payload.turnId === turnId);
  const tokens = sumTokens(
    responses.map((r) => {
      const u = r.payload.usage ?? {};
      return {
        input: u.input_tokens ?? 0,
        output: u.output_tokens ?? 0,
        cacheRead: u.cache_read_input_tokens ?? 0,
        cacheCreation: u.cache_creation_input_tokens ?? 0,
      };
    }),
  );
  const groundings = trail.filter(isKind('grounding')).filter((r) => r.payload.turnId === turnId);
  const lastGrounding = groundings.at(-1);
  const unverified = [
    ...new Set(
      groundings.flatMap((g) =>
        (g.payload.figures ?? []).filter((f: { verified: boolean }) => !f.verified).map((f: { text: string }) => f.text),
      ),
    ),
  ];
  const removed =
    lastGrounding?.payload.verdict === 'removed'
      ? (lastGrounding.payload.figures ?? []).filter((f: { verified: boolean }) => !f.verified).length
      : 0;
  return { tokens, steps: responses.length, unverified, removed };
}

function failedCase(c: EvalCase, err: Error): CaseResult {
  return {
    name: c.name,
    topic: c.topic,
    question: c.question,
    pass: false,
    score: 0,
    expected: c.expect,
    missing: c.expect,
    unverified: [],
    removed: 0,
    outcome: 'error',
    answer: '',
    steps: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
    costUsd: null,
    awsCalls: [],
    error: err.message,
  };
}

function sumTokens(ts: TokenCounts[]): TokenCounts {
  return ts.reduce(
    (a, t) => ({
      input: a.input + t.input,
      output: a.output + t.output,
      cacheRead: a.cacheRead + t.cacheRead,
      cacheCreation: a.cacheCreation + t.cacheCreation,
    }),
    { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
  );
}
