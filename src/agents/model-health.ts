import type { Logger } from 'pino';
import type { LlmError } from './llm.js';

/**
 * Permanent model errors: a model id the API does not know (404 not_found_error, a 400 naming the
 * model) or a key it refuses (401/403). Retrying those only repeats the failure and delays the
 * asker's reply, so after one the sentinel stops calling that model for a minute: questions get a
 * short reply naming the setting to change, and the operator gets one error line per model, not
 * one per question.
 */

export type PermanentCause = 'model' | 'key';

/** How long the sentinel leaves a model alone after a permanent error. */
export const PERMANENT_ERROR_PAUSE_MS = 60_000;

export function permanentCause(e: Pick<LlmError, 'status' | 'apiMessage'>): PermanentCause | undefined {
  if (e.status === 401 || e.status === 403) return 'key';
  if (e.status === 404) return 'model';
  // The API's 400 for a bad model id names the `model` field ("model: …"); other 400s are our bug.
  if (e.status === 400 && /\bmodel\b/i.test(e.apiMessage ?? '')) return 'model';
  return undefined;
}

/** The reply the asker gets: what is wrong, and which setting an admin must change. */
export function unavailableText(cause: PermanentCause, status: number | undefined): string {
  const http = status ? ` (HTTP ${status})` : '';
  if (cause === 'key')
    return (
      `Sorry — the language model is unavailable: it rejected plainfra's API key${http}. A plainfra admin ` +
      `should check ANTHROPIC_API_KEY on the sentinel (on Amazon Bedrock: that the sentinel's IAM role may ` +
      'bedrock:InvokeModel on PLAINFRA_MODEL).'
    );
  return (
    'Sorry — the language model is unavailable: the API does not offer the model plainfra is set to ' +
    `use${http}. A plainfra admin should set PLAINFRA_MODEL on the sentinel to a current model.`
  );
}

interface Outage {
  cause: PermanentCause;
  status: number | undefined;
  until: number;
}

export class ModelHealth {
  private readonly outages = new Map<string, Outage>();
  private readonly logged = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly pauseMs = PERMANENT_ERROR_PAUSE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The outage a call to `model` would run into now, if any. */
  unavailable(model: string): Outage | undefined {
    const o = this.outages.get(model);
    if (o && o.until > this.now()) return o;
    return undefined;
  }

  /** Records a failed call; returns the cause when it is permanent. */
  failed(model: string, e: LlmError): PermanentCause | undefined {
    const cause = permanentCause(e);
    if (!cause) return undefined;
    this.outages.set(model, { cause, status: e.status, until: this.now() + this.pauseMs });
    if (!this.logged.has(model)) {
      this.logged.add(model);
      const setting = cause === 'key' ? 'ANTHROPIC_API_KEY' : 'PLAINFRA_MODEL';
      this.logger.error(
        { model, status: e.status ?? null, setting, err: e.message },
        `language model unavailable: set ${setting} (questions get a short reply; the model is tried again after ` +
          `${Math.round(this.pauseMs / 1000)} s)`,
      );
    }
    return cause;
  }

  /** A call went through: the model works (again), and a later outage is worth a new log line. */
  succeeded(model: string): void {
    this.outages.delete(model);
    this.logged.delete(model);
  }
}
