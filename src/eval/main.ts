// The CLI's usage error (cli/ has no door: it is the entry point), so `plainfra eval` exits 2 like every command.
import { UsageError } from '../cli/command.js';
import { pino, type Logger } from 'pino';
import { createConfiguredLlm, type Llm } from '../agents/index.js';
import { loadCases, type EvalCase } from './cases.js';
import { loadEvalConfig } from './config.js';
import { createEvalDatabase, type EvalDatabase } from './database.js';
import { checkModelFirst } from './model-check.js';
import { formatReport } from './report.js';
import { runEval } from './run.js';

/** SDK retries per LLM call in the eval (the queue's attempts, which the eval does not have). */
export const EVAL_LLM_RETRIES = 2;

export interface EvalMainOptions {
  model?: string;
  /** Comma-separated case names. */
  only?: string;
  json: boolean;
  minScore: number;
  env?: NodeJS.ProcessEnv;
  /** Tests swap the transport; default: the sentinel's (PLAINFRA_LLM_PROVIDER: the Anthropic API or Amazon Bedrock). */
  llm?: Llm;
  casesDir?: string;
  /** Where the report goes (default stdout) and progress (default stderr). */
  out?: (text: string) => void;
  progress?: (text: string) => void;
}

export function selectCases(all: EvalCase[], only: string | undefined): EvalCase[] {
  if (!only) return all;
  const names = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length) throw new UsageError(`--only: no eval case named ${unknown.join(', ')}; cases: ${all.map((c) => c.name).join(', ')}`);
  return all.filter((c) => names.includes(c.name));
}

/** Runs the eval and prints it; resolves to the exit code (1 below --min-score). */
export async function evalMain(opts: EvalMainOptions): Promise<number> {
  const config = loadEvalConfig(opts.env, opts.model);
  const model = config.PLAINFRA_MODEL;
  const cases = selectCases(loadCases(opts.casesDir), opts.only);
  const out = opts.out ?? ((t: string) => process.stdout.write(`${t}\n`));
  const progress = opts.progress ?? ((t: string) => process.stderr.write(`${t}\n`));
  const logger = evalLogger(config.LOG_LEVEL);
  // The sentinel's client makes one HTTP attempt per call and leaves retries to the queue; the eval
  // runs each step once, so the SDK retries an overloaded or unreachable API itself (not a refusal).
  const llm = opts.llm ?? (await createConfiguredLlm(config, logger, { maxRetries: EVAL_LLM_RETRIES }));
  await checkModelFirst(config, llm, { warn: progress, quiet: opts.json });
  const report = await inTemporaryDatabase(config.DATABASE_URL, opts.json, progress, (db) =>
    runEval(cases, {
      db,
      llm,
      model,
      logger,
      maxSteps: config.PLAINFRA_MAX_STEPS,
      docsBaseUrl: config.PLAINFRA_DOCS_URL,
      transcriptBudgetTokens: config.PLAINFRA_TRANSCRIPT_TOKEN_BUDGET,
      onCase: opts.json ? undefined : (r, i, n) => progress(`[${i + 1}/${n}] ${r.pass ? 'PASS' : 'FAIL'} ${r.name} (${r.steps} steps)`),
    }),
  );
  out(opts.json ? JSON.stringify({ ...report, minScore: opts.minScore }, null, 2) : formatReport(report, opts.minScore));
  return report.score + 1e-9 >= opts.minScore ? 0 : 1;
}

/**
 * The loop's own log lines go to stderr (stdout is the report, --json must stay parseable), and
 * at the default level only errors: figures removed or calls refused are what the report shows.
 */
function evalLogger(level: string): Logger {
  return pino({ name: 'plainfra-eval', base: { role: 'eval' }, level: level === 'info' ? 'error' : level }, pino.destination(2));
}

/** Runs `run` against a temporary database that is dropped at the end, on Ctrl-C or a kill too. */
async function inTemporaryDatabase<T>(
  databaseUrl: string,
  quiet: boolean,
  progress: (text: string) => void,
  run: (db: EvalDatabase['db']) => Promise<T>,
): Promise<T> {
  const database = await createEvalDatabase(databaseUrl);
  // Named so an operator whose run was killed with SIGKILL knows what to drop (--json prints no progress).
  if (!quiet) progress(`plainfra eval: audit trail in the temporary database ${database.name} (dropped at the end)`);
  // Ctrl-C or a kill mid-run still drops the temporary database.
  const interrupted = (signal: NodeJS.Signals) => {
    progress(`plainfra eval: ${signal}, dropping the temporary database ${database.name}`);
    void database.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await run(database.db);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await database.drop();
  }
}
