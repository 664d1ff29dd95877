import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsForChannel, addAccount, bindChannel, listBindings, unbindChannel } from '../src/accounts/index.js';
import { Enqueuer } from '../src/queues/index.js';
import { syncDigestSchedules } from '../src/workers/maintenance.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { runPlainfra } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** `plainfra channels unbind` / `channels list`, run as the built command operators use. */
// Each test runs the built CLI a few times; on a loaded machine one spawn can take seconds.
describe('plainfra channels unbind and list', { timeout: 120_000 }, () => {
  const TEAM = 'T0CHAN01';
  let t: TestDatabase;
  let prefix: string;
  let redis: Redis;
  let enqueuer: Enqueuer;
  let maintenance: Queue;
  const env = () => ({ DATABASE_URL: t.url, REDIS_URL, PLAINFRA_QUEUE_PREFIX: prefix });
  const cli = (...args: string[]) => runPlainfra(['channels', ...args], env());
  const schedulers = async () => (await maintenance.getJobSchedulers()).map((s) => s.key).sort();
  const scope = async (channelId: string) =>
    (await accountsForChannel(t.db, { teamId: TEAM, channelId, externallyShared: false })).map((a) => a.name);

  beforeAll(async () => {
    t = await createTestDatabase();
    prefix = uniquePrefix();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    enqueuer = new Enqueuer(redis, prefix);
    maintenance = new Queue('maintenance', { connection: redis, prefix });
    for (const [name, id] of [
      ['prod', '111111111111'],
      ['dev', '222222222222'],
      ['sandbox', '333333333333'],
    ] as const) {
      await addAccount(t.db, {
        teamId: TEAM,
        name,
        roleArn: `arn:aws:iam::${id}:role/plainfra-readonly`,
        regions: ['us-east-1', 'eu-west-1'],
      });
    }
  });
  afterAll(async () => {
    await maintenance.close();
    await enqueuer.close();
    redis.disconnect();
    await t.drop();
    await dropPrefix(prefix);
  });

  it('lists bindings and digest schedules as readable tables', async () => {
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0LIST', accountName: 'prod', digestCron: '0 9 * * 1', digestTz: 'Europe/Berlin' });
    await bindChannel(t.db, { teamId: TEAM, channelId: '*', accountName: 'sandbox' });
    const r = cli('list', '--team', TEAM);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Bindings of team T0CHAN01/);
    expect(lines[1]).toMatch(/^CHANNEL\s+ACCOUNT\s+ROLE ARN\s+REGIONS$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\*\s+sandbox\s+arn:aws:iam::333333333333:role\/plainfra-readonly\s+us-east-1,eu-west-1$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^C0LIST\s+prod\s+arn:aws:iam::111111111111:role\/plainfra-readonly\s+us-east-1,eu-west-1$/),
    );
    expect(lines).toContain('Digest schedules:');
    expect(lines).toContainEqual(expect.stringMatching(/^C0LIST\s+0 9 \* \* 1\s+Europe\/Berlin\s+all 7d\s+prod$/));
    // Columns line up: every ACCOUNT cell starts where the header's does.
    const col = lines[1]!.indexOf('ACCOUNT');
    expect(lines.slice(2, 4).map((l) => l.slice(col).split(/\s+/)[0])).toEqual(['sandbox', 'prod']);
  });

  it(
    'unbinds one account (exit 0); the channel keeps its digest for the accounts left, ' + 'and loses the schedule with its last binding',
    async () => {
      await bindChannel(t.db, { teamId: TEAM, channelId: 'C0OPS', accountName: 'prod', digestCron: '0 9 * * 1', digestTz: 'UTC' });
      // dev is bound later without --digest: its row carries no schedule of its own.
      await bindChannel(t.db, { teamId: TEAM, channelId: 'C0OPS', accountName: 'dev' });
      await syncDigestSchedules({ db: t.db, enqueuer, logger: pino({ level: 'silent' }) });
      expect(await schedulers()).toContain(`digest:${TEAM}:C0OPS`);

      const first = cli('unbind', '--team', TEAM, '--channel', 'C0OPS', '--account', 'prod');
      expect(first.status).toBe(0);
      expect(first.stdout).toContain('channel C0OPS may no longer query "prod"');
      expect(first.stdout).toContain('its digest (0 9 * * 1 UTC) stays and now covers: dev');
      expect(await scope('C0OPS')).toEqual(['dev', 'sandbox']);
      // The bot's next sweep keeps the schedule: dev now carries it.
      await syncDigestSchedules({ db: t.db, enqueuer, logger: pino({ level: 'silent' }) });
      expect(await schedulers()).toContain(`digest:${TEAM}:C0OPS`);

      const last = cli('unbind', '--team', TEAM, '--channel', 'C0OPS', '--account', 'dev');
      expect(last.status).toBe(0);
      expect(last.stdout).toContain('its digest schedule was removed');
      expect(await schedulers()).not.toContain(`digest:${TEAM}:C0OPS`);
      expect(cli('list', '--team', TEAM).stdout).not.toMatch(/^C0OPS/m);
    },
  );

  it(
    'binds a schedule with --what and --period (the /plainfra-report words), ' + 'keeps them through an unbind, and refuses bad words',
    async () => {
      const bind = (...extra: string[]) => cli('bind', '--team', TEAM, '--channel', 'C0FINOPS', ...extra);
      const ok = bind('--account', 'prod', '--digest', '0 9 1 * *', '--tz', 'UTC', '--what', 'cost', '--period', 'last-month');
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('digest (cost last-month) on "0 9 1 * *" UTC');
      expect(bind('--account', 'dev', '--digest', '0 9 1 * *', '--tz', 'UTC', '--what', 'cost', '--period', 'last-month').status).toBe(0);
      expect(cli('list', '--team', TEAM).stdout).toMatch(/^C0FINOPS\s+0 9 1 \* \*\s+UTC\s+cost last-month\s+dev, prod$/m);
      // The schedule's words stay with the binding that is left.
      expect(cli('unbind', '--team', TEAM, '--channel', 'C0FINOPS', '--account', 'prod').status).toBe(0);
      expect(cli('list', '--team', TEAM).stdout).toMatch(/^C0FINOPS\s+0 9 1 \* \*\s+UTC\s+cost last-month\s+dev$/m);

      const banana = bind('--account', 'prod', '--digest', '0 9 * * 1', '--what', 'banana');
      expect(banana.status).toBe(2);
      expect(banana.stderr).toContain('--what must be one of cost, security, all (got "banana")');
      const swapped = bind('--account', 'prod', '--digest', '0 9 * * 1', '--period', 'cost');
      expect(swapped.status).toBe(2);
      expect(swapped.stderr).toContain('--period must be one of 7d, 30d, mtd, last-month');
      const noSchedule = bind('--account', 'prod', '--period', '30d');
      expect(noSchedule.status).toBe(2);
      expect(noSchedule.stderr).toContain('--what and --period describe a digest schedule');
      // Nothing changed by the refused commands.
      expect(cli('list', '--team', TEAM).stdout).toMatch(/^C0FINOPS\s+0 9 1 \* \*\s+UTC\s+cost last-month\s+dev$/m);
      await cli('unbind', '--team', TEAM, '--channel', 'C0FINOPS', '--all');
    },
  );

  it('--all removes every binding of the channel and says when nothing is left to query', async () => {
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0SHARED', accountName: 'prod', digestCron: '0 8 * * 5', digestTz: 'UTC' });
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0SHARED', accountName: 'dev', digestCron: '0 8 * * 5', digestTz: 'UTC' });
    await syncDigestSchedules({ db: t.db, enqueuer, logger: pino({ level: 'silent' }) });
    const r = cli('unbind', '--team', TEAM, '--channel', 'C0SHARED', '--all');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('channel C0SHARED may no longer query "dev", "prod"');
    // The workspace default still reaches a channel of the team's own (never a Slack Connect one).
    expect(r.stdout).toContain('it may still query: sandbox (some through the workspace default *)');
    expect(await schedulers()).not.toContain(`digest:${TEAM}:C0SHARED`);
    expect(await accountsForChannel(t.db, { teamId: TEAM, channelId: 'C0SHARED', externallyShared: true })).toEqual([]);

    const star = cli('unbind', '--team', TEAM, '--channel', '*', '--all');
    expect(star.status).toBe(0);
    expect(await scope('C0SHARED')).toEqual([]);
  });

  it('refuses unknown teams, accounts and bindings with a message that says what to check', async () => {
    await bindChannel(t.db, { teamId: TEAM, channelId: 'C0ERR', accountName: 'prod' });
    const refusal = (input: Partial<Parameters<typeof unbindChannel>[1]>) =>
      unbindChannel(t.db, { teamId: TEAM, channelId: 'C0ERR', ...input }).then(
        () => 'no error',
        (err: Error) => `${err.name}: ${err.message}`,
      );
    expect(await refusal({ teamId: 'T0NOBODY', accountName: 'prod' })).toMatch(/^AccountsError: no workspace T0NOBODY/);
    expect(await refusal({ accountName: 'staging' })).toBe(
      'AccountsError: no account "staging" for team T0CHAN01 (bound to channel C0ERR: prod)',
    );
    expect(await refusal({ accountName: 'dev' })).toBe('AccountsError: channel C0ERR is not bound to account "dev" (bound: prod)');
    await bindChannel(t.db, { teamId: TEAM, channelId: '*', accountName: 'sandbox' });
    expect(await refusal({ accountName: 'sandbox' })).toBe(
      'AccountsError: channel C0ERR is not bound to account "sandbox" (bound: prod); ' +
        "it reaches the channel through the workspace default: unbind it with --channel '*'",
    );
    expect(await refusal({ channelId: 'C0NONE', all: true })).toBe(
      'AccountsError: channel C0NONE has no bindings in team T0CHAN01; see plainfra channels list --team T0CHAN01',
    );
    expect(await refusal({ accountName: 'prod', all: true })).toMatch(
      /^AccountsError: name one account with --account NAME, or pass --all/,
    );
    await expect(listBindings(t.db, 'T0NOBODY')).rejects.toThrow(/no workspace T0NOBODY/);

    // What the operator sees: the message, exit 1; a usage mistake, exit 2 with the usage.
    const team = cli('unbind', '--team', 'T0NOBODY', '--channel', 'C0ERR', '--account', 'prod');
    expect([team.status, team.stderr.trim()]).toEqual([
      1,
      'plainfra: no workspace T0NOBODY: no AWS account was ever added for it (check --team, or run plainfra accounts add)',
    ]);
    const both = cli('unbind', '--team', TEAM, '--channel', 'C0ERR', '--account', 'prod', '--all');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('channels unbind needs --account NAME or --all');
    expect(both.stderr).toContain('channels unbind --team T --channel C (--account NAME | --all)');
    // Nothing was removed by any of the refused commands.
    expect(await scope('C0ERR')).toContain('prod');
  });
});
