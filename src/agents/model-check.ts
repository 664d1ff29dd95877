import { createRequire } from 'node:module';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';

/**
 * The sentinel's look at its model at start: the Models API says whether the key may use it and
 * whether it is deprecated; the installed SDK's own deprecation list says so even offline. A bad
 * answer is a clear warning, never a refusal to start: the API may be briefly unreachable, and
 * questions get a reply naming PLAINFRA_MODEL anyway (model-health.ts).
 */

const require = createRequire(import.meta.url);

/**
 * The installed SDK's list of deprecated models and their end-of-life dates
 * (`internal/data/deprecated-models.js`, which `messages.create` warns from). The package does not
 * export the path, so it is loaded by file from the package's own directory. `{}` if it moved.
 */
export function sdkDeprecatedModels(): Record<string, string> {
  try {
    const main = require.resolve('@anthropic-ai/sdk');
    const data = require(path.join(path.dirname(main), 'internal', 'data', 'deprecated-models.js')) as {
      DEPRECATED_MODELS?: Record<string, string>;
    };
    return data.DEPRECATED_MODELS ?? {};
  } catch {
    return {};
  }
}

export type ModelCheck =
  | { status: 'active'; displayName: string }
  | { status: 'deprecated'; lifecycle: string; retiresAt: string | null }
  | { status: 'unknown' }
  | { status: 'key_rejected'; httpStatus: number }
  | { status: 'unreachable'; message: string };

/** One Models API lookup (`GET /v1/models/{id}`), no retries, a short timeout. */
export async function checkModel(client: Anthropic, model: string, timeoutMs = 5_000): Promise<ModelCheck> {
  try {
    const info = (await client.models.retrieve(model, {}, { maxRetries: 0, timeout: timeoutMs })) as {
      display_name: string;
      lifecycle?: string;
      retires_at?: string | null;
    };
    const lifecycle = info.lifecycle ?? 'active';
    if (lifecycle === 'active') return { status: 'active', displayName: info.display_name };
    return { status: 'deprecated', lifecycle, retiresAt: info.retires_at ?? null };
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 404) return { status: 'unknown' };
    if (status === 401 || status === 403) return { status: 'key_rejected', httpStatus: status };
    return { status: 'unreachable', message: (err as Error).message };
  }
}

/** Runs the check and logs what an operator should do; returns it for callers and tests. */
export async function checkModelAtStart(model: string, check: (model: string) => Promise<ModelCheck>, logger: Logger): Promise<ModelCheck> {
  const eol = sdkDeprecatedModels()[model];
  if (eol)
    logger.warn(
      { model, endOfLife: eol },
      `PLAINFRA_MODEL ${model} is deprecated in the installed Anthropic SDK (end of life ${eol}): set PLAINFRA_MODEL to a current model`,
    );
  const result = await check(model);
  switch (result.status) {
    case 'active':
      logger.info({ model, displayName: result.displayName }, 'language model available');
      break;
    case 'deprecated': {
      const retiring = result.retiresAt ? ` and retires ${result.retiresAt.slice(0, 10)}` : '';
      logger.warn(
        { model, lifecycle: result.lifecycle, retiresAt: result.retiresAt },
        `PLAINFRA_MODEL ${model} is ${result.lifecycle}${retiring}: set PLAINFRA_MODEL to a current model`,
      );
      break;
    }
    case 'unknown':
      logger.warn(
        { model },
        `PLAINFRA_MODEL ${model} is unknown to the Anthropic API for this key: questions will get a "language model ` +
          'unavailable" reply until PLAINFRA_MODEL names a model the key may use (GET /v1/models lists them)',
      );
      break;
    case 'key_rejected':
      logger.warn(
        { model, status: result.httpStatus },
        `the Anthropic API refused ANTHROPIC_API_KEY (HTTP ${result.httpStatus}): set a valid key`,
      );
      break;
    case 'unreachable':
      logger.warn({ model, err: result.message }, 'could not check PLAINFRA_MODEL at start (Anthropic API unreachable); starting anyway');
      break;
  }
  return result;
}
