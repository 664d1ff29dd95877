import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FORBIDDEN } from '../src/config/env.js';
import { botEnv, hawkEnv, sentinelEnv } from '../src/config/env.js';
import { parsePolicySource } from '../src/policy/index.js';

/**
 * What operators deploy must keep the process split too: no Docker engine runs in CI, so these
 * read the files and hold them to the same rules the processes enforce at start-up.
 */

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
};

describe('docker-compose.yml', () => {
  it.each(['bot', 'hawk', 'sentinel'] as const)('gives the %s service none of the secrets it must refuse', (role) => {
    const service = compose.services[role]!;
    expect(service.command).toEqual([role]);
    const names = Object.keys(service.environment ?? {});
    expect(names.filter((n) => FORBIDDEN[role].includes(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'PLAINFRA_QUEUE_PREFIX']));
  });

  it('gives each secret to exactly the role that needs it', () => {
    const holders = (variable: string) =>
      Object.entries(compose.services)
        .filter(([, s]) => variable in (s.environment ?? {}))
        .map(([n]) => n);
    expect(holders('SLACK_BOT_TOKEN')).toEqual(['bot']);
    expect(holders('ANTHROPIC_API_KEY')).toEqual(['sentinel']);
    expect(holders('AWS_SECRET_ACCESS_KEY')).toEqual(['hawk']);
    expect(Object.keys(compose.services.migrate!.environment ?? {}).some((n) => /TOKEN|SECRET|KEY/.test(n))).toBe(false);
  });

  it('connects each process with its own database login; only migrate uses the owner', () => {
    const user = (service: string) => new URL(compose.services[service]!.environment!.DATABASE_URL!.replace(/\$\{[^}]+\}/g, 'x')).username;
    expect(['bot', 'hawk', 'sentinel'].map(user)).toEqual(['plainfra_bot', 'plainfra_hawk', 'plainfra_sentinel']);
    expect(user('migrate')).toBe('plainfra');
    expect(Object.keys(compose.services.migrate!.environment!)).toEqual(
      expect.arrayContaining(['PLAINFRA_DB_PASSWORD_BOT', 'PLAINFRA_DB_PASSWORD_HAWK', 'PLAINFRA_DB_PASSWORD_SENTINEL']),
    );
  });

  it('runs Redis with noeviction, as BullMQ requires', () => {
    expect((compose.services.redis as { command?: string[] }).command?.join(' ')).toContain('--maxmemory-policy noeviction');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  it('is multi-stage and ships on Node 24 LTS without dev dependencies', () => {
    const froms = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[froms.length - 1]).toMatch(/^FROM node:24/);
    expect(dockerfile).toContain('--omit=dev');
    expect(dockerfile).toMatch(/COPY migrations/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});

describe('Slack app manifest', () => {
  const manifest = parse(readFileSync('deploy/slack-app-manifest.yaml', 'utf8')) as {
    features: { slash_commands: { command: string }[] };
    oauth_config: { scopes: { bot: string[] } };
    settings: { event_subscriptions: { bot_events: string[] }; socket_mode_enabled: boolean };
  };
  it('subscribes to app_mention only (message.channels would deliver each mention twice)', () => {
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_mention']);
  });
  it('declares /plainfra-report and the scopes the bot uses', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/plainfra-report']);
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['app_mentions:read', 'chat:write', 'commands', 'reactions:write']),
    );
  });
});

