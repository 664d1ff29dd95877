/**
 * The AWS side of one aws_query: every region it goes to, at most `regionConcurrency` at a time,
 * each following its pages under the query's deadline, through the service's rate limiter and the
 * spend-budget gate where its call policy asks for them. Each region ends in a `RegionResult`:
 * pages read, an error outcome, or a spent budget. Nothing here throws for AWS problems.
 */
import { absentResult, singleOf, type RegionDone } from './assemble.js';
import { CeBudgetExceeded, CeBudgetUnavailable } from './budget.js';
import { clientFor } from './clients.js';
import type { ListCollector } from './collector.js';
import { errorCode, operationError } from './errors.js';
import { followPages } from './pages.js';
import type { Query } from './query.js';
import { mapLimit, type RateLimiter } from './rate-limit.js';
import type { Session } from './session.js';
import type { Json } from './shape.js';
import type { AwsQueryOutcome, Limits } from './types.js';

export type ErrorOutcome = Extract<AwsQueryOutcome, { status: 'error' }>;
export type RegionPages = RegionDone & { pages: number };
export type RegionFailed = { region: string; error: ErrorOutcome };
export type RegionOverBudget = { region: string; budget: CeBudgetExceeded };
export type RegionResult = RegionPages | RegionFailed | RegionOverBudget;

/** What the regions of one query share. */
export interface RegionCalls {
  session: Session;
  limits: Limits;
  /** Aborted when the query's wall-clock budget (`limits.timeoutMs`) is spent. */
  signal: AbortSignal;
  /** The list operation's collector, fed by every region; absent for single-object operations. */
  collector?: ListCollector;
  /** Runs before every request: the spend-budget gate of a service billed per request. */
  beforeRequest?: () => Promise<void>;
  /** The shared limiter of a service with a per-account-and-region quota. */
  rateLimiter(region: string): RateLimiter | undefined;
}

export function callRegions(q: Query, calls: RegionCalls): Promise<RegionResult[]> {
  return mapLimit(q.regions, calls.limits.regionConcurrency, (region) => callRegion(q, calls, region));
}

async function callRegion(q: Query, calls: RegionCalls, region: string): Promise<RegionResult> {
  const { limits, collector, signal } = calls;
  const client = clientFor(calls.session, q.spec, region, { maxAttempts: limits.maxAttempts, rateLimiter: calls.rateLimiter(region) });
  const fanOut = q.regions.length > 1;
  let single: Json | undefined;
  const onPage = (page: unknown) => {
    if (collector) collector.addPage(page, fanOut ? region : undefined);
    else single = singleOf(q.spec, page);
  };
  try {
    const run = await followPages(q.spec, client, q.sdkInput, limits.maxPages, signal, onPage, calls.beforeRequest);
    return { region, ...run, single };
  } catch (err) {
    return regionFailure(q, calls, region, err);
  }
}

/** What a region's error means: a spent budget, an answer ("not enabled here"), or an error outcome. */
function regionFailure(q: Query, calls: RegionCalls, region: string, err: unknown): RegionResult {
  if (err instanceof CeBudgetExceeded) return { region, budget: err };
  if (err instanceof CeBudgetUnavailable)
    return { region, error: { status: 'error', kind: 'throttled', retryable: true, message: err.message } };
  const absent = absentResult(q.spec, err);
  if (absent) return { region, pages: 1, truncated: false, single: absent };
  const error = calls.signal.aborted
    ? timedOut(q, calls.limits)
    : operationError(err, { ...q.allowed, account: q.account.accountName, region });
  q.log.warn({ region, code: errorCode(err), kind: error.kind }, 'hawk aws call failed');
  return { region, error };
}

function timedOut(q: Query, limits: Limits): ErrorOutcome {
  const { service, operation } = q.allowed;
  return {
    status: 'error',
    kind: 'timeout',
    retryable: true,
    message: `${service}:${operation} did not finish within ${limits.timeoutMs / 1000} s; ask about fewer regions or add filters.`,
  };
}

/** The regions' results sorted: the first spent budget, if any; the errors; the regions that answered. */
export function sortRegions(perRegion: RegionResult[]) {
  return {
    overBudget: perRegion.find((r): r is RegionOverBudget => 'budget' in r),
    failed: perRegion.filter((r): r is RegionFailed => 'error' in r),
    done: perRegion.filter((r): r is RegionPages => 'pages' in r),
  };
}
