/**
 * How fast, and how reliably, does a Slack question become an answer in its thread? Runs the whole
 * question path with the same real processes and fakes as test/e2e-question.test.ts: `plainfra bot`,
 * `hawk` and `sentinel` as three processes on Redis and a fresh Postgres database, against the fake
 * Slack, Anthropic and AWS servers of test/fakes.
 *
 *   npx tsx bench/question-path.ts [--questions N] [--concurrency C]      (defaults: 200, 10)
 *
 * Every question is one agent turn of two LLM calls around one `aws_query` (ce GetCostAndUsage).
 * The load is closed-loop: C askers each post a signed app_mention, wait for the answer in its
 * thread, then post the next, so at most C questions are in flight. Two phases of N questions:
 *   - cold:   every question asks about another day, so hawk misses the Cost Explorer cache and
 *             does AssumeRole + GetCostAndUsage;
 *   - cached: the same days again (in new threads), so every CE call is a Redis cache hit.
 * C warm-up questions (not counted) come first, so the figures are not a process's first requests.
 *
 * Latencies: ack = until POST /slack/events has answered; answer = from that POST until the fake
 * Slack receives the chat.postMessage in the question's thread (`slack.waitFor` resolves as the
 * call is recorded). "Where the time goes" splits the answer time using the audit rows' created_at,
 * and CPU ms per answer by process (from /proc) tells a saturated machine from a path that waits.
 * Exits 1 if any question got no answer, more than one, or a wrong one. The database, the Redis keys
 * of the run's queue prefix and the processes are removed at the end, whatever happened.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { firstUserText, startFakeAnthropic, type FakeAnthropic, type ReceivedRequest, type Turn } from '../test/fakes/anthropic.js';
import { assumeRoleHandler, startFakeAws, type FakeAws, type FakeHandler } from '../test/fakes/aws.js';
import { appMentionEnvelope, postSignedEvent } from '../test/fakes/slack-signing.js';
import { startFakeSlack, type FakeSlack } from '../test/fakes/slack.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db.js';
import { freePort, roleEnvironments, runPlainfra, spawnPlainfra, type RoleProcess } from '../test/helpers/processes.js';
import { REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { costQueryTurn, quotedAmount } from '../test/helpers/cost-question.js';

const TEAM = 'T0BENCH001';
const CHANNEL = 'C0BENCH001';
const BOT_USER = 'U0PLAINFRA';
const SIGNING_SECRET = 'bench-signing-secret';
const BOT_TOKEN = 'xoxb-bench-token';
const ANTHROPIC_KEY = 'sk-bench';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/plainfra-readonly';
/** Generous: a question not answered by then counts as missed. */
const ANSWER_TIMEOUT_MS = 120_000;
/** After the last answer, how long a wrong second answer gets to show up before we count. */
const DUPLICATE_GRACE_MS = 2_000;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// Options and build
// ---------------------------------------------------------------------------------------------

interface Options {
  questions: number;
  concurrency: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: { questions: { type: 'string' }, concurrency: { type: 'string' } }, strict: true });
  const int = (v: string | undefined, fallback: number, name: string) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return { questions: int(values.questions, 200, 'questions'), concurrency: int(values.concurrency, 10, 'concurrency') };
}

function newestMtime(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newestMtime(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs,
    ),
  );
}

