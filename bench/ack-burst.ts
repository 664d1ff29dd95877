/**
 * Ack latency under a burst of signed mentions, in one run on one machine:
 *   1. bare: a Bolt app that acks and does nothing (bench/bare-bolt-app.mjs) — the physical limit;
 *   2. plainfra: the real `plainfra bot` (dist/cli.js) on a fresh database, with `plainfra hawk` and
 *      `plainfra sentinel` running on the same machine and answering every question (fake Anthropic,
 *      AWS and Slack), as an operator would run all three on one host.
 * Each gets a burst of N distinct app_mention deliveries (default 200), all signed before the clock
 * starts and sent at once on fresh connections; ack = until the HTTP response headers arrive.
 * A warm-up burst of 20 (not counted) comes first for each app.
 *
 *   npx tsx bench/ack-burst.ts [--mentions 200] [--pool N]
 *
 * Afterwards it checks that every acked mention of the real bot is durable (a slack_events row and a
 * sentinel job each), and prints p50/p90/p99/max for both apps and the ratio of the p99s.
 */
import { request, Agent } from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeAnthropic } from '../test/fakes/anthropic.js';
import { startFakeAws } from '../test/fakes/aws.js';
import { appMentionEnvelope, signSlackRequest } from '../test/fakes/slack-signing.js';
import { startFakeSlack } from '../test/fakes/slack.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { freePort, roleEnvironments, runPlainfra, spawnPlainfra, type RoleProcess } from '../test/helpers/processes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEAM = 'T0BURST01';
const CHANNEL = 'C0BURST01';
const BOT_USER = 'U0PLAINFRA';
const SECRET = 'burst-signing-secret';
const WARMUP = 20;

interface Signed {
  body: string;
  headers: Record<string, string>;
}

/** N distinct mentions, signed now (before any clock starts). */
function presign(n: number, tag: string): Signed[] {
  return Array.from({ length: n }, (_, i) => {
    const ts = `1764200${String(i).padStart(3, '0')}.${tag === 'warm' ? '1' : '2'}${String(i).padStart(5, '0')}`;
    const body = JSON.stringify(
      appMentionEnvelope({
        teamId: TEAM,
        channel: CHANNEL,
        user: 'U0ALICE',
        text: `<@${BOT_USER}> burst ${tag} ${i}`,
        ts,
        eventId: `Ev${tag.toUpperCase()}${String(i).padStart(6, '0')}`,
        botUserId: BOT_USER,
      }),
    );
    return { body, headers: { ...signSlackRequest(SECRET, body), 'content-length': String(Buffer.byteLength(body)) } };
  });
}

/** Sends all at once on fresh connections; resolves with each ack's latency in ms (status must be 200). */
async function burst(port: number, signed: Signed[]): Promise<number[]> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const one = (s: Signed) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const req = request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', headers: s.headers, agent }, (res) => {
        const ms = performance.now() - t0;
        res.resume();
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        else resolve(ms);
      });
      req.on('error', reject);
      req.end(s.body);
    });
  try {
    return await Promise.all(signed.map(one));
  } finally {
    agent.destroy();
  }
}

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { p50: q(50), p90: q(90), p99: q(99), max: s.at(-1)!, over1s: s.filter((x) => x >= 1000).length };
}

const fmt = (x: number) => `${Math.round(x)} ms`;

