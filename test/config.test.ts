import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', REDIS_URL: 'redis://127.0.0.1:6379' };
const bot = { ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-secret' };
const sentinel = { ...base, ANTHROPIC_API_KEY: 'sk-test' };
const hawk = { ...base, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' };

describe('configuration per process role', () => {
  it('accepts each role with its own secrets and applies defaults', () => {
    expect(loadConfig('bot', bot).SLACK_API_URL).toBe('https://slack.com/api/');
    expect(loadConfig('sentinel', sentinel).PLAINFRA_DOCS_URL).toBe('https://docs.aws.amazon.com');
    expect(loadConfig('hawk', hawk).PLAINFRA_QUEUE_PREFIX).toBe('plainfra');
  });

  it.each([
    ['bot', { ...bot, ANTHROPIC_API_KEY: 'sk' }, 'ANTHROPIC_API_KEY'],
    ['bot', { ...bot, AWS_SECRET_ACCESS_KEY: 'x' }, 'AWS_SECRET_ACCESS_KEY'],
    ['hawk', { ...hawk, ANTHROPIC_API_KEY: 'sk' }, 'ANTHROPIC_API_KEY'],
    ['hawk', { ...hawk, SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_BOT_TOKEN'],
    ['hawk', { ...hawk, ANTHROPIC_AUTH_TOKEN: 'tok' }, 'ANTHROPIC_AUTH_TOKEN'],
    ['bot', { ...bot, AWS_SHARED_CREDENTIALS_FILE: '/root/.aws/credentials' }, 'AWS_SHARED_CREDENTIALS_FILE'],
    ['sentinel', { ...sentinel, AWS_ACCESS_KEY_ID: 'AKID' }, 'AWS_ACCESS_KEY_ID'],
    ['sentinel', { ...sentinel, AWS_PROFILE: 'prod' }, 'AWS_PROFILE'],
    ['sentinel', { ...sentinel, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/creds' }, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'],
    ['sentinel', { ...sentinel, SLACK_SIGNING_SECRET: 's' }, 'SLACK_SIGNING_SECRET'],
  ] as const)('%s refuses to start when given %s', (role, env, variable) => {
    expect(() => loadConfig(role, env)).toThrow(ConfigError);
    expect(() => loadConfig(role, env)).toThrow(new RegExp(`${variable} is set, but the ${role} process must not hold it`));
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: names the compose syntax, not a JS template
  it('treats empty variables as unset (docker compose passes ${VAR:-} as "")', () => {
    const config = loadConfig('bot', { ...bot, SLACK_APP_TOKEN: '', PORT: '', AWS_ACCESS_KEY_ID: '' });
    expect(config.SLACK_APP_TOKEN).toBeUndefined();
    expect(config.PORT).toBe(3000);
  });

  it('names every missing or malformed variable at once', () => {
    let message = '';
    try {
      loadConfig('bot', { REDIS_URL: 'not a url', SLACK_BOT_TOKEN: 'xoxp-user-token' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL is required/);
    expect(message).toMatch(/REDIS_URL/);
    expect(message).toMatch(/SLACK_BOT_TOKEN must be the bot token/);
    expect(message).toMatch(/set SLACK_SIGNING_SECRET \(HTTP events\) or SLACK_APP_TOKEN/);
  });

  it.each([
    ['bot', { ...bot, ANTHROPIC_API_KEY: 'sk' }, 'ANTHROPIC_API_KEY'],
    ['hawk', { ...hawk, SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_BOT_TOKEN'],
    ['sentinel', { ...sentinel, AWS_ACCESS_KEY_ID: 'AKID' }, 'AWS_ACCESS_KEY_ID'],
  ] as const)('`plainfra %s` exits non-zero naming %s', (role, env, variable) => {
    const run = spawnSync(process.execPath, ['dist/cli.js', role], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${variable} is set, but the ${role} process must not hold it`);
    expect(run.stderr).toContain(`Unset ${variable}`);
  });
});