/** The processes run dist/cli.js, exactly what operators run; a stale build would bench old code. */
function buildIfStale(): void {
  const cli = path.join(ROOT, 'dist/cli.js');
  let built = 0;
  try {
    built = statSync(cli).mtimeMs;
  } catch {
    // missing: build
  }
  if (built >= newestMtime(path.join(ROOT, 'src'))) return;
  console.log('building dist/ (src is newer than dist/cli.js) …');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

// ---------------------------------------------------------------------------------------------
// The scripted world: question k asks about day k, the fake AWS prices day k at 1000+k dollars
// ---------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2024, 0, 1);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A distinct one-day TimePeriod per k, so distinct questions have distinct CE cache keys. */
function periodOf(k: number): { Start: string; End: string } {
  return { Start: isoDay(FIRST_DAY + k * DAY_MS), End: isoDay(FIRST_DAY + (k + 1) * DAY_MS) };
}

/** The amount the fake AWS reports for a period: tells us each answer belongs to its question. */
function amountOf(start: string): string {
  const k = Math.round((Date.parse(`${start}T00:00:00Z`) - FIRST_DAY) / DAY_MS);
  return `${1000 + k}.25`;
}

const questionText = (k: number) => `what did we spend in bench period ${k}?`;

/** The model: step 0 asks Cost Explorer about the question's period, step 1 answers with the amount. */
function modelScript(request: ReceivedRequest): Turn {
  if (request.assistantTurns === 0) {
    const k = Number(/bench period (\d+)/.exec(firstUserText(request.body))?.[1] ?? 0);
    return costQueryTurn(periodOf(k));
  }
  // Same extraction as the e2e test: the first amount in the tool result hawk shaped for the model.
  const amount = quotedAmount(request.body) ?? 'NO-NUMBER';
  return { text: `Your unblended cost for the period is *$${amount}*.` };
}

const costAndUsage: FakeHandler = (req) => {
  const period = req.json?.TimePeriod as { Start: string; End: string };
  return {
    result: {
      ResultsByTime: [
        { TimePeriod: period, Total: { UnblendedCost: { Amount: amountOf(period.Start), Unit: 'USD' } }, Groups: [], Estimated: true },
      ],
      DimensionValueAttributes: [],
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Stack: database, fakes and the three processes, set up as the e2e test does
// ---------------------------------------------------------------------------------------------

interface Stack {
  dbh: TestDatabase;
  prefix: string;
  eventsUrl: string;
  slack: FakeSlack;
  llm: FakeAnthropic;
  aws: FakeAws;
  procs: Record<'bot' | 'hawk' | 'sentinel', RoleProcess>;
}

/** Everything started so far, undone in reverse order; filled as startStack goes so a failed start cleans up too. */
const teardown: Array<() => Promise<unknown>> = [];

function cli(args: string[], env: Record<string, string>): string {
  const r = runPlainfra(args, env);
  if (r.status !== 0) throw new Error(`plainfra ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

async function startStack(): Promise<Stack> {
  const dbh = await createTestDatabase();
  teardown.push(() => dbh.drop());
  const prefix = uniquePrefix();
  teardown.push(() => deleteRedisKeys(prefix));
  const port = await freePort();

  const slack = await startFakeSlack({ token: BOT_TOKEN, teamId: TEAM, botUserId: BOT_USER });
  const llm = await startFakeAnthropic({ script: modelScript, apiKey: ANTHROPIC_KEY });
  const aws = await startFakeAws({ handlers: { 'ce:GetCostAndUsage': costAndUsage } });
  teardown.push(() => Promise.all([slack.close(), llm.close(), aws.close()]));

  const base = { DATABASE_URL: dbh.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: prefix, PLAINFRA_JOB_LOCK_MS: '3000', LOG_LEVEL: 'info' };
  const added = cli(['accounts', 'add', '--team', TEAM, '--name', 'prod', '--role-arn', ROLE_ARN, '--regions', 'us-east-1'], base);
  const externalId = /ExternalId:\s+(\S+)/.exec(added)?.[1];
  if (!externalId) throw new Error(`no ExternalId in the output of accounts add:\n${added}`);
  aws.handle('sts:AssumeRole', assumeRoleHandler({ externalId, roleArn: ROLE_ARN }));
  cli(['channels', 'bind', '--team', TEAM, '--channel', CHANNEL, '--account', 'prod'], base);

  // Per-role environment exactly as in the e2e test: each process gets only its own secrets.
  const env = roleEnvironments({
    base,
    port,
    slackUrl: slack.url,
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    botUserId: BOT_USER,
    anthropicUrl: llm.url,
    anthropicKey: ANTHROPIC_KEY,
    awsUrl: aws.url,
  });
  const procs = {
    bot: spawnPlainfra(['bot'], env.bot),
    hawk: spawnPlainfra(['hawk'], env.hawk),
    sentinel: spawnPlainfra(['sentinel'], env.sentinel),
  };
  // Stopped before the fakes close and the keys are deleted (teardown runs in reverse).
  teardown.push(() => Promise.all(Object.values(procs).map((p) => p.stop())));
  await Promise.all([
    procs.bot.waitForOutput(/bot ready|listening/i),
    procs.hawk.waitForOutput(/hawk ready/),
    procs.sentinel.waitForOutput(/sentinel ready/),
  ]);
  return { dbh, prefix, eventsUrl: `http://127.0.0.1:${port}/slack/events`, slack, llm, aws, procs };
}

async function runTeardown(): Promise<void> {
  while (teardown.length) {
    await teardown.pop()!().catch((err: Error) => console.error(`cleanup step failed: ${err.message}`));
  }
}

/** Removes the BullMQ keys and the CE cache (`<prefix>:ce-cache…`): everything under `<prefix>:`. */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const stream = redis.scanStream({ match: `${prefix}:*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Load: closed-loop askers
// ---------------------------------------------------------------------------------------------

interface Question {
  /** Thread ts (unique per question over the run). */
  ts: string;
  eventId: string;
  /** Which day it asks about. */
  period: number;
}

interface Asked extends Question {
  ackStatus: number;
  ackMs: number;
  /** Epoch ms of the POST, to line up with the audit rows' created_at. */
  postedAt: number;
  answerMs?: number;
  answerText?: string;
}

let questionCounter = 0;
function newQuestion(period: number): Question {
  const n = ++questionCounter;
  return { ts: `1764070000.${String(n).padStart(6, '0')}`, eventId: `Ev0BENCH${String(n).padStart(6, '0')}`, period };
}

async function ask(stack: Stack, q: Question): Promise<Asked> {
  const body = JSON.stringify(
    appMentionEnvelope({
      teamId: TEAM,
      channel: CHANNEL,
      user: 'U0ALICE',
      text: questionText(q.period),
      ts: q.ts,
      eventId: q.eventId,
      botUserId: BOT_USER,
    }),
  );
  // Listen before posting so no answer can slip past; the fake resolves this as it records the call.
  const answered = stack.slack.waitFor('chat.postMessage', (c) => c.ok && c.args.thread_ts === q.ts, ANSWER_TIMEOUT_MS);
  answered.catch(() => undefined); // a miss is reported below, not as an unhandled rejection
  const postedAt = Date.now();
  const t0 = performance.now();
  const res = await postSignedEvent(stack.eventsUrl, SIGNING_SECRET, body);
  await res.text();
  const asked: Asked = { ...q, ackStatus: res.status, ackMs: performance.now() - t0, postedAt };
  if (res.status !== 200) return asked;
  try {
    const call = await answered;
    asked.answerMs = performance.now() - t0;
    asked.answerText = String(call.args.text);
  } catch {
    // missed: no answerMs
  }
  return asked;
}

/** Runs `fn` over `items` with at most `limit` in flight, in order of `items`. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/** Nearest-rank percentile. */
function pct(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}` : '—');

interface Phase {
  name: string;
  asked: Asked[];
  wallMs: number;
  awsCalls: { assumeRole: number; costAndUsage: number };
  audit: { mean: number; min: number; max: number };
  stages: { label: string; p50: number; p95: number }[];
  /** CPU ms per answer by process (see cpuSnapshot and cpuDelta). */
  cpuPerAnswer: Record<string, number>;
  /** Shares of the machine's CPU time (all cores) that were busy, and stolen by the hypervisor. */
  machineBusy: number;
  machineSteal: number;
  problems: string[];
}

async function runPhase(stack: Stack, name: string, periods: number[], concurrency: number): Promise<Phase> {
  const questions = periods.map(newQuestion);
  const awsBefore = awsCounts(stack.aws);
  const cpuBefore = cpuSnapshot(stack);
  const t0 = performance.now();
  const asked = await mapBounded(questions, concurrency, (q) => ask(stack, q));
  const wallMs = performance.now() - t0;
  const cpuAfter = cpuSnapshot(stack);
  await new Promise((r) => setTimeout(r, DUPLICATE_GRACE_MS));
  const awsAfter = awsCounts(stack.aws);
  const rows = await auditRows(
    stack.dbh,
    asked.map((a) => a.ts),
  );
  return {
    name,
    asked,
    wallMs,
    awsCalls: { assumeRole: awsAfter.assumeRole - awsBefore.assumeRole, costAndUsage: awsAfter.costAndUsage - awsBefore.costAndUsage },
    audit: auditPerQuestion(asked, rows),
    stages: stageBreakdown(asked, rows),
    ...cpuDelta(cpuBefore, cpuAfter, asked.length),
    problems: answerProblems(stack.slack, asked),
  };
}

function awsCounts(aws: FakeAws) {
  return { assumeRole: aws.requestsFor('sts:AssumeRole').length, costAndUsage: aws.requestsFor('ce:GetCostAndUsage').length };
}

/** Exactly one answer per question, in its thread, with its own amount; a non-200 ack is a problem too. */
function answerProblems(slack: FakeSlack, asked: Asked[]): string[] {
  const posts = new Map<string, number>();
  for (const c of slack.callsTo('chat.postMessage')) {
    if (!c.ok) continue; // a post Slack refused is not an answer anyone saw
    const ts = String(c.args.thread_ts);
    posts.set(ts, (posts.get(ts) ?? 0) + 1);
  }
  const problems: string[] = [];
  for (const a of asked) {
    const n = posts.get(a.ts) ?? 0;
    if (a.ackStatus !== 200) problems.push(`${a.ts}: ack HTTP ${a.ackStatus}`);
    else if (n === 0) problems.push(`${a.ts}: no answer`);
    else if (n > 1) problems.push(`${a.ts}: ${n} answers`);
    else if (!a.answerText?.includes(amountOf(periodOf(a.period).Start)))
      problems.push(`${a.ts}: wrong answer ${JSON.stringify(a.answerText)}`);
  }
  return problems;
}

interface AuditRow {
  thread_ts: string;
  kind: string;
  step: string | null;
  at: number;
}

async function auditRows(dbh: TestDatabase, threads: string[]): Promise<AuditRow[]> {
  const { rows } = await dbh.db.$client.query<AuditRow>(
    `select c.thread_ts, a.kind, a.payload->>'step' as step, (extract(epoch from a.created_at) * 1000)::float8 as at
       from audit_events a join conversations c on c.id = a.conversation_id
      where c.thread_ts = any($1) order by a.id`,
    [threads],
  );
  return rows;
}

function byThread(rows: AuditRow[]): Map<string, AuditRow[]> {
  const m = new Map<string, AuditRow[]>();
  for (const r of rows) m.set(r.thread_ts, [...(m.get(r.thread_ts) ?? []), r]);
  return m;
}

function auditPerQuestion(asked: Asked[], rows: AuditRow[]): Phase['audit'] {
  const groups = byThread(rows);
  const counts = asked.map((a) => groups.get(a.ts)?.length ?? 0);
  return { mean: counts.reduce((s, n) => s + n, 0) / counts.length, min: Math.min(...counts), max: Math.max(...counts) };
}

/**
 * Splits each answer's time at its audit rows. Each row is written by the process that starts the
 * next piece of work, so a gap between rows of different processes is a queue hand-off plus the
 * reads the worker makes before its first write (transcript, bindings). created_at is the time of
 * the row's transaction start: message_in's is early in intake, so the rest of intake (commit,
 * enqueue) counts in the stage after it.
 */
const STAGES: [label: string, from: string, to: string][] = [
  ['POST → message_in (bot: verify, dedupe, tx)', 'posted', 'in'],
  ['message_in → llm_request 0 (commit, queue → sentinel)', 'in', 'req0'],
  ['LLM call 0 (fake Anthropic)', 'req0', 'res0'],
  ['llm_response 0 → tool_call (queue → hawk)', 'res0', 'call'],
  ['tool_call → tool_result (AssumeRole + CE / cache)', 'call', 'result'],
  ['tool_result → llm_request 1 (queue → sentinel)', 'result', 'req1'],
  ['LLM call 1 (fake Anthropic)', 'req1', 'res1'],
  ['llm_response 1 → chat.postMessage (queue → bot)', 'res1', 'answered'],
];

function stageBreakdown(asked: Asked[], rows: AuditRow[]): Phase['stages'] {
  const groups = byThread(rows);
  const samples = STAGES.map(() => [] as number[]);
  for (const a of asked) {
    if (a.answerMs === undefined) continue;
    const trail = groups.get(a.ts) ?? [];
    // First row of each kind/step: a retried step adds rows, its first attempt started the stage.
    const first = (kind: string, step?: number) =>
      trail.find((r) => r.kind === kind && (step === undefined || r.step === String(step)))?.at;
    const at: Record<string, number | undefined> = {
      posted: a.postedAt,
      in: first('message_in'),
      req0: first('llm_request', 0),
      res0: first('llm_response', 0),
      call: first('tool_call'),
      result: first('tool_result'),
      req1: first('llm_request', 1),
      res1: first('llm_response', 1),
      answered: a.postedAt + a.answerMs,
    };
    STAGES.forEach(([, from, to], i) => {
      const f = at[from];
      const t = at[to];
      if (f !== undefined && t !== undefined) samples[i].push(t - f);
    });
  }
  return STAGES.map(([label], i) => ({ label, p50: pct(samples[i], 50), p95: pct(samples[i], 95) }));
}

/** Peak resident set size over the process's life (VmHWM), in MiB. */
function peakRssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** Linux reports process and machine CPU time in USER_HZ ticks, which is 100 per second everywhere. */
const TICK_MS = 10;
/** Shared services of the question path, found by process name. */
const SERVICES = { postgres: 'postgres', redis: 'redis-server' };

/** utime + stime from a /proc/<pid>/stat line, ms (fields 14 and 15; split after `(comm)`). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU ms of every running process whose name is `comm` (all Postgres backends, say). */
function cpuOfCommand(comm: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm) total += statCpuMs(stat);
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/**
 * The whole machine's CPU time over all cores, ms. `steal` is time the hypervisor gave to other VMs:
 * on a shared host it makes every stage slower at once, so it is reported, not counted as busy.
 */
function machineCpuMs(): { busy: number; steal: number; total: number } {
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const t = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = t.reduce((a, b) => a + b, 0);
  const steal = t[7] ?? 0;
  return { busy: (total - t[3] - t[4] - steal) * TICK_MS, steal: steal * TICK_MS, total: total * TICK_MS };
}

type CpuSnapshot = { byName: Record<string, number>; machine: ReturnType<typeof machineCpuMs> };

function cpuSnapshot(stack: Stack): CpuSnapshot {
  const self = process.cpuUsage();
  const byName: Record<string, number> = {};
  for (const [role, p] of Object.entries(stack.procs)) byName[role] = statCpuMs(readFileSync(`/proc/${p.proc.pid}/stat`, 'utf8'));
  byName.fakes = (self.user + self.system) / 1000; // this process: the fake servers and the askers
  for (const [name, comm] of Object.entries(SERVICES)) byName[name] = cpuOfCommand(comm);
  return { byName, machine: machineCpuMs() };
}

/**
 * Per answer, by process; `foreign` is the machine's busy time nobody above accounts for: another
 * workload on the box, which makes the latencies of that phase pessimistic.
 */
function cpuDelta(a: CpuSnapshot, b: CpuSnapshot, answers: number): Pick<Phase, 'cpuPerAnswer' | 'machineBusy' | 'machineSteal'> {
  const per: Record<string, number> = {};
  for (const name of Object.keys(a.byName)) per[name] = (b.byName[name] - a.byName[name]) / answers;
  per.foreign = (b.machine.busy - a.machine.busy) / answers - Object.values(per).reduce((s, v) => s + v, 0);
  const total = b.machine.total - a.machine.total;
  return {
    cpuPerAnswer: per,
    machineBusy: (b.machine.busy - a.machine.busy) / total,
    machineSteal: (b.machine.steal - a.machine.steal) / total,
  };
}

/** Share of the CPU taken by other workloads above which a phase's figures are flagged. */
const FOREIGN_WARN = 0.1;

function report(opts: Options, phases: Phase[], rss: Record<string, number>): void {
  console.log(
    `\nquestion path: N=${opts.questions} per phase, concurrency ${opts.concurrency} (closed loop), ` +
      `warm-up ${opts.concurrency} not counted`,
  );
  console.log(
    'phase  | answered | ack p50/p95/max ms | answer p50/p95/p99/max ms | answers/s | AssumeRole / CE calls | audit rows/question',
  );
  for (const p of phases) {
    const acks = p.asked.map((a) => a.ackMs);
    const answers = p.asked.flatMap((a) => (a.answerMs === undefined ? [] : [a.answerMs]));
    console.log(
      [
        p.name.padEnd(6),
        `${answers.length}/${p.asked.length}`.padEnd(8),
        `${ms(pct(acks, 50))} / ${ms(pct(acks, 95))} / ${ms(Math.max(...acks))}`.padEnd(18),
        `${ms(pct(answers, 50))} / ${ms(pct(answers, 95))} / ${ms(pct(answers, 99))} / ${ms(Math.max(...answers))}`.padEnd(25),
        (answers.length / (p.wallMs / 1000)).toFixed(1).padEnd(9),
        `${p.awsCalls.assumeRole} / ${p.awsCalls.costAndUsage}`.padEnd(21),
        p.audit.min === p.audit.max ? `${p.audit.min}` : `${p.audit.mean.toFixed(2)} (${p.audit.min}–${p.audit.max})`,
      ].join(' | '),
    );
  }
  console.log(
    `peak RSS (VmHWM): ${Object.entries(rss)
      .map(([role, mib]) => `${role} ${mib.toFixed(0)} MiB`)
      .join(', ')}`,
  );
  for (const p of phases) {
    const cpu = Object.entries(p.cpuPerAnswer)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
    console.log(
      `CPU ms per answer (${p.name}): ${cpu}; ` +
        `machine ${(p.machineBusy * 100).toFixed(0)} % busy, ${(p.machineSteal * 100).toFixed(0)} % stolen`,
    );
    const total = Object.values(p.cpuPerAnswer).reduce((a, b) => a + b, 0);
    if (p.cpuPerAnswer.foreign > FOREIGN_WARN * total || p.machineSteal > FOREIGN_WARN) {
      console.log(
        `  WARNING: other work on this machine took CPU during the ${p.name} phase; ` +
          'its latencies are pessimistic, rerun when the machine is quiet',
      );
    }
  }
  for (const p of phases) {
    console.log(`\nwhere the time goes (${p.name}), p50 / p95 ms:`);
    for (const s of p.stages) console.log(`  ${s.label.padEnd(54)} ${ms(s.p50).padStart(5)} / ${ms(s.p95).padStart(5)}`);
  }
  for (const p of phases) {
    if (p.problems.length === 0) console.log(`\n${p.name}: every question got exactly one answer, with its own amount`);
    else console.log(`\n${p.name}: ${p.problems.length} PROBLEM(S):\n  ${p.problems.slice(0, 20).join('\n  ')}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  process.chdir(ROOT); // the helpers spawn dist/cli.js relative to the working directory
  buildIfStale();
  const stack = await startStack();
  console.log(`stack up: database ${new URL(stack.dbh.url).pathname.slice(1)}, queue prefix ${stack.prefix}`);
  try {
    const { questions: n, concurrency: c } = opts;
    const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
    // Warm-up days lie after the cold phase's, so they do not pre-fill its cache entries.
    const warmup = await runPhase(stack, 'warmup', range(n, c), c);
    const cold = await runPhase(stack, 'cold', range(0, n), c);
    const cached = await runPhase(stack, 'cached', range(0, n), c);
    const rss = Object.fromEntries(Object.entries(stack.procs).map(([role, p]) => [role, peakRssMiB(p.proc.pid)]));
    report(opts, [cold, cached], rss);
    if (warmup.problems.length) console.log(`\nwarm-up: ${warmup.problems.length} PROBLEM(S):\n  ${warmup.problems.join('\n  ')}`);
    const failed = [warmup, cold, cached].some((p) => p.problems.length > 0);
    if (failed)
      for (const [role, p] of Object.entries(stack.procs)) console.error(`\n--- ${role} output (tail) ---\n${p.output().slice(-3000)}`);
    return failed ? 1 : 0;
  } finally {
    await runTeardown();
  }
}

process.once('SIGINT', () => void runTeardown().finally(() => process.exit(130)));
main().then(
  (code) => process.exit(code),
  async (err: Error) => {
    console.error(err.stack ?? err.message);
    await runTeardown();
    process.exit(1);
  },
);
