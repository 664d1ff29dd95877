/**
 * hawk without AWS: an `AwsQueryRunner` that answers from a case's recorded responses. Everything
 * hawk does to a request and a response is the real code — the allowlist and its refusals
 * (`prepare`, with the bound account's ARN pin), the operation's SDK client, command and paging,
 * the shaper (list collector or field pick), secret redaction, the string cut and the size budget.
 * Only the network is replaced: a middleware at the front of the SDK client's stack returns the
 * recorded output, so no credentials are needed and no request leaves the machine.
 */
// hawk's parts one by one, past the tools/aws door on purpose: the replay swaps only the network
// and must run each of them as hawk does (the door offers the assembled runner, not its parts).
import { accountScopeOf } from '../tools/aws/account-pin.js';
import { absentResult, assembleResult, regionsFor, singleOf, type RegionDone } from '../tools/aws/assemble.js';
import { ListCollector } from '../tools/aws/collector.js';
import { operationError } from '../tools/aws/errors.js';
import { followPages } from '../tools/aws/pages.js';
import { prepare } from '../tools/aws/refusal.js';
import type { Json } from '../tools/aws/shape.js';
import type { OperationSpec, SdkClient } from '../tools/aws/spec.js';
import { DEFAULT_LIMITS, type AccountTarget, type AwsQueryInput, type AwsQueryOutcome, type Limits } from '../tools/aws/types.js';
import type { AwsQueryRunner } from '../tools/aws/runner.js';
import type { RecordedCall } from './cases.js';

/** What a request the case did not record gets: an error the model (and the report) can read. */
export class NotRecorded extends Error {
  override readonly name = 'NotRecordedByEvalCase';
}

/** A replayed call, for the report: what was asked and whether the case had it. */
export interface ReplayedCall {
  operation: string;
  region: string;
  params: Record<string, unknown>;
  recorded: boolean;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** JSON as the SDK returns it: timestamps are Date objects. */
export function reviveDates(v: unknown): unknown {
  if (typeof v === 'string') return ISO_TIME.test(v) ? new Date(v) : v;
  if (Array.isArray(v)) return v.map(reviveDates);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reviveDates(x)]));
  return v;
}

/** `want` is contained in `got`: objects member by member, arrays element by element, scalars equal (strings case-insensitively). */
export function matchesSubset(got: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object') {
    if (typeof want === 'string' && typeof got === 'string') return want.toLowerCase() === got.toLowerCase();
    return got === want;
  }
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => matchesSubset(got[i], w));
  if (!got || typeof got !== 'object' || Array.isArray(got)) return false;
  return Object.entries(want).every(([k, w]) => matchesSubset((got as Record<string, unknown>)[k], w));
}

const specificity = (c: RecordedCall) => JSON.stringify(c.params ?? {}).length + (c.region ? 1 : 0);

/** The recorded call for this request, most specific first; undefined when the case has none. */
export function findRecording(
  recorded: RecordedCall[],
  spec: OperationSpec,
  region: string,
  params: Record<string, unknown>,
): RecordedCall | undefined {
  return recorded
    .filter((c) => c.service.toLowerCase() === spec.service && c.operation.toLowerCase() === spec.operation.toLowerCase())
    .filter((c) => !c.region || c.region === region)
    .filter((c) => !c.params || matchesSubset(params, c.params))
    .sort((a, b) => specificity(b) - specificity(a))[0];
}

function notRecordedMessage(recorded: RecordedCall[], spec: OperationSpec, region: string, params: Record<string, unknown>): string {
  const same = recorded.filter(
    (c) => c.service.toLowerCase() === spec.service && c.operation.toLowerCase() === spec.operation.toLowerCase(),
  );
  const recordedParams = (c: RecordedCall) => `params containing ${JSON.stringify(c.params ?? {})}${c.region ? ` in ${c.region}` : ''}`;
  const available = same.length
    ? `Recorded for ${spec.service}:${spec.operation}: ${same.map(recordedParams).join('; ')}.`
    : `Recorded operations: ${[...new Set(recorded.map((c) => `${c.service}:${c.operation}`))].join(', ')}.`;
  return (
    `plainfra eval replay: this question's recorded AWS data has no ${spec.service}:${spec.operation} response ` +
    `for region ${region} and params ${JSON.stringify(params)}. ${available}`
  );
}