async function main() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { mentions: { type: 'string' }, pool: { type: 'string' }, alone: { type: 'boolean' } },
  });
  const n = Number(values.mentions ?? 200);
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });

  // --- bare Bolt app ---
  const barePort = await freePort();
  const bare = spawn(process.execPath, [path.join(ROOT, 'bench/bare-bolt-app.mjs'), String(barePort), SECRET], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => bare.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  const [bareWarm, bareSigned] = [presign(WARMUP, 'warm'), presign(n, 'bare')];
  await burst(barePort, bareWarm);
  const bareMs = await burst(barePort, bareSigned);
  bare.kill('SIGTERM');

  // --- plainfra bot, with hawk and sentinel answering on the same machine ---
  const dbh = await createTestDatabase();
  const prefix = uniquePrefix();
  const slack = await startFakeSlack({ token: 'xoxb-burst', teamId: TEAM, botUserId: BOT_USER });
  const llm = await startFakeAnthropic({ script: () => ({ text: 'Nothing to look up for a burst.' }), apiKey: 'sk-burst' });
  const aws = await startFakeAws({ handlers: {} });
  const base = {
    DATABASE_URL: dbh.url,
    REDIS_URL,
    PLAINFRA_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    ...(values.pool ? { PLAINFRA_DB_POOL_SIZE: values.pool } : {}),
  };
  const procs: RoleProcess[] = [];
  try {
    if (
      runPlainfra(
        ['accounts', 'add', '--team', TEAM, '--name', 'prod', '--role-arn', 'arn:aws:iam::123456789012:role/plainfra-readonly'],
        base,
      ).status !== 0
    )
      throw new Error('accounts add failed');
    if (runPlainfra(['channels', 'bind', '--team', TEAM, '--channel', CHANNEL, '--account', 'prod'], base).status !== 0)
      throw new Error('channels bind failed');
    const port = await freePort();
    const env = roleEnvironments({
      base,
      port,
      slackUrl: slack.url,
      botToken: 'xoxb-burst',
      signingSecret: SECRET,
      botUserId: BOT_USER,
      anthropicUrl: llm.url,
      anthropicKey: 'sk-burst',
      awsUrl: aws.url,
    });
    procs.push(
      spawnPlainfra(['bot'], {
        ...env.bot,
        LOG_LEVEL: 'info',
        ...(process.env.BENCH_BOT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_BOT_NODE_OPTIONS } : {}),
      }),
    );
    // --alone: the bot without workers, to tell the bot's own cost from CPU shared with the workers.
    if (!values.alone) procs.push(spawnPlainfra(['hawk'], env.hawk), spawnPlainfra(['sentinel'], { ...env.sentinel, LOG_LEVEL: 'info' }));
    await Promise.all([procs[0]!.waitForOutput(/bot ready/, 120_000), procs[2]?.waitForOutput(/sentinel ready/, 120_000)]);
    const [warm, signed] = [presign(WARMUP, 'warm'), presign(n, 'bot')];
    await burst(port, warm);
    const botMs = await burst(port, signed);

    // Every ack must stand for a durable question: queued in Redis at the ack, recorded in Postgres
    // by the bot's intake worker just after. Give it a minute to record them all.
    let durable = 0;
    for (const deadline = Date.now() + 60_000; durable < n && Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      const rows = await dbh.db.$client.query<{ n: string }>("select count(*) as n from slack_events where event_id like 'EvBOT%'");
      durable = Number(rows.rows[0]!.n);
    }

    const a = stats(bareMs);
    const b = stats(botMs);
    console.log(
      `\nack latency, burst of ${n} distinct signed app_mention deliveries (warm-up ${WARMUP} not counted), ${new Date().toISOString()}`,
    );
    console.log('| app | p50 | p90 | p99 | max | acks ≥ 1 s |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| bare Bolt app (acks, does nothing) | ${fmt(a.p50)} | ${fmt(a.p90)} | ${fmt(a.p99)} | ${fmt(a.max)} | ${a.over1s} |`);
    console.log(
      `| plainfra bot ${values.alone ? '(workers on other hosts)' : '(+ hawk, sentinel answering on this host)'} | ` +
        `${fmt(b.p50)} | ${fmt(b.p90)} | ${fmt(b.p99)} | ${fmt(b.max)} | ${b.over1s} |`,
    );
    console.log(
      `\np99 ratio plainfra / bare: ${(b.p99 / a.p99).toFixed(2)}×   (goal ≤ 2×, every ack < 1 s: ${b.over1s === 0 ? 'yes' : 'no'})`,
    );
    console.log(`durable: ${durable} of ${n} acked mentions recorded (slack_events row) within a minute of the burst`);
    if (durable !== n) process.exitCode = 1;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all([slack.close(), llm.close(), aws.close()]);
    await dbh.drop();
    await dropPrefix(prefix);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
