import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

/**
 * A channel becoming shared must take effect quickly (it narrows what may be queried); one going
 * back to internal can wait. So "shared" is cached for 10 minutes, "not shared" for 30 seconds.
 */
const SHARED_TTL_MS = 10 * 60 * 1000;
const NOT_SHARED_TTL_MS = 30 * 1000;
const MAX_ENTRIES = 5_000;

/**
 * Is this a Slack Connect channel? Event envelopes say so (`is_ext_shared_channel`); slash-command
 * payloads do not, so commands ask conversations.info. When Slack cannot tell us (error, missing
 * scope, timeout), the answer is "shared": only explicit channel bindings then apply, which is the
 * safe side of the rule. Answers are cached for a few minutes.
 */
export interface SharedChannelAnswer {
  shared: boolean;
  /** False when Slack could not be asked and `shared` is the fail-closed default. */
  known: boolean;
}

export function makeSharedChannelCheck(client: WebClient, logger: Logger): (channelId: string) => Promise<SharedChannelAnswer> {
  const cache = new Map<string, { shared: boolean; at: number }>();
  return async (channelId) => {
    const hit = cache.get(channelId);
    if (hit && Date.now() - hit.at < (hit.shared ? SHARED_TTL_MS : NOT_SHARED_TTL_MS)) return { shared: hit.shared, known: true };
    try {
      const res = await client.conversations.info({ channel: channelId });
      const ch = res.channel as { is_ext_shared?: boolean; is_shared?: boolean; is_pending_ext_shared?: boolean } | undefined;
      const shared = ch?.is_ext_shared === true || ch?.is_pending_ext_shared === true;
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(channelId, { shared, at: Date.now() });
      return { shared, known: true };
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      logger.warn(
        { channel: channelId, error: code },
        'conversations.info failed; treating channel as Slack Connect (explicit bindings only)',
      );
      return { shared: true, known: false };
    }
  };
}
