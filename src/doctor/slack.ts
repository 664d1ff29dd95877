import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { BotConfig } from '../config/index.js';
import { fail, message, pass, withDeadline, type DoctorCheck } from './types.js';

/**
 * The bot scopes deploy/slack-app-manifest.yaml asks for (a test keeps the two equal). A missing one
 * fails quietly at run time (no reaction, no chart), so the doctor names it up front.
 */
export const MANIFEST_BOT_SCOPES = [
  'app_mentions:read',
  'chat:write',
  'commands',
  'reactions:write',
  'files:write',
  'channels:read',
  'groups:read',
];

const REINSTALL =
  'add the missing scopes under OAuth & Permissions → Bot Token Scopes ' +
  '(or recreate the app from deploy/slack-app-manifest.yaml), then reinstall the app to the workspace';

/** auth.test with the bot token, its granted scopes against the manifest's, and the app token if Socket Mode. */
export async function checkSlack(config: BotConfig): Promise<DoctorCheck[]> {
  const options: WebClientOptions = { slackApiUrl: config.SLACK_API_URL, retryConfig: { retries: 0 }, timeout: 5_000 };
  const checks = await checkBotToken(config, options);
  if (config.SLACK_APP_TOKEN) checks.push(await checkAppToken(config.SLACK_APP_TOKEN, options));
  return checks;
}

async function checkBotToken(config: BotConfig, options: WebClientOptions): Promise<DoctorCheck[]> {
  try {
    const res = await withDeadline('slack', 8_000, () => new WebClient(config.SLACK_BOT_TOKEN, options).auth.test());
    return [
      pass('slack auth.test', `bot ${String(res.user ?? res.user_id)} in ${String(res.team ?? res.team_id)} (${String(res.team_id)})`),
      // The WebClient lifts the x-oauth-scopes header into response_metadata.scopes.
      scopesCheck(new Set((res.response_metadata as { scopes?: string[] } | undefined)?.scopes ?? [])),
    ];
  } catch (err) {
    const code = message(err);
    return [
      fail(
        'slack auth.test',
        code,
        ['invalid_auth', 'not_authed', 'token_revoked', 'account_inactive'].includes(code)
          ? "SLACK_BOT_TOKEN is refused: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page"
          : `Slack's Web API is unreachable at ${config.SLACK_API_URL}: check SLACK_API_URL and outbound HTTPS`,
      ),
    ];
  }
}

function scopesCheck(granted: ReadonlySet<string>): DoctorCheck {
  const missing = MANIFEST_BOT_SCOPES.filter((s) => !granted.has(s));
  if (granted.size === 0) {
    return fail(
      'slack scopes',
      "Slack did not report the token's scopes (no x-oauth-scopes header)",
      "check SLACK_API_URL points at Slack's Web API (https://slack.com/api/)",
    );
  }
  return missing.length === 0
    ? pass('slack scopes', MANIFEST_BOT_SCOPES.join(', '))
    : fail('slack scopes', `missing ${missing.join(', ')}`, REINSTALL);
}

async function checkAppToken(appToken: string, options: WebClientOptions): Promise<DoctorCheck> {
  try {
    await withDeadline('slack socket mode', 8_000, () => new WebClient(appToken, options).apps.connections.open());
    return pass('slack socket mode', 'SLACK_APP_TOKEN may open a Socket Mode connection');
  } catch (err) {
    return fail(
      'slack socket mode',
      message(err),
      'SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write, and Socket Mode enabled for the app',
    );
  }
}
