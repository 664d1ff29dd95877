import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { hawkAwsEnv } from './role-env.js';

/**
 * Runs the built `plainfra` command as a separate process, the way operators run it. Each role gets
 * only the environment the test passes (plus PATH), so a test proves the role works with its own
 * secrets alone.
 */
export interface RoleProcess {
  proc: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnPlainfra(args: string[], env: Record<string, string>): RoleProcess {
  const proc = spawn(process.execPath, ['dist/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    async waitForOutput(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (proc.exitCode !== null) throw new Error(`plainfra ${args.join(' ')} exited (${proc.exitCode}) before ${pattern}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} from plainfra ${args.join(' ')}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs a short plainfra command to completion. */
export function runPlainfra(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Like runPlainfra, without blocking this process: needed when the command talks to a fake server
 * that runs inside the test process (spawnSync would freeze the fake and deadlock).
 */
export async function runPlainfraAsync(args: string[], env: Record<string, string>, timeoutMs = 90_000) {
  const p = spawnPlainfra(args, env);
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), timeoutMs);
  let stdout = '';
  let stderr = '';
  p.proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  p.proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => p.proc.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

export interface StackEndpoints {
  /** DATABASE_URL, REDIS_URL, PLAINFRA_QUEUE_PREFIX … shared by every role. */
  base: Record<string, string>;
  port: number;
  slackUrl: string;
  botToken: string;
  signingSecret: string;
  botUserId: string;
  anthropicUrl: string;
  anthropicKey: string;
  awsUrl: string;
  /** Per-role DATABASE_URL (each process's own login); without it every role uses base's. */
  databaseUrls?: Record<'bot' | 'hawk' | 'sentinel', string>;
}

/**
 * The environment of each role when the stack runs against the local fakes: each process gets only
 * its own secrets, exactly as in production (the end-to-end test and the benchmark both use this).
 */
export function roleEnvironments(e: StackEndpoints): Record<'bot' | 'hawk' | 'sentinel', Record<string, string>> {
  const db = (role: 'bot' | 'hawk' | 'sentinel'): Record<string, string> => (e.databaseUrls ? { DATABASE_URL: e.databaseUrls[role] } : {});
  return {
    bot: {
      ...e.base,
      ...db('bot'),
      PORT: String(e.port),
      SLACK_BOT_TOKEN: e.botToken,
      SLACK_SIGNING_SECRET: e.signingSecret,
      SLACK_API_URL: e.slackUrl,
      SLACK_BOT_USER_ID: e.botUserId,
      SLACK_BOT_ID: 'B0PLAINFRA',
    },
    hawk: {
      ...e.base,
      ...db('hawk'),
      ...hawkAwsEnv(e.awsUrl),
    },
    sentinel: {
      ...e.base,
      ...db('sentinel'),
      ANTHROPIC_API_KEY: e.anthropicKey,
      ANTHROPIC_BASE_URL: e.anthropicUrl,
      PLAINFRA_MODEL: 'claude-test',
    },
  };
}
