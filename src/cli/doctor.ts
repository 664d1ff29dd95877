import { ConfigError, loadConfig, type BotConfig, type HawkConfig, type SentinelConfig } from '../config/index.js';
import type { DoctorCheck, DoctorRole } from '../doctor/types.js';

/**
 * `plainfra doctor [--role bot|hawk|sentinel]`: checks every dependency of a role's environment and
 * prints ✔ or ✘ with the exact fix; non-zero exit on any ✘. Run it in the role's own environment
 * (its container, its task definition): it reads only what that role reads. Role checks load their
 * SDK lazily, so `doctor --role sentinel` never loads the AWS SDK, as the sentinel itself.
 */
export async function doctorCommand(
  role: DoctorRole | 'all',
  opts: { json: boolean },
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (l) => console.log(l),
): Promise<number> {
  const checks: DoctorCheck[] = [];
  let config: BotConfig | HawkConfig | SentinelConfig | undefined;
  if (role !== 'all') {
    try {
      config = loadConfig(role, env);
      checks.push({ name: 'configuration', ok: true, detail: `${role} environment valid` });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const problems = err.message.split('\n  - ').slice(1);
      checks.push({ name: 'configuration', ok: false, detail: `${problems.length} problem(s)`, fix: problems.join('\n') });
    }
  }
  const { checkPostgres, checkRedis } = await import('../doctor/storage.js');
  checks.push(...(await checkPostgres(env.DATABASE_URL)));
  checks.push(...(await checkRedis(env.REDIS_URL)));

  const skipped = (what: string): DoctorCheck => ({
    name: what,
    ok: false,
    detail: 'not checked: the configuration is refused',
    fix: 'fix the configuration problems above, then run the doctor again',
  });
  if (role === 'bot') {
    const { checkSlack } = await import('../doctor/slack.js');
    checks.push(...(config ? await checkSlack(config as BotConfig) : [skipped('slack')]));
  } else if (role === 'hawk') {
    const { checkAws } = await import('../doctor/aws.js');
    if (!config) checks.push(skipped('aws'));
    else {
      const postgresOk = checks.every((c) => !c.name.startsWith('postgres') || c.ok);
      const { connectDb, closeDb } = await import('../db/index.js');
      const db = postgresOk ? connectDb(env.DATABASE_URL!, 1) : undefined;
      try {
        checks.push(...(await checkAws(db)));
      } finally {
        if (db) await closeDb(db);
      }
    }
  } else if (role === 'sentinel') {
    const sentinel = config as SentinelConfig | undefined;
    if (!sentinel) checks.push(skipped('llm model'));
    else if (sentinel.PLAINFRA_LLM_PROVIDER === 'bedrock') {
      const { checkBedrockModel } = await import('../doctor/bedrock.js');
      checks.push(...(await checkBedrockModel(sentinel)));
    } else {
      const { checkAnthropicModel } = await import('../doctor/llm.js');
      checks.push(...(await checkAnthropicModel(sentinel)));
    }
  }

  const ok = checks.every((c) => c.ok);
  if (opts.json) print(JSON.stringify({ role, ok, checks }, null, 2));
  else {
    print(`plainfra doctor${role === 'all' ? '' : ` --role ${role}`}`);
    const width = Math.max(...checks.map((c) => c.name.length));
    for (const c of checks) {
      print(`${c.ok ? '✔' : '✘'} ${c.name.padEnd(width)}  ${c.detail}`);
      if (!c.ok && c.fix) for (const line of c.fix.split('\n')) print(`    fix: ${line}`);
    }
    if (role === 'all')
      print("\n(only Postgres and Redis checked: run `plainfra doctor --role bot|hawk|sentinel` in each role's environment)");
    print(ok ? '\nall checks passed' : `\n${checks.filter((c) => !c.ok).length} check(s) failed`);
  }
  return ok ? 0 : 1;
}
