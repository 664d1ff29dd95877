import Anthropic from '@anthropic-ai/sdk';
import type { SentinelConfig } from '../config/index.js';
import { fail, message, pass, withDeadline, type DoctorCheck } from './types.js';

/**
 * The model the sentinel will call exists for this key and is not deprecated or retired, from the
 * Models API's own lifecycle field (so the doctor needs no list of dates that goes stale).
 */
export async function checkAnthropicModel(config: SentinelConfig): Promise<DoctorCheck[]> {
  const client = new Anthropic({ apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL, maxRetries: 0, timeout: 8_000 });
  const model = config.PLAINFRA_MODEL;
  try {
    const info = await withDeadline('anthropic', 10_000, () => client.models.retrieve(model));
    const lifecycle = (info as { lifecycle?: string }).lifecycle ?? 'active';
    const retires = (info as { retires_at?: string | null }).retires_at;
    if (lifecycle === 'active') return [pass('llm model', `${model} (${info.display_name}) is active`)];
    return [
      fail(
        'llm model',
        `${model} is ${lifecycle}${retires ? `, retirement ${retires.slice(0, 10)}` : ''}`,
        'set PLAINFRA_MODEL to an active model (see the Models API or https://docs.claude.com/en/docs/about-claude/model-deprecations)',
      ),
    ];
  } catch (err) {
    return [anthropicFailure(err, config)];
  }
}

/** A refused key, a model this key does not have, or no route to the API: each with its own fix. */
function anthropicFailure(err: unknown, config: SentinelConfig): DoctorCheck {
  const status = (err as { status?: number }).status;
  if (status === 401 || status === 403) {
    return fail(
      'llm model',
      `the API refused ANTHROPIC_API_KEY (HTTP ${status})`,
      'set ANTHROPIC_API_KEY to a valid key from console.anthropic.com',
    );
  }
  if (status === 404) {
    return fail(
      'llm model',
      `no model "${config.PLAINFRA_MODEL}" for this key`,
      'set PLAINFRA_MODEL to a model id this key may use (GET /v1/models lists them)',
    );
  }
  return fail(
    'llm model',
    `Anthropic API unreachable: ${message(err)}`,
    `check ANTHROPIC_BASE_URL (${config.ANTHROPIC_BASE_URL ?? 'default https://api.anthropic.com'}) and outbound HTTPS`,
  );
}
