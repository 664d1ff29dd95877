import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import type { Db } from '../db/index.js';

/**
 * One `plainfra` command: its usage lines and what it does. Each lives in its own file under
 * `cli/commands/` and imports what it needs lazily inside `run`, so that a process loads only its
 * own code (`plainfra sentinel` never loads the AWS SDK, `plainfra digest` never loads Bolt).
 */
export interface Command {
  /** The first word on the command line (`accounts` in `plainfra accounts add …`). */
  name: string;
  /** Other words that run the same command (`hawk` and `sentinel` share the role command). */
  aliases?: string[];
  /** Lines of the usage text, as printed under `usage: plainfra <command>`. */
  usage: string[];
  /**
   * Runs with the words after the command name (`['add', '--team', …]`); resolves to the exit code,
   * or -1 for a long-running process that must not exit.
   */
  run(args: string[], name: string): Promise<number>;
}

/** The command line is wrong: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'usage';
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;

/** Parses `--flag value` options (strictly: an unknown flag is a usage error) and checks required ones. */
export function flags(args: string[], spec: FlagSpec, required: string[] = []) {
  const { values, positionals } = parseArgs({ args, options: spec, allowPositionals: true, strict: true });
  const missing = required.filter((k) => values[k] === undefined);
  if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

/** Runs `fn` with a one-connection pool on the admin DATABASE_URL, closed afterwards. */
export async function withAdminDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig('admin');
  const { connectDb, closeDb } = await import('../db/index.js');
  const db = connectDb(config.DATABASE_URL, 1);
  try {
    return await fn(db);
  } finally {
    await closeDb(db);
  }
}