/** A real SDK client of the operation's service whose requests never leave the process. */
function replayClient(spec: OperationSpec, region: string, recorded: RecordedCall[], log: ReplayedCall[]): SdkClient {
  const client = new spec.client({
    region,
    credentials: { accessKeyId: 'AKIDPLAINFRAEVAL', secretAccessKey: 'plainfra-eval-replay' },
    maxAttempts: 1,
  });
  const paging = spec.paging;
  client.middlewareStack.add(
    () => async (args: { input: Record<string, unknown> }) => {
      const input = { ...args.input };
      const token = paging ? input[paging.input] : undefined;
      if (paging) delete input[paging.input];
      const call = findRecording(recorded, spec, region, input);
      if (token === undefined) log.push({ operation: `${spec.service}:${spec.operation}`, region, params: input, recorded: Boolean(call) });
      if (!call) throw new NotRecorded(notRecordedMessage(recorded, spec, region, input));
      if (call.error)
        throw Object.assign(new Error(call.error.message || call.error.code), {
          name: call.error.code,
          Code: call.error.code,
          $metadata: { httpStatusCode: 400 },
        });
      const pages = call.pages ?? [call.response!];
      const index = typeof token === 'string' && token.startsWith('eval-page-') ? Number(token.slice('eval-page-'.length)) : 0;
      const page = { ...(reviveDates(pages[index] ?? {}) as Record<string, unknown>) };
      if (paging && index + 1 < pages.length) page[paging.output] = `eval-page-${index + 1}`;
      return { output: { $metadata: { httpStatusCode: 200, requestId: 'eval-replay' }, ...page } };
    },
    { step: 'initialize', priority: 'high', name: 'plainfraEvalReplay' },
  );
  return client;
}

export interface ReplayRunner extends AwsQueryRunner {
  /** Every request hawk let through to "AWS", in order. */
  readonly calls: ReplayedCall[];
}

/**
 * The runner for one case. Assembles results with hawk's own code (tools/aws/assemble.ts: fan-out,
 * list collector or single pick, region errors, redact → cut → fit) without STS, the Cost Explorer cache or budget,
 * which need Redis and real accounts and change no figure.
 */
export function createReplayRunner(recorded: RecordedCall[], limits = DEFAULT_LIMITS): ReplayRunner {
  const calls: ReplayedCall[] = [];
  return {
    calls,
    run: (account, _ctx, input) => replayQuery({ recorded, calls, limits }, account, input),
    forgetConversation: () => undefined,
    close: async () => undefined,
  };
}

/** One case's recording, the log of what was asked of it, and hawk's limits. */
interface ReplaySource {
  readonly recorded: RecordedCall[];
  readonly calls: ReplayedCall[];
  readonly limits: Limits;
}

type ErrorOutcome = Extract<AwsQueryOutcome, { status: 'error' }>;

/** One prepared query, the same in every region it fans out to. */
interface RegionQuery {
  readonly source: ReplaySource;
  readonly spec: OperationSpec;
  readonly sdkInput: Record<string, unknown>;
  readonly fanOut: boolean;
  readonly collector: ListCollector | undefined;
  /** The operation and account, for operationError's message. */
  readonly op: { service: string; operation: string; iamAction: string; account: string };
}

/** One aws_query as hawk runs it: prepare (allowlist, account pin), each region in turn, assemble. */
async function replayQuery(source: ReplaySource, account: AccountTarget, input: AwsQueryInput): Promise<AwsQueryOutcome> {
  const prepared = prepare(input, accountScopeOf(account.accountName, account.roleArn));
  if (!prepared.ok) return { status: 'refused', reason: prepared.reason };
  const { spec, allowed, params } = prepared;
  const regions = regionsFor(spec, account, input.region, params);
  const accountId = account.roleArn.split(':')[4] ?? '';
  const query: RegionQuery = {
    source,
    spec,
    sdkInput: { ...params, ...spec.fixedInput?.(params, accountId) },
    fanOut: regions.length > 1,
    collector: spec.list ? new ListCollector(spec.list, source.limits.maxItems) : undefined,
    op: { ...allowed, account: account.accountName },
  };
  const done: RegionDone[] = [];
  const failed = new Map<string, ErrorOutcome>();
  let pages = 0;
  for (const region of regions) {
    const r = await replayRegion(query, region);
    if ('error' in r) failed.set(region, r.error);
    else {
      pages += r.pages;
      done.push(r.done);
    }
  }
  if (done.length === 0) return [...failed.values()][0]!;
  const shaped = assembleResult({
    regions,
    collector: query.collector,
    done,
    failed: [...failed].map(([region, e]) => ({ region, message: e.message })),
    maxPages: source.limits.maxPages,
    maxResultChars: source.limits.maxResultChars,
  });
  return { status: 'ok', result: shaped.result, cache: 'none', pages, truncated: shaped.truncated, redactions: shaped.redactions };
}

/** The query in one region: its pages into the collector (or the single pick), or the region's error. */
async function replayRegion(query: RegionQuery, region: string): Promise<{ done: RegionDone; pages: number } | { error: ErrorOutcome }> {
  const { spec, source, collector } = query;
  const client = replayClient(spec, region, source.recorded, source.calls);
  let single: Json | undefined;
  try {
    const r = await followPages(spec, client, query.sdkInput, source.limits.maxPages, new AbortController().signal, (page) => {
      if (collector) collector.addPage(page, query.fanOut ? region : undefined);
      else single = singleOf(spec, page);
    });
    return { done: { region, truncated: r.truncated, single }, pages: r.pages };
  } catch (err) {
    const absent = absentResult(spec, err);
    if (absent) return { done: { region, truncated: false, single: absent }, pages: 0 };
    if (err instanceof NotRecorded) return { error: { status: 'error', kind: 'aws', retryable: false, message: err.message } };
    return { error: operationError(err, { ...query.op, region }) };
  } finally {
    client.destroy();
  }
}
