import { ConfigError, loadConfig } from '../config/index.js';
import {
  loadAnthropicCheck,
  loadAwsChecks,
  loadBedrockCheck,
  loadSlackCheck,
  loadStorageChecks,
  type DoctorCheck,
  type DoctorRole,
} from '../doctor/index.js';

/** The validated environment of role R. */
type ConfigFor<R extends DoctorRole> = ReturnType<typeof loadConfig<R>>;

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
  const checks = role === 'all' ? await storageChecks(env) : await roleChecks(role, env);
  const ok = checks.every((c) => c.ok);
  if (opts.json) print(JSON.stringify({ role, ok, checks }, null, 2));
  else printChecks(role, checks, ok, print);
  return ok ? 0 : 1;
}

/** The role's configuration first, then the storage every role shares, then what only this role reaches. */
async function roleChecks<R extends DoctorRole>(role: R, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const { check, config } = configurationCheck(role, env);
  const checks = [check, ...(await storageChecks(env))];
  checks.push(...(config ? await ROLE_CHECKS[role](config, env, checks) : [skipped(ROLE_CHECK_NAME[role])]));
  return checks;
}

function configurationCheck<R extends DoctorRole>(role: R, env: NodeJS.ProcessEnv): { check: DoctorCheck; config?: ConfigFor<R> } {
  try {
    const config = loadConfig(role, env);
    return { check: { name: 'configuration', ok: true, detail: `${role} environment valid` }, config };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.message.split('\n  - ').slice(1);
    return { check: { name: 'configuration', ok: false, detail: `${problems.length} problem(s)`, fix: problems.join('\n') } };
  }
}

async function storageChecks(env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const { checkPostgres, checkRedis } = await loadStorageChecks();
  return [...(await checkPostgres(env.DATABASE_URL)), ...(await checkRedis(env.REDIS_URL))];
}

/** The name of a role's own check, shown as not checked when its configuration is refused. */
const ROLE_CHECK_NAME: Record<DoctorRole, string> = { bot: 'slack', hawk: 'aws', sentinel: 'llm model' };

const skipped = (what: string): DoctorCheck => ({
  name: what,
  ok: false,
  detail: 'not checked: the configuration is refused',
  fix: 'fix the configuration problems above, then run the doctor again',
});

/** What only each role reaches, given its valid configuration and the checks made before. */
const ROLE_CHECKS: {
  [R in DoctorRole]: (config: ConfigFor<R>, env: NodeJS.ProcessEnv, earlier: readonly DoctorCheck[]) => Promise<DoctorCheck[]>;
} = {
  async bot(config) {
    const { checkSlack } = await loadSlackCheck();
    return checkSlack(config);
  },
  hawk: (_config, env, earlier) => hawkChecks(env, earlier),
  async sentinel(config) {
    if (config.PLAINFRA_LLM_PROVIDER === 'bedrock') {
      const { checkBedrockModel } = await loadBedrockCheck();
      return checkBedrockModel(config);
    }
    const { checkAnthropicModel } = await loadAnthropicCheck();
    return checkAnthropicModel(config);
  },
};

/** hawk's AWS checks; the registered accounts are read only when Postgres passed its checks. */
async function hawkChecks(env: NodeJS.ProcessEnv, earlier: readonly DoctorCheck[]): Promise<DoctorCheck[]> {
  const { checkAws } = await loadAwsChecks();
  const postgresOk = earlier.every((c) => !c.name.startsWith('postgres') || c.ok);
  const { connectDb, closeDb } = await import('../db/index.js');
  const db = postgresOk ? connectDb(env.DATABASE_URL!, 1) : undefined;
  try {
    return await checkAws(db);
  } finally {
    if (db) await closeDb(db);
  }
}

function printChecks(role: DoctorRole | 'all', checks: readonly DoctorCheck[], ok: boolean, print: (line: string) => void): void {
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
