#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Role } from './config/index.js';
import { createLogger } from './log/index.js';

/**
 * The `plainfra` command. Role commands import their module lazily so that each process loads only
 * its own code: `plainfra sentinel` never even loads the AWS SDK, `plainfra hawk` never the LLM SDK.
 */

const USAGE = `usage: plainfra <command>

  migrate [--no-roles]                      apply SQL migrations to DATABASE_URL (the owner's), create or
                                            update the per-process logins (PLAINFRA_DB_ROLE_PREFIX,
                                            PLAINFRA_DB_PASSWORD_BOT|HAWK|SENTINEL)
  bot | hawk | sentinel                     run one process role
  accounts add --team T --name NAME --role-arn ARN [--regions r1,r2]
  accounts verify --team T --name NAME      check the role trust, ExternalId and denials
  channels bind --team T --channel C --account NAME [--digest CRON --tz TZ]
  audit --thread CHANNEL:THREAD_TS [--json] print one conversation's audit trail
  audit verify [--since DATE] [--json]      recompute every hash chain; exit 1 at any broken link
  digest --team T --channel C --now         post that channel's cost + security digest now
  policy check FILE [--strict] [--json]     lint an IAM policy or CloudFormation template`;

class UsageError extends Error {}

function flags(args: string[], spec: Record<string, { type: 'string' | 'boolean' }>, required: string[] = []) {
  const { values, positionals } = parseArgs({ args, options: spec, allowPositionals: true, strict: true });
  const missing = required.filter((k) => values[k] === undefined);
  if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

async function withAdminDb<T>(fn: (db: import('./db/index.js').Db) => Promise<T>): Promise<T> {
  const config = loadConfig('admin');
  const { connectDb, closeDb } = await import('./db/index.js');
  const db = connectDb(config.DATABASE_URL, 1);
  try {
    return await fn(db);
  } finally {
    await closeDb(db);
  }
}

async function runRole(role: Exclude<Role, 'admin'>): Promise<void> {
  const { onShutdown } = await import('./workers/lifecycle.js');
  let handle: { close(): Promise<void> };
  let logger: ReturnType<typeof createLogger>;
  if (role === 'bot') {
    const config = loadConfig('bot');
    logger = createLogger(role, config.LOG_LEVEL);
    const { runBot } = await import('./workers/bot.js');
    handle = await runBot(config, logger);
  } else if (role === 'hawk') {
    const config = loadConfig('hawk');
    logger = createLogger(role, config.LOG_LEVEL);
    const { runHawk } = await import('./workers/hawk.js');
    handle = await runHawk(config, logger);
  } else {
    const config = loadConfig('sentinel');
    logger = createLogger(role, config.LOG_LEVEL);
    const { runSentinel } = await import('./workers/sentinel.js');
    handle = await runSentinel(config, logger);
  }
  onShutdown(logger, () => handle.close());
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'bot':
    case 'hawk':
    case 'sentinel':
      await runRole(command);
      return -1; // keep running
    case 'migrate':
      return withAdminDb(async (db) => {
        const { values } = flags([sub, ...rest].filter((a): a is string => a !== undefined), { 'no-roles': { type: 'boolean' } });
        const { runMigrations, applyRoles, formatAppliedRoles } = await import('./db/index.js');
        await runMigrations(db);
        console.log('migrations applied');
        if (values['no-roles']) return 0;
        const config = loadConfig('admin');
        const applied = await applyRoles(db, {
          prefix: config.PLAINFRA_DB_ROLE_PREFIX,
          passwords: { bot: config.PLAINFRA_DB_PASSWORD_BOT, hawk: config.PLAINFRA_DB_PASSWORD_HAWK, sentinel: config.PLAINFRA_DB_PASSWORD_SENTINEL },
        }).catch((err: Error & { code?: string }) => {
          if (err.code === '42501') {
            throw Object.assign(new Error(
              `could not create the process logins (${err.message}): run plainfra migrate with a DATABASE_URL whose user owns the database and has CREATEROLE, or pass --no-roles and create them yourself (docs/architecture.md, "Database roles")`,
            ), { name: 'MigrateError' });
          }
          throw err;
        });
        console.log(formatAppliedRoles(applied, config.DATABASE_URL));
        return 0;
      });
    case 'accounts': {
      if (sub === 'add') {
        const { values } = flags(rest, { team: { type: 'string' }, name: { type: 'string' }, 'role-arn': { type: 'string' }, regions: { type: 'string' } }, ['team', 'name', 'role-arn']);
        return withAdminDb(async (db) => {
          const { addAccount } = await import('./accounts/index.js');
          const { formatAccountAdded } = await import('./accounts/instructions.js');
          const account = await addAccount(db, {
            teamId: String(values.team),
            name: String(values.name),
            roleArn: String(values['role-arn']),
            regions: typeof values.regions === 'string' ? values.regions.split(',').map((r) => r.trim()).filter(Boolean) : undefined,
          });
          console.log(formatAccountAdded(account));
          return 0;
        });
      }
      if (sub === 'verify') {
        const { values } = flags(rest, { team: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } }, ['team', 'name']);
        loadConfig('hawk'); // verify runs as hawk: AWS credentials only
        return withAdminDb(async (db) => {
          const { verifyAccountCommand } = await import('./workers/accounts-verify.js');
          return verifyAccountCommand(db, { teamId: String(values.team), name: String(values.name), json: values.json === true });
        });
      }
      throw new UsageError('accounts add | accounts verify');
    }
    case 'channels': {
      if (sub !== 'bind') throw new UsageError('channels bind');
      const { values } = flags(rest, { team: { type: 'string' }, channel: { type: 'string' }, account: { type: 'string' }, digest: { type: 'string' }, tz: { type: 'string' } }, ['team', 'channel', 'account']);
      return withAdminDb(async (db) => {
        const { bindChannel } = await import('./accounts/index.js');
        const { account } = await bindChannel(db, {
          teamId: String(values.team),
          channelId: String(values.channel),
          accountName: String(values.account),
          digestCron: values.digest as string | undefined,
          digestTz: values.tz as string | undefined,
        });
        console.log(`channel ${String(values.channel)} may now query account ${account.name} (${account.roleArn})`);
        return 0;
      });
    }
    case 'audit': {
      if (sub === 'verify') {
        const { values } = flags(rest, { since: { type: 'string' }, json: { type: 'boolean' } });
        const since = values.since === undefined ? undefined : new Date(String(values.since));
        if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since "${String(values.since)}" is not a date (e.g. 2026-11-01)`);
        return withAdminDb(async (db) => {
          const { verifyAuditChains, formatVerifyResult } = await import('./audit/index.js');
          const result = await verifyAuditChains(db, { since });
          console.log(values.json ? JSON.stringify(result, null, 2) : formatVerifyResult(result));
          return result.breaks.length === 0 ? 0 : 1;
        });
      }
      const { values } = flags([sub, ...rest].filter((a): a is string => a !== undefined), { thread: { type: 'string' }, json: { type: 'boolean' } }, ['thread']);
      const m = /^([A-Z0-9]+):(\d+\.\d+)$/.exec(String(values.thread));
      if (!m) throw new UsageError('--thread must be CHANNEL:THREAD_TS, e.g. C0123ABCD:1732540000.000100');
      return withAdminDb(async (db) => {
        const { findThreadConversations, readTrail, formatTrail, trailToJson } = await import('./audit/index.js');
        const convs = await findThreadConversations(db, m[1]!, m[2]!);
        if (convs.length === 0) {
          console.error(`no conversation for thread ${String(values.thread)}`);
          return 1;
        }
        const rows = (await Promise.all(convs.map((c) => readTrail(db, c.id)))).flat().sort((a, b) => a.id - b.id);
        console.log(values.json ? trailToJson(rows) : formatTrail(rows));
        return 0;
      });
    }
    case 'digest': {
      const { values } = flags([sub, ...rest].filter((a): a is string => a !== undefined), { team: { type: 'string' }, channel: { type: 'string' }, now: { type: 'boolean' } }, ['team', 'channel']);
      if (!values.now) throw new UsageError('digest needs --now (scheduled digests come from: plainfra channels bind … --digest CRON --tz TZ)');
      const config = loadConfig('admin');
      const { randomUUID } = await import('node:crypto');
      const { createRedis, Enqueuer, waitReady } = await import('./queues/index.js');
      const { startDigest } = await import('./workers/maintenance.js');
      const producer = createRedis(config.REDIS_URL, 'producer');
      try {
        await waitReady(producer);
        const enqueuer = new Enqueuer(producer, config.PLAINFRA_QUEUE_PREFIX);
        return await withAdminDb(async (db) => {
          const logger = createLogger('cli', 'silent');
          const result = await startDigest({ db, enqueuer, logger }, String(values.team), String(values.channel), `now-${randomUUID()}`);
          await enqueuer.close();
          if (result.status === 'refused') {
            console.error(`plainfra: ${result.message}`);
            return 1;
          }
          console.log(`digest queued for channel ${String(values.channel)} (conversation ${result.conversationId}); the bot posts it there when hawk and the sentinel are done`);
          return 0;
        });
      } finally {
        producer.disconnect();
      }
    }
    case 'policy': {
      if (sub !== 'check') throw new UsageError('policy check FILE [--strict] [--json]');
      const { policyCheckCommand } = await import('./policy/index.js');
      return policyCheckCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`plainfra: ${(err as Error).message}\n\n${USAGE}`);
    else if (['AccountsError', 'PolicyInputError', 'MigrateError'].includes((err as Error).name)) console.error(`plainfra: ${(err as Error).message}`);
    else console.error(`plainfra: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
  },
);