describe('deploy/aws/plainfra-ecs.yaml', () => {
  // CloudFormation short-form tags (!Ref, !Sub …) parsed the way `plainfra policy check` reads them.
  const template = parsePolicySource(readFileSync('deploy/aws/plainfra-ecs.yaml', 'utf8'), 'plainfra-ecs.yaml') as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  type Container = {
    Command: string[];
    Environment?: { Name: string; Value: unknown }[];
    Secrets?: { Name: string; ValueFrom: unknown }[];
  };
  const container = (task: string) => (template.Resources[task]!.Properties.ContainerDefinitions as Container[])[0]!;
  /** Names of a task's variables; an entry under `!If [cond, …, …]` counts with both branches. */
  const entryNames = (v: unknown): string[] => {
    const branches = (v as { 'Fn::If'?: unknown[] })['Fn::If'];
    if (branches) return branches.slice(1).flatMap(entryNames);
    return typeof (v as { Name?: unknown }).Name === 'string' ? [(v as { Name: string }).Name] : [];
  };
  const variables = (task: string) => [...(container(task).Environment ?? []), ...(container(task).Secrets ?? [])].flatMap(entryNames);
  const tasks = { bot: 'BotTask', hawk: 'HawkTask', sentinel: 'SentinelTask' } as const;
  const schemas = { bot: botEnv, hawk: hawkEnv, sentinel: sentinelEnv };
  // Read by libraries rather than our schema: node-postgres (PGPASSWORD) and the AWS SDK.
  const LIBRARY_VARIABLES = ['PGPASSWORD', 'AWS_REGION', 'AWS_RETRY_MODE'];

  it.each(['bot', 'hawk', 'sentinel'] as const)('gives the %s task only variables its role reads, none it must refuse', (role) => {
    expect(container(tasks[role]).Command).toEqual([role]);
    const names = variables(tasks[role]);
    expect(names.filter((n) => FORBIDDEN[role].includes(n))).toEqual([]);
    expect(names.filter((n) => !(n in schemas[role].shape) && !LIBRARY_VARIABLES.includes(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'PGPASSWORD', 'REDIS_PASSWORD']));
  });

  it('gives AWS credentials to hawk alone, and each execution role only its own secrets', () => {
    expect(template.Resources.HawkTask!.Properties.TaskRoleArn).toEqual({ Ref: 'HawkTaskRoleArn' });
    expect(template.Resources.BotTask!.Properties.TaskRoleArn).toBeUndefined();
    // The sentinel gets a task role only on Bedrock (plainfra-sentinel-bedrock.yaml: InvokeModel on named models).
    expect(template.Resources.SentinelTask!.Properties.TaskRoleArn).toEqual({
      'Fn::If': ['SentinelOnBedrock', { Ref: 'SentinelBedrockRoleArn' }, { Ref: 'AWS::NoValue' }],
    });
    const secretsOf = (role: string) => {
      const policies = template.Resources[role]!.Properties.Policies as { PolicyDocument: { Statement: { Resource: unknown }[] } }[];
      return JSON.stringify(policies.flatMap((p) => p.PolicyDocument.Statement.map((s) => s.Resource)));
    };
    expect(secretsOf('BotExecutionRole')).toContain('SlackSecretArn');
    expect(secretsOf('HawkExecutionRole')).not.toMatch(/Slack|Anthropic/);
    expect(secretsOf('SentinelExecutionRole')).not.toMatch(/Slack/);
    expect(secretsOf('BotExecutionRole')).not.toMatch(/Anthropic|HawkDb|SentinelDb/);
  });

  it('with SentinelBedrockRoleArn the sentinel runs on Bedrock: provider bedrock, its role, no Anthropic key or secret', () => {
    const c = container('SentinelTask');
    expect(c.Environment!.find((v) => v.Name === 'PLAINFRA_LLM_PROVIDER')!.Value).toEqual({
      'Fn::If': ['SentinelOnBedrock', 'bedrock', 'anthropic'],
    });
    const key = c.Secrets!.find((v) => entryNames(v).includes('ANTHROPIC_API_KEY')) as unknown as { 'Fn::If': unknown[] };
    expect(key['Fn::If'].slice(0, 2)).toEqual(['SentinelOnBedrock', { Ref: 'AWS::NoValue' }]);
    const policies = template.Resources.SentinelExecutionRole!.Properties.Policies as {
      PolicyDocument: { Statement: { Resource: unknown[] }[] };
    }[];
    expect(policies[0]!.PolicyDocument.Statement[0]!.Resource[0]).toEqual({
      'Fn::If': ['SentinelOnBedrock', { Ref: 'AWS::NoValue' }, { Ref: 'AnthropicSecretArn' }],
    });
  });

  it('connects each process as its own login over verified TLS, and Redis over TLS with noeviction', () => {
    const url = (task: string) => JSON.stringify(container(task).Environment!.find((v) => v.Name === 'DATABASE_URL')!.Value);
    for (const [role, task] of Object.entries(tasks)) {
      expect(url(task)).toContain(`postgres://plainfra_${role}@`);
      expect(url(task)).toContain('sslmode=verify-full&sslrootcert=');
      expect(JSON.stringify(container(task).Environment)).toContain('rediss://');
    }
    const redis = template.Resources.Redis!.Properties;
    expect([redis.TransitEncryptionEnabled, redis.AtRestEncryptionEnabled]).toEqual([true, true]);
    expect(template.Resources.RedisParameters!.Properties.Properties).toEqual({ 'maxmemory-policy': 'noeviction' });
    expect(template.Resources.DatabaseParameters!.Properties.Parameters).toEqual({ 'rds.force_ssl': '1' });
  });
});
