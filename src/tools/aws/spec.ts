/**
 * What hawk needs to know to run one allowlisted operation. One `OperationSpec` per allowlist entry;
 * the per-service files in `./ops/` define them and `registry.ts` indexes them.
 */
import type { z } from 'zod';
import type { ParamPin } from './account-pin.js';
import type { ListShape } from './collector.js';
import type { FieldSpec } from './shape.js';

/** Any AWS SDK v3 client class; typed loosely because 23 clients share no useful common type. */
export type SdkClient = { send(command: any, options?: any): Promise<any>; destroy(): void; middlewareStack: any };
export type ClientClass = new (config: any) => SdkClient;
export type CommandClass = new (input: any) => any;
/** An SDK `paginateX` function (created by smithy's createPaginator). */
export type Paginator = (config: { client: any; pageSize?: number }, input: any, ...extra: any[]) => AsyncIterable<any>;

/**
 * - `global`: one endpoint, called in us-east-1 (ce, budgets, iam, organizations, health, support,
 *   sts, s3 ListBuckets, ec2 DescribeRegions).
 * - `regional`: called in `input.region`, or fanned out over the account's regions.
 * - `bucket`: S3 bucket configuration: called once (in `input.region` or us-east-1) with the client
 *   following the redirect to the bucket's own region.
 */
export type Scope = 'global' | 'regional' | 'bucket';

export interface Paging {
  /** Request member carrying the token (`NextToken`, `Marker`, `NextPageToken` …). */
  input: string;
  /** Response member carrying the next token; its presence after the page cap means "truncated". */
  output: string;
  /** Request member setting the page size, if the API has one. */
  sizeParam?: string;
  /** Page size hawk asks for (the API's maximum, so the page cap covers as much as possible). */
  pageSize?: number;
  /** Params that the API refuses to combine with a page size (EC2: `InstanceIds` with `MaxResults`). */
  noSizeWith?: string[];
  /** The SDK paginator, where the SDK has one; otherwise hawk loops on the token itself. */
  paginator?: Paginator;
}

/**
 * `Page` is the command's output type, `Item` one list item and `Summary` what a hand-written item
 * shaper makes of it, so the shapers in `./ops/` are checked against the SDK's types (`sdkOp`). The
 * registry and the runner hold specs erased, with the defaults.
 */
export interface OperationSpec<Page = unknown, Item = unknown, Summary = Item> {
  service: string;
  operation: string;
  client: ClientClass;
  command: CommandClass;
  scope: Scope;
  /** Validates the model's params and turns them into SDK input. Strict: unknown members are refused. */
  params: z.ZodType<Record<string, unknown>>;
  /**
   * Params that name a resource by ARN (or an account by id): each value must belong to the bound
   * account, else the call is refused before any AWS request (`account-pin.ts`).
   */
  pins?: readonly ParamPin[];
  /** Input hawk adds itself (e.g. Budgets' AccountId from the role ARN, EC2 snapshots `OwnerIds: ['self']`). */
  fixedInput?: (params: Record<string, unknown>, accountId: string) => Record<string, unknown>;
  paging?: Paging;
  /** Set for list-like operations: summarised page by page. */
  list?: ListShape<Page, Item, Summary>;
  /** Set for single-object operations. Exactly one of `list` / `single`. */
  single?: FieldSpec | ((output: Page) => unknown);
  /**
   * Error codes that are an answer, not a failure ("this bucket has no encryption configuration").
   * They become `{ absent: true, code, note }` results.
   */
  absentOn?: Record<string, string>;
}

/**
 * What a service asks of the runner beyond a plain SDK call. Declared once per service in
 * `registry.ts` (`CALL_POLICIES`) and carried by each of its registry entries, so the runner asks
 * the entry instead of naming the service.
 */
export interface CallPolicy {
  /**
   * `per-request`: AWS bills every request (Cost Explorer: $0.01 per request and per page). Each page
   * is reserved against the spend budget (`budget.ts`) before it is sent; a spent budget refuses the call.
   */
  billing?: 'per-request';
  /** Shaped results are shared through Redis (`ce-cache.ts`) for `ttlSeconds(operation, sdkInput)` seconds. */
  cache?: { ttlSeconds(operation: string, input: Record<string, unknown>): number };
  /**
   * AWS's request quota per account and region, shared by every hawk process (`SharedRateLimiter`):
   * the `Limits` field giving the rate.
   */
  rateLimit?: 'securityHubRps';
}

/** An operation as the registry holds it: its spec and its service's call policy. */
export interface RegistryEntry extends OperationSpec {
  readonly callPolicy: CallPolicy;
}

/** Helper so per-service files get type checking without repeating the interface name. */
export const defineOps = (ops: OperationSpec[]): OperationSpec[] => ops;
